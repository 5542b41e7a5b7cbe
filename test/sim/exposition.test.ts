import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MetricType, formatValue, parseExposition, renderExposition, type MetricFamily } from './exposition.js';
import { matches, selectorsOf } from './series-selector.js';

const families: MetricFamily[] = [
  {
    name: 'envoy_cluster_upstream_rq',
    help: 'Upstream requests',
    type: MetricType.Counter,
    samples: [
      {
        name: 'envoy_cluster_upstream_rq',
        labels: { envoy_response_code: '200', note: 'a "quoted"\\ \nline' },
        value: 7,
      },
    ],
  },
  {
    name: 'lat',
    help: 'x',
    type: MetricType.Histogram,
    samples: [
      { name: 'lat_bucket', labels: { le: '0.5' }, value: 1 },
      { name: 'lat_bucket', labels: { le: '+Inf' }, value: 2 },
      { name: 'lat_sum', labels: {}, value: 620.5 },
      { name: 'lat_count', labels: {}, value: 2 },
    ],
  },
];

describe('Prometheus text exposition', () => {
  test('renders HELP and TYPE before the samples, one line each, ending in a newline', () => {
    assert.equal(
      renderExposition(families),
      [
        '# HELP envoy_cluster_upstream_rq Upstream requests',
        '# TYPE envoy_cluster_upstream_rq counter',
        'envoy_cluster_upstream_rq{envoy_response_code="200",note="a \\"quoted\\"\\\\ \\nline"} 7',
        '# HELP lat x',
        '# TYPE lat histogram',
        'lat_bucket{le="0.5"} 1',
        'lat_bucket{le="+Inf"} 2',
        'lat_sum 620.5',
        'lat_count 2',
        '',
      ].join('\n'),
    );
  });

  test('what it renders parses back to the same samples and types, escapes included', () => {
    const parsed = parseExposition(renderExposition(families));
    assert.deepEqual(
      parsed.samples,
      families.flatMap((f) => f.samples),
    );
    assert.deepEqual(
      [...parsed.types],
      [
        ['envoy_cluster_upstream_rq', 'counter'],
        ['lat', 'histogram'],
      ],
    );
  });

  test('values print as Prometheus writes them: +Inf, -Inf, NaN and plain decimals', () => {
    assert.deepEqual([Infinity, -Infinity, NaN, 3600000, 0.005].map(formatValue), [
      '+Inf',
      '-Inf',
      'NaN',
      '3600000',
      '0.005',
    ]);
  });

  test('the reader accepts timestamps and spaces in label sets, and reads Inf values', () => {
    const { samples } = parseExposition('m{ a="1" , b="2" } +Inf 1700000000000\nn NaN\n');
    assert.deepEqual(samples[0], { name: 'm', labels: { a: '1', b: '2' }, value: Infinity });
    assert.ok(Number.isNaN(samples[1]?.value));
  });

  for (const [why, text] of [
    ['an unquoted label value', 'm{a=1} 1'],
    ['a metric name with a dash', 'envoy-cluster 1'],
    ['a value that is not a number', 'm one'],
    ['text after the timestamp', 'm 1 2 3'],
    ['a series twice', 'm{a="1",b="2"} 1\nm{b="2",a="1"} 2'],
    ['a TYPE after its samples', 'm 1\n# TYPE m counter'],
    ['an unknown type', '# TYPE m meter'],
    ['an unterminated label value', 'm{a="1} 1'],
  ] as const) {
    test(`the reader refuses ${why}, naming the line`, () => {
      assert.throws(() => parseExposition(text), /^Error: line \d+: /);
    });
  }
});

describe('PromQL selectors (no Prometheus)', () => {
  test('reads every selector of a query, commas inside regexes included, and matches anchored', () => {
    const [sel] = selectorsOf('sum(rate(x{ns="a", pod=~"acc-[0-9]+(-[a-z,]+)", code!~"5.*", k!="v" }[1m]))');
    assert.deepEqual(sel, {
      name: 'x',
      matchers: [
        { label: 'ns', op: '=', value: 'a' },
        { label: 'pod', op: '=~', value: 'acc-[0-9]+(-[a-z,]+)' },
        { label: 'code', op: '!~', value: '5.*' },
        { label: 'k', op: '!=', value: 'v' },
      ],
    });
    const sample = (pod: string, code: string) => ({ name: 'x', labels: { ns: 'a', pod, code }, value: 1 });
    assert.ok(matches(sel, sample('acc-1-ab', '200')));
    assert.ok(!matches(sel, sample('acc-1-ab-cd', '200')), 'regexes are anchored at the end');
    assert.ok(!matches(sel, sample('xacc-1-ab', '200')), 'regexes are anchored at the start');
    assert.ok(!matches(sel, sample('acc-1-ab', '503')));
  });
});
