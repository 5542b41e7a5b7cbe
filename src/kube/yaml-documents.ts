/**
 * Reads a manifest file the way `kubectl apply -f` does, so every Serin command that reads files
 * (`serin check`, `serin simulate`, `serin migrate`) accepts what kubectl accepts, with the same
 * values: documents split at `---` lines, each read with go-yaml v2's YAML 1.1 rules
 * (yaml-scalars.ts) and libyaml's leniency about quoted scalars (yaml-quotes.ts), merge keys (`<<`)
 * as go-yaml applies them, duplicate keys resolved by the last one, and a file that starts with `{`
 * read as JSON. The conversion keeps its own stack and a size budget, so neither deep nesting nor
 * alias bombs can exhaust the process; nesting deeper than Serin reads is an error naming the field.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { MAX_NESTING_DEPTH, plainDataProblem } from '../lib/plain-data.js';
import { indentQuotedContinuations } from './yaml-quotes.js';
import { keyString, scalarValue } from './yaml-scalars.js';

/** Most nodes a document may expand to through aliases (go-yaml refuses "excessive aliasing" too). */
const MAX_NODES = 1_000_000;

/** One document of a file. */
export interface YamlDocument {
  /** 1-based position of the document in the file. */
  readonly index: number;
  /** The document as kubectl reads it (JSON data; null for an empty document); undefined on error. */
  readonly value?: unknown;
  /** Why the document cannot be read, with its line in the file. */
  readonly error?: string;
  /** The parsed document, for finding the line of a field; absent for JSON files. */
  readonly doc?: Document;
  /** The line in the file of an offset into `doc`'s source. */
  readonly lineAt: (offset: number) => number;
}

/** Every document of `text`, in order (empty ones included, with a null value). */
export function readYamlDocuments(text: string): YamlDocument[] {
  if (/^\s*[{[]/.test(text)) {
    const json = readJson(text);
    if (json) return [json];
  }
  return splitDocuments(text).map((chunk, i) => readChunk(chunk, i + 1));
}

interface Chunk {
  readonly text: string;
  /** Line of the file where the chunk starts, 1-based. */
  readonly firstLine: number;
  readonly separatorError?: string;
}

/** kubectl's document reader: a line that starts with `---` ends a document; only a comment may follow it. */
function splitDocuments(text: string): Chunk[] {
  const chunks: Chunk[] = [];
  const lines = text.split(/(?<=\n)/);
  let current: string[] = [];
  let firstLine = 1;
  lines.forEach((line, i) => {
    if (!line.startsWith('---')) {
      current.push(line);
      return;
    }
    const rest = line.slice(3).trim();
    if (rest !== '' && !rest.startsWith('#')) {
      const error = `line ${i + 1}: invalid document separator "${line.trimEnd()}": only a comment may follow ---`;
      chunks.push({ text: '', firstLine: i + 1, separatorError: error });
    }
    if (current.join('').trim() !== '') chunks.push({ text: current.join(''), firstLine });
    current = [];
    firstLine = i + 2;
  });
  if (current.join('').trim() !== '') chunks.push({ text: current.join(''), firstLine });
  return chunks;
}

function readJson(text: string): YamlDocument | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined; // not one JSON value: read it as YAML, as kubectl falls back to
  }
  const deep = plainDataProblem(value);
  const lineAt = () => 1;
  if (deep) return { index: 1, error: `${deep.path}: ${deep.message}`, lineAt };
  return { index: 1, value, lineAt };
}

