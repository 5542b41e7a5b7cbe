import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Canary } from '../api/index.js';
import { queryModel, renderQuery, type QueryModel } from './render.js';

function canary(spec: Partial<Canary['spec']> = {}): Canary {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'account', namespace: 'shop' },
    spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'account-api' }, ...spec },
  } as Canary;
}

const model: QueryModel = queryModel(canary({ service: { port: 80, name: 'account-svc' } }), {
  name: 'latency',
  interval: '30s',
  templateVariables: { direction: 'inbound', 'dash-key': 'x' },
});

function render(template: string, m: QueryModel = model): string {
  const result = renderQuery(template, m);
  assert.ok(result.ok, result.ok ? '' : result.problem);
  return result.query;
}

function problem(template: string): string {
  const result = renderQuery(template, model);
  assert.ok(!result.ok, `expected a render error for ${template}`);
  return result.problem;
}

describe('query templates render like Flagger’s Go templates', () => {
  test('every variable has the canary’s value', () => {
    assert.equal(
      render(
        '{{ name }}|{{ namespace }}|{{ target }}|{{ service }}|{{ ingress }}|{{ route }}|{{ interval }}|{{ variables.direction }}',
      ),
      'account|shop|account-api|account-svc|account-api|account-api|30s|inbound',
    );
  });

  test('spacing inside the braces does not matter', () => {
    assert.equal(render('{{namespace}} {{  target  }} {{\tinterval\n}}'), 'shop account-api 30s');
  });

  test('{{- and -}} trim the whitespace beside the action, comments print nothing', () => {
    assert.equal(render('a \n {{- name -}} \n b'), 'aaccountb');
    assert.equal(render('x{{/* why */}}y'), 'xy');
    assert.equal(render('{{ name }}-{{ namespace }}'), 'account-shop', 'a dash outside the braces is text');
  });

  test('a key that is not an identifier is reached with index', () => {
    assert.equal(render('{{ index variables "dash-key" }}'), 'x');
    assert.match(problem('{{ variables.dash-key }}'), /write \{\{ index variables "dash-key" \}\}/);
  });

  test('service, ingress and route fall back to the target name', () => {
    const bare = queryModel(canary(), { name: 'm' });
    assert.equal(render('{{ service }} {{ ingress }} {{ route }}', bare), 'account-api account-api account-api');
  });

  test('a metric without interval gets 1m (Flagger leaves template metrics empty)', () => {
    const bare = queryModel(canary(), { name: 'm' });
    assert.equal(render('rate(x[{{ interval }}])', bare), 'rate(x[1m])');
  });

  test('an unknown variable fails and names it', () => {
    assert.equal(problem('sum(x{ns="{{ namspace }}"})'), 'unknown variable "namspace" in query');
  });

  test('a missing templateVariables key fails and names it', () => {
    assert.equal(
      problem('{{ variables.direcion }}'),
      'variable "direcion" of "variables.direcion" is not set in the metric\'s templateVariables',
    );
  });

  test('Go data-field syntax fails with the fix', () => {
    assert.equal(
      problem('{{ .namespace }}'),
      'unknown variable ".namespace" in query: write {{ namespace }} (Flagger templates have no data object)',
    );
  });

  test('unclosed actions, bare variables and pipelines are refused', () => {
    assert.match(problem('x{{ name '), /^unclosed action "\{\{ name " in query$/);
    assert.match(problem('{{ variables }}'), /variables needs a key/);
    assert.match(problem('{{ name | printf "%s" }}'), /^unsupported template action "name \| printf \\"%s\\""/);
  });

  test('text without actions is returned as it is', () => {
    assert.equal(render('up{job="x"} == 1'), 'up{job="x"} == 1');
  });
});
