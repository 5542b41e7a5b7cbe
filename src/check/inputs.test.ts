import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CheckUsageError, parseCheckInputs } from './inputs.js';

const CANARY = `apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: account
spec:
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: account
  service:
    port: 8180
  analysis:
    interval: 30s
    stepWeight: 20
    maxWeight: 80
    threshold: 5
`;

const NS = { fallback: 'default' };

describe('reading the -f files', () => {
  test('a valid Canary is validated (defaults applied) and put in the default namespace', () => {
    const inputs = parseCheckInputs([['canary.yaml', CANARY]], NS);
    const [only] = inputs.canaries;
    assert.equal(only?.name, 'account');
    assert.equal(only?.namespace, 'default');
    assert.equal(only?.canary?.metadata?.namespace, 'default');
    assert.equal(only?.validation[0]?.status, 'pass');
  });

  test('each problem names the file and line, the object, the field path and what was expected', () => {
    const bad = CANARY.replace('stepWeight: 20', 'stepWeight: 150').replace(
      'interval: 30s',
      'interval: 30s\n    colour: red',
    );
    const [only] = parseCheckInputs([['canary.yaml', bad]], NS).canaries;
    assert.equal(only?.canary, undefined);
    assert.deepEqual(
      only?.validation.map((l) => [l.status, l.message]),
      [
        ['fail', 'canary.yaml:14 Canary account: spec.analysis: unknown field "colour"'],
        ['fail', 'canary.yaml:15 Canary account: spec.analysis.stepWeight: must be <= 100, got 150'],
      ],
    );
    assert.deepEqual(only?.validation[1]?.data, {
      file: 'canary.yaml',
      line: 15,
      object: 'Canary account',
      path: 'spec.analysis.stepWeight',
      problem: 'must be <= 100, got 150',
    });
  });

  test('every Canary of a multi-document file is read; other objects are kept for the cluster checks', () => {
    const other = CANARY.replace('name: account', 'name: cart').replace(/name: account$/m, 'name: cart');
    const template = `apiVersion: flagger.app/v1beta1
kind: MetricTemplate
metadata:
  name: errors
  namespace: shop
spec:
  provider: { type: prometheus, address: http://prometheus:9090 }
  query: up
`;
    const inputs = parseCheckInputs([['all.yaml', [CANARY, template, other].join('---\n')]], NS);
    assert.deepEqual(
      inputs.canaries.map((c) => [c.name, c.document]),
      [
        ['account', 1],
        ['cart', 3],
      ],
    );
    assert.deepEqual(
      inputs.objects.map((o) => `${o.object.kind} ${o.object.metadata.namespace}/${o.object.metadata.name}`),
      ['MetricTemplate shop/errors'],
    );
    assert.match(inputs.problems[0]?.message ?? '', /all\.yaml: MetricTemplate shop\/errors is valid/);
  });

  test('bad YAML is a failed input line, not a crash', () => {
    const inputs = parseCheckInputs(
      [
        ['a.yaml', CANARY],
        ['b.yaml', 'kind: [unclosed'],
      ],
      NS,
    );
    assert.equal(inputs.canaries.length, 1);
    assert.equal(inputs.problems[0]?.status, 'fail');
    assert.match(inputs.problems[0]?.message ?? '', /^b\.yaml: document 1: not valid YAML/);
  });

  test('an apiVersion Serin does not serve is reported with the one it does', () => {
    const [only] = parseCheckInputs([['c.yaml', CANARY.replace('v1beta1', 'v1alpha3')]], NS).canaries;
    assert.equal(
      only?.validation[0]?.message,
      'c.yaml:1 Canary account: apiVersion: flagger.app/v1alpha3 is not served',
    );
  });

  test('-n fills in objects without a namespace and refuses those in another one, as kubectl does', () => {
    assert.equal(
      parseCheckInputs([['c.yaml', CANARY]], { flag: 'shop', fallback: 'x' }).canaries[0]?.namespace,
      'shop',
    );
    const elsewhere = CANARY.replace('name: account\n', 'name: account\n  namespace: payments\n');
    assert.throws(
      () => parseCheckInputs([['c.yaml', elsewhere]], { flag: 'shop', fallback: 'x' }),
      (err: Error) => err instanceof CheckUsageError && /in namespace "payments", not "shop"/.test(err.message),
    );
  });

  test('files without any Canary are bad usage', () => {
    assert.throws(
      () => parseCheckInputs([['deploy.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n']], NS),
      (err: Error) => err instanceof CheckUsageError && /no Canary in deploy\.yaml/.test(err.message),
    );
  });

  test('a Helm-rendered Canary with webhooks: null and metrics: null is read as the API server stores it', () => {
    const helm = CANARY.replace(
      '    threshold: 5\n',
      '    threshold: 5\n    webhooks: null\n    metrics: null\n    alerts: null\n',
    );
    const [only] = parseCheckInputs([['canary.yaml', helm]], NS).canaries;
    assert.equal(only?.validation[0]?.status, 'pass');
  });

  test('a flagger.app object of a version no CRD serves is a problem with the fix', () => {
    const template = 'apiVersion: flagger.app/v1alpha1\nkind: MetricTemplate\nmetadata:\n  name: t\nspec: {}\n';
    const inputs = parseCheckInputs(
      [
        ['canary.yaml', CANARY],
        ['t.yaml', template],
      ],
      NS,
    );
    const problem = inputs.problems.find((p) => p.status === 'fail');
    assert.match(problem?.message ?? '', /MetricTemplate apiVersion flagger\.app\/v1alpha1 is not served/);
    assert.match(problem?.fix ?? '', /set apiVersion: flagger\.app\/v1beta1/);
  });
});
