/**
 * A real browser for the dashboard tests and benchmark: Debian's Chromium (/usr/bin/chromium, from
 * tools/install-system-deps.sh) driven by playwright-core. Nothing is ever downloaded: playwright-core
 * carries no browser, and it is told where the machine's one is. Each launch gets a fresh profile
 * (Playwright creates a temporary user-data-dir per launch and deletes it on close), so no cookie,
 * cache or service worker leaks from one run into the next.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Flags for a quiet, headless, self-contained Chromium: no sandbox (the tests may run as root), no
 * GPU, and none of the background traffic a desktop browser makes (updates, sync, QUIC probes) — the
 * tests assert what the page fetches, so the browser must fetch nothing of its own.
 */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** What a test or the bench registers cleanups with (node:test's TestContext and SuiteContext both fit). */
export interface Cleanups {
  after(fn: () => unknown): void;
}

/** Why the browser cannot run here, or undefined when it can. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM)
    ? undefined
    : `${CHROMIUM} is missing: install Debian's chromium package (tools/install-system-deps.sh does)`;
}

/** Launches Chromium; the caller closes it (see {@link startBrowser} for tests). */
export async function launchChromium(): Promise<Browser> {
  const missing = chromiumMissing();
  if (missing) throw new Error(missing);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 60_000 });
}

/** Launches Chromium for a test file and closes it (every context and page with it) when `t` ends. */
export async function startBrowser(t: Cleanups): Promise<Browser> {
  const browser = await launchChromium();
  t.after(() => browser.close());
  return browser;
}

/** The size every screenshot and measured page uses (docs/dashboard/*.png). */
export const VIEWPORT = { width: 1280, height: 900 } as const;

/**
 * What a page did that a test should see when it fails: uncaught errors, console errors (Chromium
 * reports Content-Security-Policy violations there), dialogs (alert/confirm: none is expected), and
 * requests that failed.
 */
export interface PageLog {
  readonly errors: string[];
  readonly console: string[];
  readonly dialogs: string[];
  readonly failedRequests: string[];
  /** Every URL the page requested. */
  readonly requests: string[];
  /** One text block for an assertion message. */
  text(): string;
}

/** Records what {@link PageLog} lists for `page`; dialogs are dismissed (a test never wants one). */
export function recordPage(page: Page): PageLog {
  const log: PageLog = {
    errors: [],
    console: [],
    dialogs: [],
    failedRequests: [],
    requests: [],
    text: () =>
      [
        ...log.errors.map((e) => `page error: ${e}`),
        ...log.console.map((c) => `console: ${c}`),
        ...log.dialogs.map((d) => `dialog: ${d}`),
        ...log.failedRequests.map((r) => `failed request: ${r}`),
      ].join('\n') || '(the page logged nothing)',
  };
  page.on('pageerror', (err) => log.errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') log.console.push(`${msg.type()}: ${msg.text()}`);
  });
  page.on('dialog', (dialog) => {
    log.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss().catch(() => undefined);
  });
  page.on('request', (req) => log.requests.push(req.url()));
  page.on('requestfailed', (req) => log.failedRequests.push(`${req.url()} (${req.failure()?.errorText ?? '?'})`));
  return log;
}

/** A new isolated context (own cookies) at {@link VIEWPORT}, in UTC and en-US so screenshots do not depend on the machine. */
export function newContext(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  return browser.newContext({
    viewport: VIEWPORT,
    deviceScaleFactor: 1,
    locale: 'en-US',
    timezoneId: 'UTC',
    colorScheme: 'light',
    reducedMotion: 'reduce',
    serviceWorkers: 'block',
    ...options,
  });
}

/** A page in a fresh context, with its {@link PageLog}. */
export async function newPage(
  browser: Browser,
  options: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; page: Page; log: PageLog }> {
  const context = await newContext(browser, options);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return { context, page, log: recordPage(page) };
}

