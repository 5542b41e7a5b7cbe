import { resolve } from 'node:path';
import { Command } from 'commander';
import { loadManifests, loadScenario } from '../sim/inputs.js';
import { renderTimeline } from '../sim/render.js';
import { simulate } from '../sim/simulation.js';
import type { CliOutput } from './dev-cluster.js';

const SEED = resolve(import.meta.dirname, '../../examples/seed');

/** The seed's three scenarios, in the order the team lived them, then the third one with `serin retry`. */
export const SEED_SCENARIOS = [
  '1-broken-config.yaml',
  '2-low-success-rate.yaml',
  '3-relaxed-threshold.yaml',
  '4-retry.yaml',
] as const;

/** `serin demo`: the seed's story on the simulator, with the seed's Canary as written. */
export function demoCommand(io: CliOutput): Command {
  return new Command('demo')
    .description(
      "play the seed's three release scenarios, and the third again with `serin retry`, on the embedded simulator (no cluster, no network)",
    )
    .action(async () => {
      const objects = await loadManifests(
        ['account.yaml', 'canary.yaml', 'alert-provider.yaml'].map((f) => resolve(SEED, f)),
      );
      io.out("Serin demo: the seed's Canary (examples/seed/canary.yaml, as written) on the embedded simulator.");
      io.out('Same engine and controller as the operator; an in-memory cluster and a virtual clock.\n');
      for (const [i, file] of SEED_SCENARIOS.entries()) {
        const scenario = await loadScenario(resolve(SEED, 'scenarios', file));
        const started = performance.now();
        const timeline = await simulate({ objects, scenario, namespace: 'shop' });
        io.out(`━━━ Scenario ${i + 1} of ${SEED_SCENARIOS.length} ━━━`);
        io.out(renderTimeline(timeline, { wallMs: performance.now() - started }));
        io.out('');
      }
      io.out(
        'Try your own: serin simulate -f canary.yaml -f deployment.yaml --scenario scenario.yaml (see docs/simulate.md)',
      );
    });
}
