import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadAssets, pageShell } from './assets.js';

/** XML namespace names in Preact's code: identifiers compared as strings, never fetched. */
const NAMESPACES = new Set([
  'http://www.w3.org/2000/svg',
  'http://www.w3.org/1998/Math/MathML',
  'http://www.w3.org/1999/xhtml',
]);

test('the bundle references no URL that a browser would fetch, and injects no <style> tag', async () => {
  const { js, css } = await loadAssets();
  const urls = new Set(js.match(/https?:\/\/[^\s"'`)]*/g) ?? []);
  assert.deepEqual(
    [...urls].filter((u) => !NAMESPACES.has(u)),
    [],
  );
  // Preact's innerHTML path serves only dangerouslySetInnerHTML, which the lint forbids in the page.
  assert.ok(!/createElement\(\s*["']style["']\)|insertAdjacentHTML/.test(js), 'no <style> element made at run time');
  assert.ok(!/@import|url\(\s*['"]?(?!data:)/.test(css), 'the stylesheet loads nothing');
  assert.match(css, /\.uplot/, "uPlot's stylesheet is bundled");
  assert.match(css, /\.visually-hidden/, "the page's stylesheet is bundled");
});

test('loadAssets is made once per process', async () => {
  assert.equal(loadAssets(), loadAssets());
  assert.equal(await loadAssets(), await loadAssets());
});

test('the shell loads the bundle from /assets and has no inline script or style', () => {
  const shell = pageShell();
  assert.match(shell, /^<!doctype html>\n<html lang="en">/);
  assert.match(shell, /<link rel="stylesheet" href="\/assets\/app.css">/);
  assert.match(shell, /<div id="app"><\/div>\n<script type="module" src="\/assets\/app.js"><\/script>/);
  assert.doesNotMatch(shell, /<style|style=|<script>/);
});