/**
 * Blocks every request of `context` but `file:` ones (and data: URLs, which never reach the network):
 * opening a self-contained report must need nothing else. Returns the URLs that were refused.
 */
export async function blockNetwork(context: BrowserContext): Promise<string[]> {
  const refused: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
    refused.push(url);
    return route.abort('blockedbyclient');
  });
  await context.setOffline(true);
  return refused;
}

/** One axe-core rule the page breaks, with the elements that break it. */
export interface AxeViolation {
  readonly id: string;
  readonly impact: string;
  readonly help: string;
  readonly targets: readonly string[];
}

const AXE_SOURCE = join(resolve(import.meta.dirname, '../..'), 'node_modules/axe-core/axe.min.js');

/**
 * Runs axe-core (WCAG 2.x A and AA rules, best practices) on the page as it is now and returns the
 * serious and critical violations. The script is evaluated through DevTools rather than added as an
 * inline <script>: the dashboard's Content-Security-Policy refuses inline scripts (as it should), and
 * turning CSP off for the check would test a different page.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  if ((await page.evaluate('typeof axe')) === 'undefined') await page.evaluate(readFileSync(AXE_SOURCE, 'utf8'));
  const result = await page.evaluate<{
    violations: { id: string; impact?: string; help: string; nodes: { target: unknown[] }[] }[];
  }>(
    `axe.run(document, { resultTypes: ['violations'], runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })`,
  );
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      id: v.id,
      impact: v.impact ?? '',
      help: v.help,
      targets: v.nodes.map((n) => n.target.map(String).join(' ')),
    }));
}

/** Violations as lines for an assertion message. */
export function axeReport(violations: readonly AxeViolation[]): string {
  return violations.map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.targets.slice(0, 5).join(', ')}`).join('\n');
}

/** A PNG of the viewport at `file` (animations stopped, no caret, CSS pixels): what the docs show. */
export async function screenshot(page: Page, file: string): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  await page.screenshot({ path: file, animations: 'disabled', caret: 'hide', scale: 'css' });
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(file: string): { width: number; height: number } {
  const bytes = readFileSync(file);
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/**
 * Records, in the page, each change of the text of the first element matching `selector` (created,
 * changed or removed) with the page's clock — the machine's, as the test's `Date.now()`. Read them
 * with {@link textChanges} or {@link seenAt}. A MutationObserver callback runs right after the DOM
 * change, before the next paint.
 */
export async function recordText(page: Page, key: string, selector: string): Promise<void> {
  await page.evaluate(`(() => {
    const seen = (window.__seen ??= {});
    const list = (seen[${JSON.stringify(key)}] = []);
    let last;
    const look = () => {
      const text = document.querySelector(${JSON.stringify(selector)})?.textContent?.trim() ?? null;
      if (text !== last) { last = text; list.push({ t: Date.now(), text }); }
    };
    new MutationObserver(look).observe(document.body, { subtree: true, childList: true, characterData: true });
    look();
  })()`);
}

/** The changes {@link recordText} noted for `key` so far. */
export function textChanges(page: Page, key: string): Promise<{ t: number; text: string | null }[]> {
  return page.evaluate<{ t: number; text: string | null }[]>(`window.__seen?.[${JSON.stringify(key)}] ?? []`);
}

/**
 * When the page first showed `text` for `key` at or after `since` (less a second of slack for a
 * watch event that reached the page before the caller): polls every 20 ms up to `timeoutMs`.
 */
export async function seenAt(
  page: Page,
  key: string,
  text: string,
  since: number,
  timeoutMs = 10_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = (await textChanges(page, key)).find((e) => e.text === text && e.t >= since - 1000);
    if (hit) return hit.t;
    if (Date.now() > deadline) {
      const seen = (await textChanges(page, key)).map((e) => e.text).join(' → ');
      throw new Error(`${key}: the page never showed "${text}" within ${timeoutMs} ms (it showed ${seen})`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
