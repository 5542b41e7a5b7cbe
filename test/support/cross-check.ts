/**
 * The cross-check between `serin simulate` and the real cluster: the same objects and the same
 * story, once on the simulator and once end to end, must give the same `kubectl describe canary`
 * event list. What a real run cannot repeat exactly is masked on both sides, nothing else:
 * the measured value in a Halt message (real traffic is random; the bound stays), how often an event
 * repeated, and whether a readiness check caught a rollout unfinished (`… not ready: waiting for
 * rollout to finish`): on the real cluster that depends on whether the tick lands before or after
 * kwok marks the new pods ready, which a busy machine shifts either way (seen: a warning during the
 * promotion on a loaded machine, none on an idle one). What the operator did about it — wait, then
 * go on — is in the events around it, which stay.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { KubeObject } from '../../src/kube/objects.js';
import type { Scenario } from '../../src/sim/scenario.js';
import { simulate } from '../../src/sim/simulation.js';
import { canaryEventList } from './operator.js';

export interface StoryEvent {
  readonly type: string;
  readonly message: string;
}

/**
 * Events as `kubectl describe` lists them: one line per distinct event, in the order of its last
 * occurrence (an event that repeats moves to the end, its count goes up), with the masks above.
 */
export function story(events: readonly StoryEvent[]): string[] {
  const lines: string[] = [];
  for (const e of events) {
    if (ROLLOUT_WAIT.test(e.message)) continue;
    const line = `${e.type} ${mask(e.message)}`;
    const seen = lines.indexOf(line);
    if (seen >= 0) lines.splice(seen, 1);
    lines.push(line);
  }
  return lines;
}

const ROLLOUT_WAIT = /not ready: waiting for rollout to finish/;

function mask(message: string): string {
  return message.replace(/^(Halt \S+ advancement .*?) -?[\d.]+(%|ms)? ([<>]) /, '$1 <measured>$2 $3 ');
}

/**
 * Plays `scenario` on the simulator with `objects` (the ones the end-to-end test applied, in the same
 * namespace) and asserts that its story equals the story of the canary's real events.
 */
export async function assertSimulatorAgrees(
  t: TestContext,
  ns: string,
  objects: readonly KubeObject[],
  scenario: Scenario,
): Promise<void> {
  const real = story(await canaryEventList(ns, 'account'));
  const timeline = await simulate({ objects: [...objects], scenario, namespace: ns });
  const simulated = story(timeline.entries.filter((e) => e.type !== 'Step'));
  t.diagnostic(`cross-check, real cluster:\n  ${real.join('\n  ')}\nsimulator:\n  ${simulated.join('\n  ')}`);
  assert.deepEqual(simulated, real, 'serin simulate tells the same story as the real cluster');
}

/** The seed world's app on the simulator: its behaviour follows the same config keys as the traffic simulator's. */
export function simScenario(name: string, steps: NonNullable<Scenario['steps']>): Scenario {
  return {
    apiVersion: 'serin.dev/v1alpha1',
    kind: 'Scenario',
    metadata: { name },
    duration: '10m',
    versions: [
      { name: 'not-ready', when: { configContains: 'ready=false' }, ready: false },
      {
        name: 'flaky',
        when: { configContains: 'errorRate=0.005' },
        metrics: { 'request-success-rate': 99.5, 'request-duration': 20 },
      },
      { name: 'healthy', metrics: { 'request-success-rate': 100, 'request-duration': 20 } },
    ],
    steps,
  };
}

export const configStep = (at: string, properties: string) => ({
  at,
  configMap: { name: 'account-config', data: { 'application.properties': properties } },
});
