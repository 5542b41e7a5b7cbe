/**
 * How a viewer's action reaches the API server: never with the dashboard's own rights. With a
 * bearer token, the request carries that token and only the cluster's CA from the dashboard's
 * kubeconfig (no client certificate, which the API server would authenticate first). Behind an
 * authenticating proxy, the dashboard's credentials with `Impersonate-User`/`-Group` headers, so
 * the API server authorizes the write as the viewer (the dashboard needs `impersonate` for that).
 */
import type { RequestOptions } from 'node:https';
import type { KubeAccess } from '../kube/kube-access.js';
import type { Viewer } from './viewer.js';

/** The access a viewer's writes use. */
export function viewerAccess(own: KubeAccess, viewer: Viewer): KubeAccess {
  const credential = viewer.credential;
  switch (credential.kind) {
    case 'kubeconfig':
      return own;
    case 'bearer':
      return {
        getCurrentCluster: () => own.getCurrentCluster(),
        async applyToHTTPSOptions(opts: RequestOptions) {
          const scratch: RequestOptions = { headers: {} };
          await own.applyToHTTPSOptions(scratch);
          if (scratch.ca !== undefined) opts.ca = scratch.ca;
          if (scratch.rejectUnauthorized !== undefined) opts.rejectUnauthorized = scratch.rejectUnauthorized;
          if (scratch.servername !== undefined) opts.servername = scratch.servername;
          opts.headers = { ...(opts.headers as Record<string, string>), authorization: `Bearer ${credential.token}` };
        },
      };
    case 'impersonate':
      return {
        getCurrentCluster: () => own.getCurrentCluster(),
        async applyToHTTPSOptions(opts: RequestOptions) {
          await own.applyToHTTPSOptions(opts);
          opts.headers = {
            ...(opts.headers as Record<string, string | string[]>),
            'impersonate-user': viewer.user,
            ...(viewer.groups.length > 0 ? { 'impersonate-group': [...viewer.groups] } : {}),
          };
        },
      };
  }
}
