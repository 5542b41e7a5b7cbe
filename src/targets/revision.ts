/**
 * The hashes a Canary's status stores: the target's pod-template hash (`lastAppliedSpec`,
 * `lastPromotedSpec`) and the checksums of tracked ConfigMaps and Secrets (`trackedConfigs`).
 * Both are persisted, so their schemes are part of Serin's API: changing either makes every
 * canary see a new revision once. Do not change them.
 */
import { createHash } from 'node:crypto';

/**
 * Canonical JSON of a JSON value, the input of {@link specHash}:
 * - object members sorted by key (JavaScript's default string order, i.e. UTF-16 code units;
 *   Kubernetes field names and label keys are ASCII, where this equals byte order), recursively;
 * - members whose value is `undefined` or `null` are left out: in Kubernetes an explicit null and
 *   an absent field mean the same (the API server sends `creationTimestamp: null` in templates);
 * - array elements keep their order (an `undefined` element becomes `null`, as in JSON);
 * - strings and numbers as `JSON.stringify` writes them; no whitespace.
 * Throws on values JSON cannot hold (bigint, functions, symbols, non-finite numbers).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} is not a JSON number`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined && v !== null)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: a ${typeof value} is not JSON`);
  }
}

/**
 * `canonicalJson(a) === canonicalJson(b)`, decided in place without building either string: null
 * and undefined members count as absent, an undefined array element as null, numbers and strings
 * as JSON writes them. The controller compares every primary it keeps in shape with what it would
 * write, on every reconcile; building two canonical strings each time was a large share of the
 * simulator's garbage. Throws where canonicalJson throws (values JSON cannot hold).
 */
export function canonicalEqual(a: unknown, b: unknown): boolean {
  const absentA = a === null || a === undefined;
  const absentB = b === null || b === undefined;
  if (absentA || absentB) return absentA === absentB;
  if (typeof a !== 'object' || typeof b !== 'object') return scalarEqual(a, b);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!canonicalEqual(a[i], b[i])) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let present = 0;
  for (const key of Object.keys(x)) {
    const v = x[key];
    if (v === null || v === undefined) continue;
    present++;
    if (!canonicalEqual(v, y[key])) return false;
  }
  for (const key of Object.keys(y)) if (y[key] !== null && y[key] !== undefined) present--;
  return present === 0;
}

/** canonicalEqual of two values, not both objects: no string built for the common cases. */
function scalarEqual(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number' && Number.isFinite(a) && Number.isFinite(b)) return a === b;
  if ((typeof a === 'string' && typeof b === 'string') || (typeof a === 'boolean' && typeof b === 'boolean'))
    return a === b;
  return canonicalJson(a) === canonicalJson(b);
}

/**
 * The revision hash of a pod template (Serin scheme 1): the first 16 hex digits (64 bits) of the
 * SHA-256 of the UTF-8 bytes of {@link canonicalJson}(template). It depends only on the template's
 * content — not on field order, object layout, or anything outside `spec.template`.
 *
 * Go Flagger's hashes (FNV-32 of a Go struct dump, 1–10 characters of `bcdfghjklmnpqrstvwxz2456789`)
 * cannot be reproduced; a canary adopted from Flagger sees one new revision. {@link isSerinSpecHash}
 * tells the two apart.
 */
export function specHash(template: unknown): string {
  return createHash('sha256').update(canonicalJson(template), 'utf8').digest('hex').slice(0, 16);
}

/** Is this a hash Serin's {@link specHash} could have produced (rather than one written by Go Flagger)? */
export function isSerinSpecHash(hash: string): boolean {
  return /^[0-9a-f]{16}$/.test(hash);
}

/**
 * Flagger's checksum of a ConfigMap's or Secret's `.data`, reproduced exactly (so canaries adopted
 * from Flagger keep their `trackedConfigs`): the first 8 bytes, in hex, of the SHA-256 of Go's
 * `json.Marshal` of the map — keys sorted, no whitespace, `<` `>` `&` U+2028 U+2029 escaped as
 * `\u003c`…, absent data as `null`. Secret values are the base64 strings the API server sends,
 * which is also how Go marshals `[]byte`.
 *
 * Serin extension: a ConfigMap's `binaryData`, which Flagger ignores, counts when present: the
 * input is then `{"binaryData":…,"data":…}`, so a change to it is a new revision too.
 */
export function configChecksum(data: Readonly<Record<string, string>> | undefined, binaryData?: object): string {
  const hasBinary = binaryData !== undefined && Object.keys(binaryData).length > 0;
  const json = hasBinary
    ? `{"binaryData":${goMapJson(binaryData as Record<string, string>)},"data":${goMapJson(data)}}`
    : goMapJson(data);
  return createHash('sha256').update(json, 'utf8').digest('hex').slice(0, 16);
}

/** Go `json.Marshal` of a `map[string]string` (nil → `null`). */
export function goMapJson(map: Readonly<Record<string, string>> | undefined): string {
  if (map === undefined) return 'null';
  // Go sorts map keys by bytes; ConfigMap and Secret keys are restricted to [-._a-zA-Z0-9].
  const keys = Object.keys(map).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${keys.map((k) => `${goString(k)}:${goString(map[k] ?? '')}`).join(',')}}`;
}

/**
 * A string as Go's encoding/json writes it. `JSON.stringify` already matches Go ≥ 1.22 for quotes,
 * backslashes and control characters (`\b \f \n \r \t`, else `\u00xx` in lower case); Go also
 * escapes the HTML characters and the two JavaScript line separators.
 */
function goString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
