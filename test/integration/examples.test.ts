import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { KubernetesObjectApi } from '@kubernetes/client-node';
import { createValidators, formatIssues } from '../../src/api/index.js';
import { parseManifests } from '../../src/kube/apply.js';
import { providerRegistry } from '../../src/routers/providers.js';
import { freshNamespace, testKubeConfig } from '../support/cluster.js';

const kc = testKubeConfig();
const objects = KubernetesObjectApi.makeApiClient(kc);
const validate = createValidators({ unknownFields: 'reject' }).canary;
const FILES = ['gatewayapi/canary.yaml', 'gatewayapi/ab-testing.yaml', 'bluegreen/canary.yaml', 'judge/canary.yaml'];

describe('the examples are what the API server and Serin accept', () => {
  for (const file of FILES) {
    test(`examples/${file}: stored by the API server, valid for Serin, on a provider Serin routes`, async (t) => {
      const path = resolve(import.meta.dirname, '../../examples', file);
      const [canary] = parseManifests(await readFile(path, 'utf8'), path);
      assert.ok(canary);
      const checked = validate(canary);
      assert.ok(checked.ok, checked.ok ? '' : formatIssues(checked.issues));
      const registry = providerRegistry('appmesh:v1beta2');
      const provider = registry.resolve(checked.value);
      assert.ok(provider.plugin?.createRouter, `provider ${provider.name} is routed`);
      assert.equal(registry.featureProblem(checked.value), undefined);
      const ns = await freshNamespace(t, kc, 'examples');
      await objects.create({ ...canary, metadata: { ...canary.metadata, namespace: ns } });
    });
  }
});
