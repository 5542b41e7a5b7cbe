/**
 * Series rendered straight to Prometheus' text format, for the ones with a label set per canary. At
 * 5,000 canaries those are ~100,000 lines; prom-client builds a label object per line and escapes and
 * joins each on every scrape (0.3–0.7 s of one core, most of it garbage collection), during which the
 * operator's event loop stands still. Rendered here, a canary whose object did not change reuses the
 * lines of the last scrape.
 */
import { Registry } from 'prom-client';

/** A registry whose scrape also serves text rendered by its owners (appended after prom-client's series). */
export class ExpositionRegistry extends Registry {
  private readonly renderers: (() => string)[] = [];

  /** `render` returns whole metric families (`# HELP`, `# TYPE`, lines), each ending in a newline. */
  addText(render: () => string): void {
    this.renderers.push(render);
  }

  override async metrics(): Promise<string> {
    // Rendered first: a renderer may prune series of prom-client's (a deleted Canary's counters).
    const texts = this.renderers.map((render) => render());
    const text = await super.metrics();
    return texts.length === 0 ? text : `${text}\n${texts.join('\n')}`;
  }
}

/** `a="x",b="y"` (what goes between the braces), each value escaped as the text format requires. */
export function labelText(labels: Readonly<Record<string, string>>): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(labels)) parts.push(`${name}="${escapeLabelValue(value)}"`);
  return parts.join(',');
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** A sample value as the text format spells it. */
export function valueText(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** One metric family: its help and type lines, then `lines` (each already ending in a newline). */
export function familyText(name: string, help: string, type: 'gauge' | 'histogram', lines: string): string {
  return `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${type}\n${lines}`;
}

/**
 * A histogram with one series per label set, rendered to text and kept rendered until its next
 * observation.
 */
export class TextHistogram {
  private readonly series = new Map<
    string,
    { labels: string; counts: number[]; sum: number; text?: string | undefined }
  >();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[],
  ) {}

  /** Observes `value` in the series `key` with the labels `labels` (fixed for that key). */
  observe(key: string, labels: Readonly<Record<string, string>>, value: number): void {
    let s = this.series.get(key);
    if (!s) {
      s = { labels: labelText(labels), counts: this.buckets.map(() => 0).concat(0), sum: 0 };
      this.series.set(key, s);
    }
    const at = this.buckets.findIndex((bound) => value <= bound);
    s.counts[at === -1 ? this.buckets.length : at]! += 1;
    s.sum += value;
    s.text = undefined;
  }

  remove(key: string): void {
    this.series.delete(key);
  }

  render(): string {
    let lines = '';
    for (const s of this.series.values()) lines += s.text ??= this.renderSeries(s);
    return familyText(this.name, this.help, 'histogram', lines);
  }

  private renderSeries(s: { labels: string; counts: number[]; sum: number }): string {
    let cumulative = 0;
    let text = '';
    for (const [i, count] of s.counts.entries()) {
      cumulative += count;
      const le = i < this.buckets.length ? valueText(this.buckets[i]!) : '+Inf';
      text += `${this.name}_bucket{le="${le}",${s.labels}} ${cumulative}\n`;
    }
    return `${text}${this.name}_sum{${s.labels}} ${valueText(s.sum)}\n${this.name}_count{${s.labels}} ${cumulative}\n`;
  }
}
