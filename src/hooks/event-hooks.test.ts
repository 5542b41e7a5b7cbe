import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { pino } from 'pino';
import type { Canary } from '../api/index.js';
import { EventHooks } from './event-hooks.js';

test('each event reaches the event hooks in order, with the event in the metadata and the hook’s own keys beside it', async (t) => {
  const received: Record<string, unknown>[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  t.after(() => new Promise((done) => server.close(done)));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
  const canary = {
    metadata: { name: 'shop', namespace: 'web' },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop' },
      analysis: {
        webhooks: [
          { name: 'audit', type: 'event', url, metadata: { team: 'web', eventType: 'mine' } },
          { name: 'gate', type: 'confirm-rollout', url },
        ],
      },
    },
    status: { phase: 'Progressing', lastAppliedSpec: 'abc' },
  } as unknown as Canary;
  const hooks = new EventHooks(pino({ level: 'silent' }), () => 1_700_000_000_000);
  hooks.send(canary, 'Normal', 'New revision detected! Scaling up shop.web');
  hooks.send(canary, 'Warning', 'Halt shop.web advancement');
  await hooks.drain();
  assert.deepEqual(received, [
    {
      name: 'shop',
      namespace: 'web',
      phase: 'Progressing',
      checksum: 'abc{}',
      metadata: {
        team: 'web',
        eventType: 'Normal',
        eventMessage: 'New revision detected! Scaling up shop.web',
        timestamp: '1700000000000',
      },
    },
    {
      name: 'shop',
      namespace: 'web',
      phase: 'Progressing',
      checksum: 'abc{}',
      metadata: {
        team: 'web',
        eventType: 'Warning',
        eventMessage: 'Halt shop.web advancement',
        timestamp: '1700000000000',
      },
    },
  ]);
});
