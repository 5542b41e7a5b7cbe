import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { apiRequestLabels, NO_ANSWER, SerinMetrics } from './serin-metrics.js';

test('API requests are named by the Kubernetes verb and resource, as the API server names them', () => {
  const cases: [string, string, string, string][] = [
    ['GET', '/apis/flagger.app/v1beta1/namespaces/shop/canaries?limit=500', 'list', 'canaries'],
    ['GET', '/apis/flagger.app/v1beta1/canaries?watch=1&resourceVersion=7', 'watch', 'canaries'],
    ['GET', '/apis/flagger.app/v1beta1/namespaces/shop/canaries/account', 'get', 'canaries'],
    ['PUT', '/apis/flagger.app/v1beta1/namespaces/shop/canaries/account/status', 'update', 'canaries/status'],
    ['PATCH', '/apis/apps/v1/namespaces/shop/deployments/account', 'patch', 'deployments'],
    ['PATCH', '/apis/apps/v1/namespaces/shop/deployments/account/scale', 'patch', 'deployments/scale'],
    ['POST', '/api/v1/namespaces/shop/events', 'create', 'events'],
    ['DELETE', '/api/v1/namespaces/shop/services/account-canary', 'delete', 'services'],
    ['DELETE', '/api/v1/namespaces/shop/pods', 'deletecollection', 'pods'],
    ['GET', '/api/v1/namespaces/shop', 'get', 'namespaces'],
    ['GET', '/api/v1/namespaces', 'list', 'namespaces'],
    ['GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/flagger-leader-election', 'get', 'leases'],
    ['GET', '/apis/appmesh.k8s.aws/v1beta2', 'get', 'discovery'],
    ['GET', '/version', 'get', 'nonresource'],
  ];
  for (const [method, path, verb, resource] of cases) {
    assert.deepEqual(apiRequestLabels(method, path), { verb, resource }, `${method} ${path}`);
  }
});

test('each request is counted under its verb, resource and code; no answer is <error>', async () => {
  const registry = new Registry();
  const metrics = new SerinMetrics(registry);
  metrics.apiRequest({ method: 'GET', path: '/api/v1/namespaces/shop/services/account', status: 404, seconds: 0.01 });
  metrics.apiRequest({ method: 'GET', path: '/api/v1/namespaces/shop/services/account', status: 404, seconds: 0.01 });
  metrics.apiRequest({
    method: 'PUT',
    path: '/api/v1/namespaces/shop/services/account',
    status: undefined,
    seconds: 3,
  });
  const values = (await registry.getSingleMetric('serin_api_requests_total')!.get()).values;
  assert.deepEqual(
    values.map((v) => [v.labels, v.value]),
    [
      [{ verb: 'get', resource: 'services', code: '404' }, 2],
      [{ verb: 'update', resource: 'services', code: NO_ANSWER }, 1],
    ],
  );
});

test('request durations are by verb and resource, watches left out (they last until closed)', async () => {
  const registry = new Registry();
  const metrics = new SerinMetrics(registry);
  metrics.apiRequest({ method: 'POST', path: '/api/v1/namespaces/shop/events', status: 201, seconds: 0.02 });
  metrics.apiRequest({ method: 'POST', path: '/api/v1/namespaces/shop/events', status: 201, seconds: 0.7 });
  metrics.apiRequest({ method: 'GET', path: '/api/v1/services?watch=1', status: 200, seconds: 300 });
  const text = await registry.getSingleMetricAsString('serin_api_request_duration_seconds');
  assert.match(text, /_bucket\{le="0.025",verb="create",resource="events"\} 1\n/);
  assert.match(text, /_bucket\{le="1",verb="create",resource="events"\} 2\n/);
  assert.match(text, /_count\{verb="create",resource="events"\} 2$/m);
  assert.doesNotMatch(text, /verb="watch"/);
});

test('tick lateness and analysis time are histograms; a tick is never early', async () => {
  const registry = new Registry();
  const metrics = new SerinMetrics(registry);
  metrics.tickStarted(0.003);
  metrics.tickStarted(-0.001);
  metrics.tickStarted(2);
  metrics.analysisEnded(0.3);
  const lateness = await registry.getSingleMetricAsString('serin_tick_lateness_seconds');
  assert.match(lateness, /_bucket\{le="0.01"\} 2\n/);
  assert.match(lateness, /_bucket\{le="1"\} 2\n/);
  assert.match(lateness, /_bucket\{le="2.5"\} 3\n/);
  assert.match(lateness, /_sum 2.003\n/);
  const analyses = await registry.getSingleMetricAsString('serin_analysis_duration_seconds');
  assert.match(analyses, /_bucket\{le="0.25"\} 0\n/);
  assert.match(analyses, /_bucket\{le="0.5"\} 1\n/);
});

test('watch restarts start at 0 for each watched kind and count up per kind', async () => {
  const registry = new Registry();
  const metrics = new SerinMetrics(registry);
  metrics.watching(['Canary', 'Deployment']);
  metrics.watchRestarted('Deployment');
  const values = (await registry.getSingleMetric('serin_watch_restarts_total')!.get()).values;
  assert.deepEqual(
    values.map((v) => [v.labels.kind, v.value]),
    [
      ['Canary', 0],
      ['Deployment', 1],
    ],
  );
});

test('the work-queue depth is read at each scrape; reconciles are timed by trigger and result', async () => {
  const registry = new Registry();
  const metrics = new SerinMetrics(registry);
  let depth = 3;
  metrics.trackQueue(() => depth);
  assert.equal((await registry.getSingleMetric('serin_workqueue_depth')!.get()).values[0]?.value, 3);
  depth = 0;
  assert.equal((await registry.getSingleMetric('serin_workqueue_depth')!.get()).values[0]?.value, 0);
  metrics.reconcileEnded('tick', 'success', 0.02);
  metrics.reconcileEnded('change', 'error', 0.5);
  const text = await registry.getSingleMetricAsString('serin_reconcile_duration_seconds');
  assert.match(text, /serin_reconcile_duration_seconds_count\{trigger="tick",result="success"\} 1/);
  assert.match(text, /serin_reconcile_duration_seconds_count\{trigger="change",result="error"\} 1/);
});
