import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { AlertProviderDefinition } from './alert-provider.js';
import { CanaryDefinition } from './canary.js';
import { toCustomResourceDefinition } from './crd.js';
import { CRD_DIR, GENERATED_HEADER, REGENERATE_COMMAND, renderCrdFiles, staleCrdFiles } from './generate-crds.js';
import { MetricTemplateDefinition } from './metric-template.js';

test('the committed deploy/crds files equal what src/api renders', async () => {
  for (const [name, text] of renderCrdFiles()) {
    const committed = await readFile(join(CRD_DIR, name), 'utf8').catch(() => '<missing>');
    assert.ok(committed === text, `deploy/crds/${name} is out of date with src/api; run \`${REGENERATE_COMMAND}\``);
  }
  assert.deepEqual(await staleCrdFiles(), []);
});

test('renders one file per CRD plus all.yaml, each starting with the do-not-edit header', () => {
  const files = renderCrdFiles();
  assert.deepEqual(
    [...files.keys()],
    ['flagger.app_canaries.yaml', 'flagger.app_metrictemplates.yaml', 'flagger.app_alertproviders.yaml', 'all.yaml'],
  );
  for (const text of files.values()) assert.equal(text.split('\n')[0], GENERATED_HEADER);
});

test('rendering twice gives byte-identical files', () => {
  assert.deepEqual(renderCrdFiles(), renderCrdFiles());
});

test('the YAML parses back to the CRD objects, and all.yaml holds the three in order', () => {
  const files = renderCrdFiles();
  const definitions = [CanaryDefinition, MetricTemplateDefinition, AlertProviderDefinition];
  const all = parseAllDocuments(files.get('all.yaml') ?? '').map((doc) => doc.toJS() as unknown);
  assert.deepEqual(
    all,
    definitions.map((def) => toCustomResourceDefinition(def)),
  );
  const single = parseAllDocuments(files.get('flagger.app_canaries.yaml') ?? '').map((doc) => doc.toJS() as unknown);
  assert.deepEqual(single, [toCustomResourceDefinition(CanaryDefinition)]);
});

test('staleCrdFiles lists every file of an empty folder', async () => {
  assert.deepEqual(await staleCrdFiles('/nonexistent-serin-crds'), [...renderCrdFiles().keys()]);
});