function readChunk(chunk: Chunk, index: number): YamlDocument {
  let counter = new LineCounter();
  const lineAt = (offset: number) => counter.linePos(offset).line + chunk.firstLine - 1;
  if (chunk.separatorError) return { index, error: chunk.separatorError, lineAt };
  const options = { schema: 'failsafe' as const, uniqueKeys: false };
  let doc = parseDocument(chunk.text, { ...options, lineCounter: counter });
  if (doc.errors.length > 0) {
    // libyaml's leniency; the re-indented text has the same lines, so errors and lines still match the file
    const relaxed = indentQuotedContinuations(chunk.text);
    const relaxedCounter = new LineCounter();
    const again =
      relaxed === chunk.text ? undefined : parseDocument(relaxed, { ...options, lineCounter: relaxedCounter });
    if (again && again.errors.length === 0) {
      doc = again;
      counter = relaxedCounter;
    }
  }
  const first = doc.errors[0];
  if (first) {
    const line = lineAt(first.pos[0]);
    const tooDeep = first.code === 'RESOURCE_EXHAUSTION' && /call stack/i.test(first.message);
    // The parser's own position is relative to the document; the line given is the file's.
    const message = (first.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    const why = tooDeep
      ? `line ${line}: nested too deeply to read; Serin reads at most ${MAX_NESTING_DEPTH} levels of objects and arrays`
      : `not valid YAML at line ${line}: ${message}`;
    return { index, error: why, doc, lineAt };
  }
  const converted = toJson(doc, lineAt);
  if (!converted.ok) return { index, error: converted.error, doc, lineAt };
  const deep = plainDataProblem(converted.value);
  if (deep) return { index, error: `${deep.path}: ${deep.message}`, doc, lineAt };
  return { index, value: converted.value, doc, lineAt };
}

type Converted = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * The document's value, built bottom-up with an explicit stack: every node once (aliases share the
 * anchored node's value), children before parents, a node found again while it is being built is an
 * anchor that contains itself.
 */
function toJson(doc: Document, lineAt: (offset: number) => number): Converted {
  const root = doc.contents;
  if (root === null) return { ok: true, value: null };
  const values = new Map<Node, unknown>();
  const sizes = new Map<Node, number>();
  const building = new Set<Node>();
  const stack: Node[] = [root];
  const fail = (node: Node, why: string): Converted => ({
    ok: false,
    error: `line ${lineAt(node.range?.[0] ?? 0)}: ${why}`,
  });
  while (stack.length > 0) {
    const node = stack[stack.length - 1] as Node;
    if (values.has(node)) {
      stack.pop();
      continue;
    }
    if (isAlias(node)) {
      const target = node.resolve(doc) as Node | undefined;
      if (!target) return fail(node, `unknown anchor "${node.source}"`);
      if (building.has(target)) return fail(node, `anchor "${node.source}" contains itself`);
      if (!values.has(target)) {
        stack.push(target);
        continue;
      }
      values.set(node, values.get(target));
      sizes.set(node, sizes.get(target) ?? 1);
      stack.pop();
      continue;
    }
    const children = childNodes(node);
    const pending = children.filter((c) => !values.has(c));
    if (pending.length > 0 && !building.has(node)) {
      building.add(node);
      stack.push(...pending.reverse());
      continue;
    }
    const built = buildNode(node, values);
    if (!built.ok) return fail(built.at ?? node, built.error);
    const size = 1 + children.reduce((n, c) => n + (sizes.get(c) ?? 1), 0);
    if (size > MAX_NODES) return fail(node, `expands to more than ${MAX_NODES} values through aliases`);
    building.delete(node);
    values.set(node, built.value);
    sizes.set(node, size);
    stack.pop();
  }
  return { ok: true, value: values.get(root) };
}

function childNodes(node: Node): Node[] {
  if (isSeq(node)) return node.items.filter((n): n is Node => n !== null && typeof n === 'object');
  if (!isMap(node)) return [];
  const out: Node[] = [];
  for (const pair of node.items) {
    if (pair.key && typeof pair.key === 'object') out.push(pair.key as Node);
    if (pair.value && typeof pair.value === 'object') out.push(pair.value as Node);
  }
  return out;
}

type Built = { ok: true; value: unknown } | { ok: false; error: string; at?: Node };

function buildNode(node: Node, values: Map<Node, unknown>): Built {
  if (isScalar(node)) {
    const text = typeof node.value === 'string' ? node.value : String(node.source ?? '');
    const r = scalarValue(text, node.tag, node.type === 'PLAIN');
    return r.ok ? r : { ok: false, error: r.error };
  }
  if (isSeq(node)) return { ok: true, value: node.items.map((n) => (n ? values.get(n as Node) : null) ?? null) };
  if (!isMap(node)) return { ok: false, error: 'unsupported YAML node' };
  const out: Record<string, unknown> = {};
  for (const pair of node.items) {
    const keyNode = pair.key as Node | null;
    const value = pair.value ? (values.get(pair.value as Node) ?? null) : null;
    if (isScalar(keyNode) && keyNode.type === 'PLAIN' && keyNode.value === '<<' && keyNode.tag === undefined) {
      const merged = mergeInto(out, pair.value as Node | null, values);
      if (!merged.ok) return { ...merged, at: keyNode };
      continue;
    }
    const key = mapKey(keyNode);
    if (!key.ok) return { ...key, ...(keyNode ? { at: keyNode } : {}) };
    define(out, key.value, value);
  }
  return { ok: true, value: out };
}

function mapKey(node: Node | null): { ok: true; value: string } | { ok: false; error: string } {
  if (node === null) return { ok: false, error: 'a map key is empty (null), which JSON cannot have; quote it' };
  if (!isScalar(node)) return { ok: false, error: 'a map key is a map or a list, which JSON cannot have' };
  const text = typeof node.value === 'string' ? node.value : String(node.source ?? '');
  const key = keyString(text, node.tag, node.type === 'PLAIN');
  return key.ok ? { ok: true, value: String(key.value) } : key;
}

/**
 * `<<: *base` as go-yaml v2 applies it to a map: the merged map's keys are set where the `<<` stands
 * (so a key written before it is overwritten, one written after it wins); for a list of maps the
 * first one that has a key wins.
 */
function mergeInto(out: Record<string, unknown>, node: Node | null, values: Map<Node, unknown>): Built {
  const wrong: Built = { ok: false, error: 'a merge key (<<) needs a map or a list of maps as its value' };
  const mapOf = (n: unknown): Record<string, unknown> | undefined => {
    const value = values.get(n as Node);
    return isRecord(value) ? value : undefined;
  };
  if (node === null) return wrong;
  if (isSeq(node)) {
    const maps = node.items.map(mapOf);
    if (maps.some((m) => m === undefined)) return wrong;
    for (const m of maps.reverse()) Object.entries(m ?? {}).forEach(([k, v]) => define(out, k, v));
    return { ok: true, value: out };
  }
  const map = mapOf(node);
  if (!map) return wrong;
  Object.entries(map).forEach(([k, v]) => define(out, k, v));
  return { ok: true, value: out };
}

/** Sets a key as data, even `__proto__`. */
function define(out: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
