import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renderJson, renderText } from './render.js';
import { fail, pass, SectionId, summarize, warn, type CanaryReport, type CheckReport } from './report.js';

function canary(name: string, lines: CanaryReport['sections'][number]['checks']): CanaryReport {
  return {
    name,
    namespace: 'shop',
    file: 'canary.yaml',
    document: 1,
    sections: [
      { id: SectionId.Validation, title: 'Validation', checks: [pass('valid flagger.app/v1beta1 Canary')] },
      { id: SectionId.Cluster, title: 'Cluster', checks: lines },
      { id: SectionId.Webhooks, title: 'Webhooks', note: 'TCP connect to host:port only', checks: [] },
    ],
  };
}

function report(...canaries: CanaryReport[]): CheckReport {
  return {
    files: ['canary.yaml'],
    general: [
      { id: SectionId.Input, title: 'Input', checks: [] },
      { id: SectionId.Cluster, title: 'Cluster', note: 'https://127.0.0.1:6443', checks: [pass('API server answers')] },
    ],
    canaries,
  };
}

describe('the report', () => {
  test('is grouped per Canary with ✔ / ✖ / ! lines, each fix under its line, and a summary line last', () => {
    const text = renderText(
      report(
        canary('account', [
          pass('Deployment shop/account exists; selector label app=account'),
          fail('horizontalpodautoscaler shop/account not found', 'create the HorizontalPodAutoscaler'),
          warn('alerts are not delivered by this Serin yet', 'watch the Canary events'),
        ]),
      ),
    );
    assert.equal(
      text,
      [
        'Cluster · https://127.0.0.1:6443',
        '  ✔ API server answers',
        '',
        'Canary shop/account (canary.yaml, document 1)',
        '  Validation',
        '    ✔ valid flagger.app/v1beta1 Canary',
        '  Cluster',
        '    ✔ Deployment shop/account exists; selector label app=account',
        '    ✖ horizontalpodautoscaler shop/account not found',
        '      → create the HorizontalPodAutoscaler',
        '    ! alerts are not delivered by this Serin yet',
        '      → watch the Canary events',
        '  Webhooks · TCP connect to host:port only',
        '',
        '✖ 1 error, 1 warning, 3 passed: 1 of 1 Canary is not ready',
      ].join('\n'),
    );
  });

  test('says "(nothing to check)" under an empty section without a note, and omits empty general sections', () => {
    const empty = canary('account', []);
    const text = renderText(report(empty));
    assert.match(text, / {2}Cluster\n {4}\(nothing to check\)/);
    assert.doesNotMatch(text, /^Input/m);
  });

  test('prints why the other checks were skipped for an invalid Canary', () => {
    const invalid: CanaryReport = {
      ...canary('account', []),
      sections: [{ id: SectionId.Validation, title: 'Validation', checks: [fail('canary.yaml:14 Canary account: …')] }],
      skipped: 'cluster, metric and webhook checks skipped: fix the Canary first',
    };
    assert.match(renderText(report(invalid)), /✖ canary\.yaml:14 Canary account: …\n {2}\(cluster, metric and webhook/);
  });

  test('ends with ✔ and exit code 0 when there are only warnings', () => {
    const r = report(canary('a', [warn('no data')]), canary('b', [pass('ok')]));
    assert.deepEqual(summarize(r), { canaries: 2, passed: 4, warnings: 1, errors: 0, exitCode: 0 });
    assert.match(renderText(r), /\n✔ 0 errors, 1 warning, 4 passed: 2 Canaries are ready$/);
  });

  test('has exit code 1 as soon as one line failed, wherever it is', () => {
    const general: CheckReport = {
      ...report(canary('a', [pass('ok')])),
      general: [{ id: SectionId.Cluster, title: 'Cluster', checks: [fail('the API server is unreachable')] }],
    };
    assert.equal(summarize(general).exitCode, 1);
    assert.match(renderText(general), /✖ 1 error, 0 warnings, 2 passed: the inputs or the cluster need attention$/);
    const two = report(canary('a', [fail('x')]), canary('b', [fail('y')]));
    assert.equal(summarize(two).exitCode, 1);
    assert.match(renderText(two), /2 of 2 Canaries are not ready$/);
  });

  test('as JSON is the same report with the summary and exit code', () => {
    const r = report(canary('account', [fail('missing', 'create it', { kind: 'Deployment' })]));
    const data = JSON.parse(renderJson(r)) as ReturnType<typeof summarize> & Record<string, unknown>;
    assert.deepEqual(data, { ...JSON.parse(JSON.stringify(r)), summary: summarize(r) });
    assert.deepEqual(summarize(r), { canaries: 1, passed: 2, warnings: 0, errors: 1, exitCode: 1 });
  });
});
