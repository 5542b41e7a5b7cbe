/**
 * Reads a request body as a webhook payload the way Flagger's load tester does: fields it does not
 * know are ignored and missing strings are empty, but a body that is not JSON, or a field of the
 * wrong type, is a 400 naming the field.
 */
import { Type } from '@sinclair/typebox';
import { WebhookPayloadSchema, createSchemaValidator, formatIssues, type WebhookPayload } from '../api/index.js';
import { bounded } from '../lib/bounded.js';

const validate = createSchemaValidator<Partial<WebhookPayload>>(Type.Partial(WebhookPayloadSchema), 'prune');

/** The payload, or what is wrong with the body. */
export type PayloadRead =
  { readonly ok: true; readonly payload: WebhookPayload } | { readonly ok: false; readonly reason: string };

/** Parses and checks a body; empty strings stand in for missing name, namespace, phase and checksum. */
export function readPayload(body: string): PayloadRead {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    const why = body.trim() === '' ? 'the body is empty' : `the body is not JSON (${(err as Error).message})`;
    return { ok: false, reason: `${why}; send the webhook payload {"name":…,"namespace":…,"metadata":{…}}` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, reason: 'the body must be a JSON object: the webhook payload {"name":…,"namespace":…}' };
  }
  const checked = validate(json);
  if (!checked.ok) return { ok: false, reason: bounded(`bad webhook payload: ${formatIssues(checked.issues)}`) };
  const p = checked.value;
  return {
    ok: true,
    payload: {
      name: p.name ?? '',
      namespace: p.namespace ?? '',
      phase: p.phase ?? '',
      checksum: p.checksum ?? '',
      ...(p.metadata ? { metadata: p.metadata } : {}),
    },
  };
}

/** Metadata as it may be logged: without the token, each value bounded. */
export function loggableMetadata(metadata: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata ?? {})) {
    if (key === 'token') continue;
    out[key] = bounded(key === 'cmd' ? redactCommand(value) : value, 512);
  }
  return out;
}

/** A command with the credentials it carries replaced: Authorization header values, `-a`/`-u user:pass`. */
export function redactCommand(cmd: string): string {
  return cmd
    .replace(/(authorization\s*:\s*)[^'"]*/gi, '$1<redacted>')
    .replace(/(\s-[au]\s+)(['"]?)[^\s'"]+\2/g, '$1<redacted>');
}
