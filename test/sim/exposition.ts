/**
 * The Prometheus text exposition format (version 0.0.4): a writer for the simulator's `/metrics`
 * and a small strict reader so tests can check what a scraper would see without running Prometheus.
 * Hand-written because prom-client fixes a metric's label names up front, and the simulator's
 * series carry each pod's own labels (as Prometheus' `labelmap` relabelling produces them).
 */

/** The `Content-Type` Prometheus expects for this format. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** The metric types of `# TYPE` lines the simulator emits or reads. */
export const MetricType = { Counter: 'counter', Gauge: 'gauge', Histogram: 'histogram', Untyped: 'untyped' } as const;
export type MetricType = (typeof MetricType)[keyof typeof MetricType];

/** Label name → value of one series. */
export type Labels = Readonly<Record<string, string>>;

/** One line of the exposition: a series and its current value. */
export interface Sample {
  /** The series name, with `_bucket`/`_sum`/`_count` for histogram parts. */
  readonly name: string;
  readonly labels: Labels;
  readonly value: number;
}

/** A metric family: one `# HELP`, one `# TYPE`, then its samples. */
export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly samples: readonly Sample[];
}

/** What `parseExposition` read: families by name (with their type) and every sample in order. */
export interface ParsedExposition {
  readonly types: ReadonlyMap<string, MetricType>;
  readonly samples: readonly Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'] as const;

/** A sample value as Prometheus writes it: `+Inf`, `-Inf`, `NaN`, else a plain decimal. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** `name{a="1",b="2"}`: the series part of a sample line (also a stable key for a series). */
export function seriesKey(name: string, labels: Labels): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return pairs.length === 0 ? name : `${name}{${pairs.join(',')}}`;
}

/** Writes families in the given order; each ends with a newline, as the format requires. */
export function renderExposition(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    if (!METRIC_NAME.test(family.name)) throw new Error(`metric name "${family.name}" is not valid in Prometheus`);
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    for (const s of family.samples) lines.push(`${seriesKey(s.name, s.labels)} ${formatValue(s.value)}`);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function parseValue(text: string, where: string): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text.toLowerCase() === 'nan') return NaN; // Prometheus reads any case (prom-client writes `Nan`)
  const value = Number(text);
  if (text.trim() === '' || Number.isNaN(value)) throw new Error(`${where}: value "${text}" is not a number`);
  return value;
}

/** Reads `{a="1",b="x\"y"}` starting at `open` (the `{`); returns the labels and the index after `}`. */
function parseLabels(line: string, open: number, where: string): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = open + 1;
  for (;;) {
    while (line[i] === ' ') i++;
    if (line[i] === '}') return { labels, end: i + 1 };
    const eq = line.indexOf('=', i);
    if (eq < 0) throw new Error(`${where}: label without "=" in ${JSON.stringify(line)}`);
    const name = line.slice(i, eq).trim();
    if (!LABEL_NAME.test(name)) throw new Error(`${where}: label name "${name}" is not valid`);
    if (name in labels) throw new Error(`${where}: label "${name}" appears twice`);
    if (line[eq + 1] !== '"') throw new Error(`${where}: value of label "${name}" is not quoted`);
    let value = '';
    for (i = eq + 2; line[i] !== '"'; i++) {
      if (i >= line.length) throw new Error(`${where}: unterminated value of label "${name}"`);
      if (line[i] === '\\') {
        const next = line[++i];
        value += next === 'n' ? '\n' : (next ?? '');
      } else value += line[i];
    }
    labels[name] = value;
    i++;
    while (line[i] === ' ') i++;
    if (line[i] === ',') i++;
    else if (line[i] !== '}') throw new Error(`${where}: expected "," or "}" after label "${name}"`);
  }
}

/** The family a sample name belongs to, given the types declared so far (histogram parts by suffix). */
function familyOf(name: string, types: ReadonlyMap<string, MetricType>): string {
  for (const suffix of HISTOGRAM_SUFFIXES) {
    const base = name.slice(0, -suffix.length);
    if (name.endsWith(suffix) && types.get(base) === MetricType.Histogram) return base;
  }
  return name;
}

/**
 * Parses the text format strictly (as Prometheus' scraper would refuse it): valid names, quoted and
 * escaped label values, numeric values, a `# TYPE` at most once and before its family's samples,
 * no series twice. Throws with the line number on the first problem.
 */
export function parseExposition(text: string): ParsedExposition {
  const types = new Map<string, MetricType>();
  const seenFamilies = new Set<string>();
  const seenSeries = new Set<string>();
  const samples: Sample[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    const where = `line ${index + 1}`;
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const [, keyword, name, rest] = /^#\s+(\S+)\s+(\S+)\s*(.*)$/.exec(line) ?? [];
      if (keyword !== 'TYPE' || name === undefined) continue;
      if (!Object.values(MetricType).includes(rest as MetricType)) throw new Error(`${where}: unknown type "${rest}"`);
      if (types.has(name) || seenFamilies.has(name)) throw new Error(`${where}: TYPE of "${name}" after its samples`);
      types.set(name, rest as MetricType);
      continue;
    }
    const nameEnd = line.search(/[{ ]/);
    const name = nameEnd < 0 ? line : line.slice(0, nameEnd);
    if (!METRIC_NAME.test(name)) throw new Error(`${where}: metric name "${name}" is not valid`);
    let labels: Record<string, string> = {};
    let rest = line.slice(name.length);
    if (rest.startsWith('{')) {
      const parsed = parseLabels(line, name.length, where);
      labels = parsed.labels;
      rest = line.slice(parsed.end);
    }
    const [valueText = '', timestamp, extra] = rest.trim().split(/\s+/);
    if (extra !== undefined || (timestamp !== undefined && !/^-?\d+$/.test(timestamp))) {
      throw new Error(`${where}: unexpected text after the value in ${JSON.stringify(line)}`);
    }
    const key = seriesKey(name, Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1))));
    if (seenSeries.has(key)) throw new Error(`${where}: series ${key} appears twice`);
    seenSeries.add(key);
    seenFamilies.add(familyOf(name, types));
    samples.push({ name, labels, value: parseValue(valueText, where) });
  }
  return { types, samples };
}
