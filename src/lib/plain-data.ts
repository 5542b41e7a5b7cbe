/**
 * Is a value plain JSON data of a depth Serin reads? The API server stores custom resources up to
 * 10,000 levels deep in fields that keep unknown fields (a Canary's `spec.service.trafficPolicy`,
 * `headers`, …); every reader of such an object that walks it recursively (cloning, status writes,
 * YAML, hashing) runs out of stack long before that. Serin reads at most {@link MAX_NESTING_DEPTH}
 * levels and says which field goes deeper. The walk itself keeps its own stack, so any depth is safe.
 */
import { bounded } from './bounded.js';

/** Deepest nesting of objects and arrays Serin reads in an object: the object itself is level 0, `spec` level 1. */
export const MAX_NESTING_DEPTH = 100;

/** Path segments shown before the rest of a deep path is summarized. */
const SHOWN_SEGMENTS = 8;

/** What is wrong with a value, at a kubectl-style path (`spec.service.trafficPolicy.tls`; empty for the root). */
export interface DataProblem {
  readonly path: string;
  readonly message: string;
}

interface Segment {
  readonly parent: Segment | undefined;
  readonly key: string | number;
  readonly depth: number;
}

/**
 * The first problem that keeps `value` from being the JSON data Serin reads: nesting deeper than
 * `maxDepth`, a number JSON cannot carry (NaN, ±Infinity), or a value that is not JSON at all. A
 * property whose value is undefined counts as absent, as `JSON.stringify` has it.
 */
export function plainDataProblem(value: unknown, maxDepth: number = MAX_NESTING_DEPTH): DataProblem | undefined {
  const stack: { value: unknown; at: Segment | undefined }[] = [{ value, at: undefined }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const problem = ownProblem(next.value, next.at, maxDepth);
    if (problem) return problem;
    const children = childrenOf(next.value);
    for (let i = children.length - 1; i >= 0; i--) {
      const [key, child] = children[i] as [string | number, unknown];
      stack.push({ value: child, at: { parent: next.at, key, depth: (next.at?.depth ?? 0) + 1 } });
    }
  }
  return undefined;
}

function ownProblem(value: unknown, at: Segment | undefined, maxDepth: number): DataProblem | undefined {
  const depth = at?.depth ?? 0;
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return { path: renderPath(at), message: `must be a finite number, got ${String(value)}` };
  }
  if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') {
    return { path: renderPath(at), message: `must be JSON data, got a ${typeof value}` };
  }
  if (value === null || typeof value !== 'object') return undefined;
  if (!Array.isArray(value) && !isPlainObject(value)) {
    return { path: renderPath(at), message: `must be JSON data, got a ${value.constructor?.name ?? 'object'}` };
  }
  if (depth > maxDepth) {
    return {
      path: renderPath(at),
      message: `is nested more than ${maxDepth} levels deep; Serin reads at most ${maxDepth} levels of objects and arrays`,
    };
  }
  return undefined;
}

function childrenOf(value: unknown): [string | number, unknown][] {
  // Array.from visits holes too (map skips them): a sparse array is read as it is, never thrown on.
  if (Array.isArray(value)) return Array.from(value, (v: unknown, i) => [i, v] as [number, unknown]);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).filter(([, v]) => v !== undefined);
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `spec.service.trafficPolicy.a[0]`; past {@link SHOWN_SEGMENTS} segments, the rest is counted, not shown. */
function renderPath(at: Segment | undefined): string {
  const keys: (string | number)[] = [];
  for (let s = at; s !== undefined; s = s.parent) keys.push(s.key);
  keys.reverse();
  const shown = keys.slice(0, SHOWN_SEGMENTS);
  let path = '';
  for (const key of shown) {
    if (typeof key === 'number') path += `[${key}]`;
    else if (/^[^.[\]]+$/.test(key)) path += path === '' ? key : `.${key}`;
    else path += `[${JSON.stringify(key)}]`;
  }
  const rest = keys.length - shown.length;
  return bounded(rest > 0 ? `${path}… (${rest} levels more)` : path, 200);
}
