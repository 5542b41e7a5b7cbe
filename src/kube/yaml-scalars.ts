/**
 * What a YAML scalar means to kubectl. kubectl reads manifests with sigs.k8s.io/yaml, which is
 * go-yaml v2 (YAML 1.1 rules) turned into JSON: `yes`/`no`/`on`/`off`/`y`/`n` are booleans, `0777`
 * is octal, `1_000` is 1000, `0x1F` and `0b101` are numbers, `22:22` and `2001-12-14` stay strings,
 * `.nan` and `.inf` cannot become JSON at all. Map keys become strings the way sigs.k8s.io/yaml
 * writes them (`on:` is the key "true"; a float key is printed at float32 precision).
 */

/** A scalar's meaning: a JSON value, or why kubectl would refuse it. */
export type ScalarValue =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

const TAG = 'tag:yaml.org,2002:';
const STR = `${TAG}str`;

const TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
const NULL = new Set(['', '~', 'null', 'Null', 'NULL']);
const NAN = new Set(['.nan', '.NaN', '.NAN']);
const INF = new Set(['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF']);
const NEG_INF = new Set(['-.inf', '-.Inf', '-.INF']);
/** go-yaml's float syntax for plain scalars that start with a digit or a sign. */
const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
/** What Go's ParseFloat takes for a scalar that starts with a dot. */
const DOT_FLOAT = /^\.[0-9]+([eE][-+]?[0-9]+)?$/;
/** Explicit tags go-yaml resolves; any other tag leaves a scalar as its text. */
const RESOLVABLE: ReadonlySet<string> = new Set(
  ['str', 'bool', 'int', 'float', 'null', 'timestamp'].map((n) => TAG + n),
);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

type Kind = 'bool' | 'null' | 'int' | 'float' | 'str' | 'nan';

/** The tag go-yaml resolves a plain scalar to, and its value; `nan` stands for NaN and ±Infinity. */
function resolvePlain(text: string): { kind: Kind; value: unknown } {
  if (NULL.has(text)) return { kind: 'null', value: null };
  const first = text[0] ?? '';
  if (TRUE.has(text)) return { kind: 'bool', value: true };
  if (FALSE.has(text)) return { kind: 'bool', value: false };
  if (NAN.has(text) || INF.has(text) || NEG_INF.has(text)) return { kind: 'nan', value: text };
  if (first === '.') {
    const n = DOT_FLOAT.test(text) ? Number(text) : NaN;
    return Number.isFinite(n) ? { kind: 'float', value: n } : { kind: 'str', value: text };
  }
  if (!/[-+0-9]/.test(first)) return { kind: 'str', value: text };
  const plain = text.replaceAll('_', '');
  const int = goParseInt(plain);
  if (int !== undefined && int >= INT64_MIN && int <= UINT64_MAX && (int <= INT64_MAX || !/^[-+]/.test(plain))) {
    return { kind: 'int', value: Number(int) };
  }
  if (YAML_FLOAT.test(plain)) {
    const n = Number(plain);
    if (Number.isFinite(n)) return { kind: 'float', value: n };
  }
  return { kind: 'str', value: text };
}

/** Go's strconv.ParseInt(s, 0, …) without the range check: sign, then 0x / 0o / 0b / 0 (octal) or decimal. */
function goParseInt(s: string): bigint | undefined {
  const negative = s.startsWith('-');
  const body = /^[-+]/.test(s) ? s.slice(1) : s;
  const prefixed = /^0([xXoObB])(.+)$/.exec(body);
  let digits: string;
  let base: 2 | 8 | 10 | 16;
  if (prefixed) {
    const letter = (prefixed[1] ?? '').toLowerCase();
    base = letter === 'x' ? 16 : letter === 'o' ? 8 : 2;
    digits = prefixed[2] ?? '';
  } else if (body.length > 1 && body.startsWith('0')) {
    base = 8;
    digits = body.slice(1);
  } else {
    base = 10;
    digits = body;
  }
  const valid = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[base];
  if (!valid.test(digits)) return undefined;
  const prefix = { 2: '0b', 8: '0o', 10: '', 16: '0x' }[base];
  const n = BigInt(prefix + digits);
  return negative ? -n : n;
}

