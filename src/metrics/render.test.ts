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

  test('an unknown variable fails and names it and the action', () => {
    assert.equal(
      problem('sum(x{ns="{{ namspace }}"})'),
      'query action "{{ namspace }}": unknown function or variable "namspace" (Flagger\'s query templates have name, namespace, target, service, ingress, route, interval, variables and Go\'s builtins such as printf)',
    );
  });

  test('a missing templateVariables key fails and names it', () => {
    assert.equal(
      problem('{{ variables.direcion }}'),
      'query action "{{ variables.direcion }}": variable "direcion" of "variables.direcion" is not set in the metric\'s templateVariables',
    );
  });

  test('Go data-field syntax fails with the fix', () => {
    assert.equal(
      problem('{{ .namespace }}'),
      'query action "{{ .namespace }}": unknown variable ".namespace": write {{ namespace }} (Flagger templates have no data object)',
    );
  });

  test('unclosed actions and bare variables are refused', () => {
    assert.match(problem('x{{ name '), /^unclosed action "\{\{ name " in query$/);
    assert.match(problem('{{ variables }}'), /variables is a map: write \{\{ variables\.<key> \}\}/);
  });

  test('text without actions is returned as it is', () => {
    assert.equal(render('up{job="x"} == 1'), 'up{job="x"} == 1');
  });
});

describe('Go template builtins render as Go renders them', () => {
  test('pipelines pass the value as the last argument; printf formats it', () => {
    assert.equal(render('{{ name | printf "%s-primary" }}'), 'account-primary');
    assert.equal(render('{{ printf "%s/%s" namespace name }}'), 'shop/account');
    assert.equal(render('{{ target | printf "%q" }}'), '"account-api"');
    assert.equal(
      render('{{ printf "%d%%|%5s|%-5s|%05d|%x|%.2f|%v" 42 "ab" "ab" 42 255 0.5 true }}'),
      '42%|   ab|ab   |00042|ff|0.50|true',
    );
    assert.equal(render('{{ (printf "%s.%s" service namespace) }}'), 'account-svc.shop');
  });

  test('print and println space their operands as fmt does', () => {
    assert.equal(render('{{ print name "-" 1 2 }}'), 'account-1 2');
    assert.equal(render('{{ println name 1 }}'), 'account 1\n');
  });

  test('if / else if / else and with choose by Go truth', () => {
    const t =
      '{{ if eq variables.direction "outbound" }}out{{ else if eq variables.direction "inbound" }}in{{ else }}none{{ end }}';
    assert.equal(render(t), 'in');
    assert.equal(render('{{ if and (ne name "") (not (eq namespace "prod")) }}yes{{ end }}'), 'yes');
    assert.equal(render('{{ or "" interval }}'), '30s', 'or returns the first true value');
    assert.equal(render('{{ with variables.direction }}dir={{ . }}{{ end }}'), 'dir=inbound');
    assert.equal(render('{{ if lt (len name) 3 }}short{{ else }}long{{ end }}'), 'long');
  });

  test('comparisons, len, index, slice, urlquery and html', () => {
    assert.equal(render('{{ lt "a" "b" }} {{ ge 2 3 }} {{ eq name "x" "account" }}'), 'true false true');
    assert.equal(render('{{ len "héllo" }} {{ len variables }}'), '6 2', 'len counts bytes, as Go does');
    assert.equal(render('{{ slice name 0 3 }} {{ index name 0 }}'), 'acc 97');
    assert.equal(render('{{ urlquery "a b&c" }} {{ html "<a>" }}'), 'a+b%26c &lt;a&gt;');
  });

  test('what Go would render wrongly or not at all is refused, naming the construct', () => {
    assert.match(
      problem('{{ name | quote }}'),
      /unknown function or variable "quote" \(functions of other template libraries, such as Sprig's quote/,
    );
    assert.match(problem('{{ printf "%s %s" name }}'), /printf "%s %s" has more verbs than arguments/);
    assert.match(problem('{{ printf "%s" name namespace }}'), /has more arguments than verbs/);
    assert.match(problem('{{ printf "%d" name }}'), /printf %d: %d needs an integer, got the text "account"/);
    assert.match(problem('{{ eq name 1 }}'), /eq cannot compare the text "account" with the number 1/);
    assert.match(problem('{{ range variables }}x{{ end }}'), /\{\{ range \}\} is not supported in query templates/);
    assert.match(problem('{{ $x := name }}'), /template variables \(\$x\) are not supported/);
    assert.match(problem('{{ if name }}x'), /"\{\{ if name \}\}" has no \{\{ end \}\} in query/);
    assert.match(problem('{{ name "x" }}'), /name takes no arguments, got 1/);
    assert.match(problem('{{ "a" "b" }}'), /"a" is not a function and cannot take arguments/);
  });

  test('templateProblem finds what is wrong before any canary renders the template', async () => {
    const { templateProblem } = await import('./render.js');
    assert.equal(templateProblem('sum(rate(x{ns="{{ namespace }}"}[{{ interval }}]))'), undefined);
    assert.match(templateProblem('{{ namespace | quote }}') ?? '', /unknown function or variable "quote"/);
    assert.match(templateProblem('{{ if x') ?? '', /unclosed action/);
  });
});
