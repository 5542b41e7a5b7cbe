import { asStored } from './as-stored.js';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { KubeRest } from './rest.js';
import { readYamlDocuments } from './yaml-documents.js';

/**
 * Parses a multi-document YAML (or JSON) text into objects as `kubectl apply -f` reads it
 * (yaml-documents.ts), skipping empty documents; throws on the first document kubectl would refuse.
 */
export function parseManifests(text: string, source: string): KubernetesObject[] {
  return readYamlDocuments(text).flatMap((doc) => {
    if (doc.error !== undefined) throw new Error(`${source}: document ${doc.index}: ${doc.error}`);
    // As the API server stores it: Helm renders unset values as `webhooks: null`.
    const value = asStored(doc.value);
    return value === null || value === undefined ? [] : [value];
  });
}

/** Anything with a type and a name: client-node objects and Serin's plain KubeObjects alike. */
export interface ApplyObject {
  readonly apiVersion?: string | undefined;
  readonly kind?: string | undefined;
  readonly metadata?: { readonly name?: string | undefined; readonly namespace?: string | undefined } | undefined;
}

function label(obj: ApplyObject): string {
  const ns = obj.metadata?.namespace ? `${obj.metadata.namespace}/` : '';
  return `${obj.kind ?? '?'} ${ns}${obj.metadata?.name ?? '?'}`;
}

/**
 * Server-side applies each object (create or update, the way `kubectl apply --server-side` does),
 * as field manager `fieldManager`. Errors name the object and carry the API server's message.
 */
export async function applyObjects(
  kc: KubeConfig,
  objects: readonly ApplyObject[],
  fieldManager = 'serin',
): Promise<void> {
  const rest = new KubeRest(kc);
  for (const obj of objects) {
    try {
      const path = await rest.resourcePath(
        obj.apiVersion ?? '',
        obj.kind ?? '',
        obj.metadata?.namespace,
        obj.metadata?.name,
      );
      await rest.json(`${path}?fieldManager=${encodeURIComponent(fieldManager)}&force=true`, {
        method: 'PATCH',
        body: obj,
        contentType: 'application/apply-patch+yaml',
      });
    } catch (err) {
      throw new Error(`applying ${label(obj)}: ${apiErrorMessage(err)}`, { cause: err });
    }
  }
}

/** The API server's own message from a client-node error (its Status body), else the error text. */
export function apiErrorMessage(err: unknown): string {
  const body = (err as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      const status = JSON.parse(body) as { message?: string };
      if (status.message) return status.message;
    } catch {
      return body;
    }
  }
  if (body && typeof body === 'object' && 'message' in body) return String(body.message);
  return err instanceof Error ? err.message : String(err);
}

/** Waits until every named CRD reports Established=True (custom resources can be created then). */
export async function waitForCrdsEstablished(
  kc: KubeConfig,
  names: readonly string[],
  timeoutMs = 30_000,
): Promise<void> {
  const { ApiextensionsV1Api } = await import('@kubernetes/client-node');
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const crd = await api.readCustomResourceDefinition({ name });
      if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} not Established after ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
