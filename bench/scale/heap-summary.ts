/**
 * What a V8 heap snapshot holds, summed: self sizes by node type and by constructor, and the strings
 * held more than once (what interning them would save). For the operator's snapshot that
 * `SCALE_HEAP_SNAPSHOT=1 make bench-scale` writes after the releases:
 *
 *   npx tsx bench/scale/heap-summary.ts <file.heapsnapshot>
 */
import { readFile } from 'node:fs/promises';

interface Snapshot {
  readonly snapshot: {
    readonly meta: { readonly node_fields: string[]; readonly node_types: [string[], ...unknown[]] };
  };
  readonly nodes: number[];
  readonly strings: string[];
}

const MiB = 2 ** 20;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

function top<K>(map: Map<K, number>, n: number): [K, number][] {
  return [...map].sort((a, b) => b[1] - a[1]).slice(0, n);
}

const file = process.argv[2];
if (!file) {
  console.error('usage: npx tsx bench/scale/heap-summary.ts <file.heapsnapshot>');
  process.exit(2);
}
const heap = JSON.parse(await readFile(file, 'utf8')) as Snapshot;
const fields = heap.snapshot.meta.node_fields;
const types = heap.snapshot.meta.node_types[0];
const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
const width = fields.length;
const byType = new Map<string, number>();
const byConstructor = new Map<string, number>();
/** String content → [copies, bytes]. */
const strings = new Map<string, [number, number]>();
let total = 0;
for (let i = 0; i < heap.nodes.length; i += width) {
  const type = types[heap.nodes[i + typeAt!]!] ?? '?';
  const name = heap.strings[heap.nodes[i + nameAt!]!] ?? '';
  const size = heap.nodes[i + sizeAt!]!;
  total += size;
  byType.set(type, (byType.get(type) ?? 0) + size);
  if (type === 'object' || type === 'closure' || type === 'array') {
    const key = `${type} ${name}`;
    byConstructor.set(key, (byConstructor.get(key) ?? 0) + size);
  }
  if (type === 'string') {
    const seen = strings.get(name) ?? [0, 0];
    strings.set(name, [seen[0] + 1, seen[1] + size]);
  }
}
const wasted = new Map<string, number>();
for (const [text, [copies, bytes]] of strings) if (copies > 1) wasted.set(text, bytes - bytes / copies);
let wastedTotal = 0;
for (const w of wasted.values()) wastedTotal += w;

console.log(`heap: ${mib(total)} in ${heap.nodes.length / width} nodes`);
console.log('\nby type:');
for (const [type, size] of top(byType, 12)) console.log(`  ${mib(size).padStart(10)}  ${type}`);
console.log('\nby constructor (objects, closures, arrays):');
for (const [name, size] of top(byConstructor, 25)) console.log(`  ${mib(size).padStart(10)}  ${name.slice(0, 100)}`);
console.log(`\nstrings held more than once: ${mib(wastedTotal)} would be saved by keeping one copy of each`);
for (const [text, w] of top(wasted, 25)) {
  const [copies] = strings.get(text)!;
  console.log(`  ${mib(w).padStart(10)}  ×${copies}  ${JSON.stringify(text.slice(0, 80))}`);
}
