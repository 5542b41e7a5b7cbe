/**
 * `serin simulate --html` reports in a real browser (Debian's Chromium through playwright-core):
 * opened from file:// with the network blocked, the release page drawn from the embedded data, and
 * the statistical judge's panel. No cluster: a report needs none. The steps take the screenshots
 * docs/dashboard/report.png and judge.png. (Named dashboard-browser-* so `test/run.ts
 * dashboard-browser` runs it with the live dashboard's browser test.)
 */
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import type { Browser } from 'playwright-core';
import {
  axeReport,
  axeViolations,
  blockNetwork,
  newPage,
  pngSize,
  screenshot,
  startBrowser,
  VIEWPORT,
} from '../support/browser.js';
import { runSerin } from '../support/cli.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SHOTS = join(ROOT, 'docs/dashboard');

/**
 * Writes `serin simulate --html` of the seed's Deployment with `canary` and `scenario` (paths under
 * examples/) and opens the file in a fresh page with the network blocked.
 */
async function openReport(browser: Browser, name: string, canary: string, scenario: string) {
  const file = join(tmpdir(), `serin-report-${name}-${process.pid}.html`);
  const example = (f: string) => join(ROOT, 'examples', f);
  const run = await runSerin([
    'simulate',
    '-f',
    example(canary),
    '-f',
    example('seed/account.yaml'),
    '--scenario',
    example(scenario),
    '-n',
    'shop',
    '--html',
    file,
  ]);
  assert.equal(run.code, 0, run.stderr);
  const opened = await newPage(browser);
  const refused = await blockNetwork(opened.context);
  await opened.page.goto(pathToFileURL(file).href);
  return { ...opened, refused };
}

test('simulate reports in Chromium, offline', { timeout: 180_000 }, async (t) => {
  const browser = await startBrowser(t);

  await t.test('the simulate --html report opens from file:// offline and renders its charts and events', async () => {
    const { context, page, log, refused } = await openReport(
      browser,
      'seed',
      'seed/canary.yaml',
      'seed/scenarios/2-low-success-rate.yaml',
    );
    await page.locator('[data-testid=weight-chart] canvas').first().waitFor();
    assert.ok((await page.locator('[data-testid=check-chart] canvas').count()) >= 1, 'a chart per check');
    assert.ok((await page.locator('ol[data-testid=events] > li').count()) >= 3, 'the release events');
    assert.equal(await page.locator('button[data-action]').count(), 0, 'no actions in a report');
    assert.deepEqual(refused, [], 'the report fetched nothing');
    assert.deepEqual(
      log.requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:')),
      [],
      'no request left the file',
    );
    assert.deepEqual([...log.errors, ...log.console], [], log.text());
    await screenshot(page, join(SHOTS, 'report.png'));
    await context.close();
  });

  await t.test(
    'the statistical judge reads on the release page: its verdict, evidence per signal, and why',
    async () => {
      const { context, page, log } = await openReport(
        browser,
        'judge',
        'judge/canary.yaml',
        'judge/scenarios/low-success-rate.yaml',
      );
      const judge = page.locator('[data-testid=judge]');
      await judge.waitFor();
      const headline = (await judge.locator('.judge-verdict').textContent()) ?? '';
      assert.match(headline, /^\s*FAIL\b/, 'the verdict first');
      assert.match(headline, /error-ratio/, 'and the signals that decided it');
      assert.ok(headline.length < 160, `a headline, not every signal's sentence: ${headline}`);
      assert.match((await judge.locator('.judge-facts').textContent()) ?? '', /step at 10% since \+2m/);
      const signals = judge.locator('tr.signal');
      assert.equal(await signals.count(), 2, 'error-ratio and latency-body');
      const errorRatio = (await signals.first().textContent()) ?? '';
      assert.match(errorRatio, /39 of 3,000 \(1\.3%\)/, 'the canary arm with its rate');
      assert.match(errorRatio, /13\.0×/, 'the ratio');
      assert.match((await judge.locator('tr.signal-why').first().textContent()) ?? '', /above 1\.10/);
      const violations = await axeViolations(page);
      assert.deepEqual(violations, [], `report with a judge:\n${axeReport(violations)}`);
      assert.deepEqual([...log.errors, ...log.console], [], log.text());
      await page.evaluate(`document.querySelector('[data-testid=judge]').scrollIntoView({ block: 'start' })`);
      await page.evaluate('window.scrollBy(0, -24)');
      await screenshot(page, join(SHOTS, 'judge.png'));
      await context.close();
    },
  );

  await t.test('the screenshots are 1280×900 PNGs in docs/dashboard/', () => {
    for (const name of ['report.png', 'judge.png']) {
      assert.deepEqual(pngSize(join(SHOTS, name)), { width: VIEWPORT.width, height: VIEWPORT.height }, name);
    }
  });
});