/**
 * The value of a scalar as kubectl reads it. `tag` is the explicit tag (`tag:yaml.org,2002:int`,
 * `!custom`) or undefined; `plain` says the scalar was written without quotes or block style.
 */
export function scalarValue(text: string, tag: string | undefined, plain: boolean): ScalarValue {
  if (tag === `${TAG}binary`) return binary(text);
  // `!` (the non-specific tag) and any tag go-yaml does not know leave the text as it is
  if (tag === STR || (tag !== undefined && !RESOLVABLE.has(tag))) return { ok: true, value: text };
  if (tag === undefined) {
    if (!plain) return { ok: true, value: text };
    const resolved = resolvePlain(text);
    return resolved.kind === 'nan' ? notJson(text) : { ok: true, value: resolved.value };
  }
  if (tag === long('timestamp')) {
    return /^\d{4}-\d{1,2}-\d{1,2}([Tt ].*)?$/.test(text) ? { ok: true, value: text } : cannotDecode(text, 'str', tag);
  }
  const resolved = resolvePlain(text);
  const wanted = tag.slice(TAG.length);
  if (resolved.kind === 'nan' && wanted === 'float') return notJson(text);
  if (resolved.kind === wanted || (wanted === 'float' && resolved.kind === 'int'))
    return { ok: true, value: resolved.value };
  return cannotDecode(text, resolved.kind === 'nan' ? 'float' : resolved.kind, tag);
}

/** A map key as sigs.k8s.io/yaml writes it into JSON, or why it cannot. */
export function keyString(text: string, tag: string | undefined, plain: boolean): ScalarValue {
  const value = scalarValue(text, tag, plain);
  if (!value.ok) {
    // `.nan`/`.inf` keys are written as text; only values cannot be NaN in JSON.
    const resolved = resolvePlain(text);
    if (resolved.kind !== 'nan') return value;
    return { ok: true, value: NAN.has(text) ? '.nan' : NEG_INF.has(text) ? '-.inf' : '.inf' };
  }
  const v = value.value;
  if (typeof v === 'string') return value;
  if (typeof v === 'boolean') return { ok: true, value: String(v) };
  if (typeof v === 'number') {
    if (resolvePlain(text).kind === 'int' && (tag === undefined || tag === long('int'))) {
      return BigInt(v) > INT64_MAX
        ? unsupportedKey(text, 'uint64')
        : { ok: true, value: String(goParseInt(text.replaceAll('_', ''))) };
    }
    return { ok: true, value: goFloat32(v) };
  }
  return unsupportedKey(text, 'null');
}

/** Go's strconv.FormatFloat(x, 'g', -1, 32): the shortest digits that read back as the same float32. */
export function goFloat32(x: number): string {
  const target = Math.fround(x);
  let digits = 1;
  while (digits < 9 && Math.fround(Number(target.toPrecision(digits))) !== target) digits++;
  const [mantissa = '0', exponent = '0'] = target.toExponential(digits - 1).split('e');
  const exp = Number(exponent);
  const trimmed = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
  // Go switches to the exponent form below 1e-4 and from 1e6 on (for the shortest format).
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    return `${trimmed}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(Number(target.toPrecision(digits)));
}

function long(name: string): string {
  return `${TAG}${name}`;
}

function binary(text: string): ScalarValue {
  const compact = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) {
    return { ok: false, error: `!!binary value ${quote(text)} is not base64` };
  }
  return { ok: true, value: Buffer.from(compact, 'base64').toString('utf8') };
}

function notJson(text: string): ScalarValue {
  return {
    ok: false,
    error: `${quote(text)} is not a number JSON can carry (kubectl refuses it too); quote it to mean the text`,
  };
}

function cannotDecode(text: string, found: string, tag: string): ScalarValue {
  return { ok: false, error: `cannot decode !!${found} ${quote(text)} as a ${tag.replace(TAG, '!!')}` };
}

function unsupportedKey(text: string, type: string): ScalarValue {
  return { ok: false, error: `the map key ${quote(text)} (a ${type}) cannot be a JSON key; quote it` };
}

function quote(text: string): string {
  const shown = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return JSON.stringify(shown);
}
