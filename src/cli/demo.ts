import { resolve } from 'node:path';
import { Command } from 'commander';
import { loadManifests, loadScenario } from '../sim/inputs.js';
import { renderTimeline } from '../sim/render.js';
import { simulate } from '../sim/simulation.js';
import type { CliOutput } from './dev-cluster.js';

const SEED = resolve(import.meta.dirname, '../../examples/seed');
const JUDGE = resolve(import.meta.dirname, '../../examples/judge');

/** The seed's three scenarios, in the order the team lived them, then the third one with `serin retry`. */
export const SEED_SCENARIOS = [
  '1-broken-config.yaml',
  '2-low-success-rate.yaml',
  '3-relaxed-threshold.yaml',
  '4-retry.yaml',
] as const;

/** `serin demo`: the seed's story on the simulator, with the seed's Canary as written, then scenario 2 judged. */
export function demoCommand(io: CliOutput): Command {
  return new Command('demo')
    .description(
      "play the seed's three release scenarios, the third again with `serin retry`, and the second judged by the statistical judge, on the embedded simulator (no cluster, no network)",
    )
    .action(async () => {
      const objects = await loadManifests(
        ['account.yaml', 'canary.yaml', 'alert-provider.yaml'].map((f) => resolve(SEED, f)),
      );
      io.out("Serin demo: the seed's Canary (examples/seed/canary.yaml, as written) on the embedded simulator.");
      io.out('Same engine and controller as the operator; an in-memory cluster and a virtual clock.\n');
      const judged = await loadManifests([resolve(JUDGE, 'canary.yaml'), resolve(SEED, 'account.yaml')]);
      const stories = [
        ...SEED_SCENARIOS.map((file) => ({ objects, file: resolve(SEED, 'scenarios', file), intro: undefined })),
        {
          objects: judged,
          file: resolve(JUDGE, 'scenarios', 'low-success-rate.yaml'),
          intro:
            'Scenario 2 again, judged against the primary by the statistical judge (examples/judge/canary.yaml: Gateway API, no fixed success-rate bound).',
        },
      ];
      for (const [i, story] of stories.entries()) {
        const scenario = await loadScenario(story.file);
        const started = performance.now();
        const timeline = await simulate({ objects: story.objects, scenario, namespace: 'shop' });
        io.out(`━━━ Scenario ${i + 1} of ${stories.length} ━━━`);
        if (story.intro) io.out(story.intro);
        io.out(renderTimeline(timeline, { wallMs: performance.now() - started }));
        io.out('');
      }
      io.out(
        'Try your own: serin simulate -f canary.yaml -f deployment.yaml --scenario scenario.yaml (see docs/simulate.md);',
      );
      io.out('add --html report.html for the release as a page, and `serin dashboard` watches a live cluster.');
    });
}
