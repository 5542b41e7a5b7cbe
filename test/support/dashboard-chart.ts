/**
 * For the chart and kustomize tests of the dashboard: what "the same Deployment in substance" means
 * between deploy/dashboard.yaml and what the chart or the kustomize component renders, what counts as
 * a write in a ClusterRole, and the API server's own answer to "may this ServiceAccount do that".
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../../src/kube/objects.js';
import { KubeRest } from '../../src/kube/rest.js';

/** `--set` flags: the dashboard behind an authenticating proxy, reached through an Ingress with TLS. */
export const DASHBOARD_PROXY_SETS = [
  ...['--set', 'dashboard.enabled=true', '--set', 'dashboard.authProxyHeader=X-Forwarded-User'],
  ...['--set', 'dashboard.authProxyGroupsHeader=X-Forwarded-Groups', '--set', 'dashboard.ingress.enabled=true'],
  ...['--set', 'dashboard.ingress.host=serin.example.com', '--set', 'dashboard.ingress.className=nginx'],
] as const;

/** The dashboard's objects among everything a chart or kustomization rendered (the operator's left out). */
export function dashboardObjects(objects: readonly KubeObject[]): KubeObject[] {
  return objects.filter((o) => o.metadata.name?.includes('-dashboard') === true);
}

/** Kind and name of each object, sorted, for an exact comparison of what was rendered. */
export function kindsAndNames(objects: readonly KubeObject[]): string[] {
  return objects.map((o) => `${o.kind} ${o.metadata.name}`).sort();
}

interface PodContainer {
  readonly image?: string;
  readonly imagePullPolicy?: string;
  readonly args: string[];
  readonly [key: string]: unknown;
}

/**
 * A dashboard Deployment as it runs: replicas, and the pod spec without what legitimately differs
 * between the plain file and a rendering: the image (the plain file names `serin:<version>`, a
 * rendering the release's), the pull policy and the `--log-level` the chart passes from `logLevel`.
 * Labels and selectors are left out too: each rendering names its own instance.
 */
export function dashboardInSubstance(deployment: KubeObject): unknown {
  const spec = deployment.spec as { replicas: number; template: { spec: { containers: PodContainer[] } } };
  const pod = spec.template.spec;
  const containers = pod.containers.map(({ image: _image, imagePullPolicy: _policy, args, ...rest }) => ({
    ...rest,
    args: args.filter((a) => !a.startsWith('--log-level=')),
  }));
  return { replicas: spec.replicas, pod: { ...pod, containers } };
}

interface PolicyRule {
  readonly apiGroups?: string[];
  readonly resources?: string[];
  readonly verbs: string[];
}

/** The reviews the dashboard creates to ask about a viewer: creating them changes nothing. */
const REVIEWS = new Set(['tokenreviews', 'subjectaccessreviews']);
const READS = new Set(['get', 'list', 'watch']);

/**
 * Every grant in `rules` beyond reading (and creating reviews), as "verb resource"; empty for a
 * read-only role.
 */
export function writesOf(rules: unknown): string[] {
  return (rules as PolicyRule[]).flatMap((rule) =>
    (rule.resources ?? []).flatMap((resource) =>
      rule.verbs
        .filter((verb) => !READS.has(verb) && !(verb === 'create' && REVIEWS.has(resource)))
        .map((verb) => `${verb} ${resource}`),
    ),
  );
}

/** The rules of the ClusterRole `name` in a plain manifest. */
export function clusterRoleRules(objects: readonly KubeObject[], name: string): unknown {
  const role = objects.find((o) => o.kind === 'ClusterRole' && o.metadata.name === name) as
    (KubeObject & { rules?: unknown }) | undefined;
  if (!role) throw new Error(`no ClusterRole ${name}`);
  return role.rules;
}

/** What one SubjectAccessReview asks: a verb on a resource, cluster-wide. */
export interface Access {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
}

/** Whether ServiceAccount `ns/name` may do `access`, as the API server's authorizer answers (asked by the admin). */
export async function serviceAccountMay(kc: KubeConfig, ns: string, name: string, access: Access): Promise<boolean> {
  const answer = await new KubeRest(kc).json<{ status?: { allowed?: boolean } }>(
    '/apis/authorization.k8s.io/v1/subjectaccessreviews',
    {
      method: 'POST',
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: `system:serviceaccount:${ns}:${name}`,
          groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
          resourceAttributes: { verb: access.verb, group: access.group, resource: access.resource },
        },
      },
    },
  );
  return answer.status?.allowed === true;
}
