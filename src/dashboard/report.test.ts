import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { before, test } from 'node:test';
import { loadManifests, loadScenario } from '../sim/inputs.js';
import { simulateRelease } from '../sim/simulation.js';
import { loadAssets } from './assets.js';
import type { ReportData } from './model.js';
import { renderReport, reportData } from './report.js';

const SEED = resolve(import.meta.dirname, '../../examples/seed');
const HOSTILE = '</script><script>alert(1)</script>';
/** XML namespace names in Preact's code: identifiers compared as strings, never fetched. */
const NAMESPACES = new Set([
  'http://www.w3.org/2000/svg',
  'http://www.w3.org/1998/Math/MathML',
  'http://www.w3.org/1999/xhtml',
]);

let data: ReportData;
let html: string;

/** The seed's scenario 2 (rolled back on the success rate), with markup in a step's note. */
before(async () => {
  const objects = await loadManifests(['account.yaml', 'canary.yaml'].map((f) => resolve(SEED, f)));
  const scenario = await loadScenario(resolve(SEED, 'scenarios', '2-low-success-rate.yaml'));
  const steps = (scenario.steps ?? []).map((s, i) => (i === 0 ? { ...s, note: HOSTILE } : s));
  const result = await simulateRelease({ objects, scenario: { ...scenario, steps }, namespace: 'shop' });
  data = reportData(result);
  html = renderReport(data, await loadAssets());
});

function inline(tag: 'style' | 'script', open: string): string {
  const start = html.indexOf(open);
  assert.ok(start >= 0, `the report has ${open}`);
  const body = start + open.length;
  return html.slice(body, html.indexOf(`</${tag}>`, body));
}

test('the report charts the measured success rate against its 99% floor, and the weights and events', () => {
  const rate = data.release.checks.find((c) => c.name === 'request-success-rate');
  assert.equal(rate?.min, 99);
  assert.equal(rate?.unit, '%');
  assert.deepEqual(
    rate?.samples.map((s) => [s.value, s.passed]),
    [
      [98.7, false],
      [98.7, false],
      [98.7, false],
    ],
  );
  assert.deepEqual(
    data.release.weights.map((w) => w.weight),
    [0, 0, 0, 0, 20, 0],
  );
  assert.equal(data.release.row.phase, 'Failed');
  assert.match(data.subtitle, /low-success-rate .*ROLLED BACK/);
  assert.ok(data.release.events.some((e) => e.type === 'Warning' && e.message.startsWith('Rolling back account.shop')));
  assert.equal(data.release.actions, undefined, 'a report offers no actions');
});

test('nothing in the report is fetched from anywhere: no src, no href but data:, no URL but namespace names', () => {
  assert.doesNotMatch(html, /<script[^>]*\ssrc=|<link[^>]*stylesheet|@import|url\(\s*['"]?(?!data:)/i);
  const hrefs = [...html.matchAll(/\shref="([^"]*)"/g)].map((m) => m[1]);
  assert.deepEqual(hrefs, ['data:,']);
  const urls = new Set(html.match(/https?:\/\/[^\s"'`)<]*/g) ?? []);
  assert.deepEqual(
    [...urls].filter((u) => !NAMESPACES.has(u)),
    [],
  );
});

test('the CSP allows exactly the inlined script and style, by their sha256, and nothing from the network', () => {
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1] ?? '';
  const hash = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;
  const directives = new Map(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));
  assert.equal(directives.get('default-src'), "'none'");
  assert.equal(directives.get('script-src'), hash(inline('script', '<script type="module">')));
  assert.equal(directives.get('style-src'), hash(inline('style', '<style>')));
  assert.equal(directives.get('connect-src'), undefined, 'default-src none forbids every connection');
  assert.equal((html.match(/<script/g) ?? []).length, 2, 'the data block and the bundle, nothing else');
  assert.equal((html.match(/<style/g) ?? []).length, 1);
});

test('an event message with </script> stays inside the data block and reads back as the same text', () => {
  assert.ok(!html.includes(HOSTILE), 'the markup never appears raw');
  const json = inline('script', '<script type="application/json" id="serin-report">');
  assert.ok(!json.includes('<'), 'every < of the data is escaped');
  const parsed = JSON.parse(json) as ReportData;
  assert.ok(parsed.release.events.some((e) => e.message.includes(HOSTILE)));
  assert.deepEqual(parsed, JSON.parse(JSON.stringify(data)), 'the data round-trips');
});
