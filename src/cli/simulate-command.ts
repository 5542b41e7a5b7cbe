import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { loadManifests, loadScenario } from '../sim/inputs.js';
import { renderTimeline } from '../sim/render.js';
import { loadAssets } from '../dashboard/assets.js';
import { renderReport, reportData } from '../dashboard/report.js';
import { simulateRelease } from '../sim/simulation.js';
import type { CliOutput } from './dev-cluster.js';

/** `serin simulate`: plays a Canary against a scenario on the embedded simulator. */
export function simulateCommand(io: CliOutput): Command {
  return new Command('simulate')
    .description(
      'play a release on the embedded simulator (real engine, in-memory cluster, virtual clock) and print its timeline',
    )
    .requiredOption(
      '-f, --filename <file...>',
      'the Canary, and optionally its Deployment, ConfigMaps, HPA or ScaledObject (YAML; repeatable)',
    )
    .requiredOption('-s, --scenario <file>', 'the scenario: revision behaviours and steps over time (YAML)')
    .option('-n, --namespace <name>', 'namespace for objects that name none', 'default')
    .option('--mesh-provider <name>', 'provider for a Canary that names none', 'appmesh:v1beta2')
    .option('-o, --output <format>', 'text or json', 'text')
    .option('--json-file <file>', 'also write the timeline as JSON to this file')
    .option('--html <file>', 'also write the release as a self-contained HTML report (charts, events) to this file')
    .action(
      async (flags: {
        filename: string[];
        scenario: string;
        namespace: string;
        meshProvider: string;
        output: string;
        jsonFile?: string;
        html?: string;
      }) => {
        if (flags.output !== 'text' && flags.output !== 'json')
          throw new Error(`--output takes text or json; got "${flags.output}"`);
        // Everything is read and checked before anything is printed.
        const objects = await loadManifests(flags.filename);
        const scenario = await loadScenario(flags.scenario);
        const started = performance.now();
        const result = await simulateRelease({
          objects,
          scenario,
          namespace: flags.namespace,
          defaultProvider: flags.meshProvider,
        });
        const wallMs = performance.now() - started;
        const { timeline } = result;
        if (flags.jsonFile) await writeFile(flags.jsonFile, JSON.stringify(timeline, null, 2) + '\n');
        if (flags.html) await writeFile(flags.html, renderReport(reportData(result), await loadAssets()));
        io.out(flags.output === 'json' ? JSON.stringify(timeline, null, 2) : renderTimeline(timeline, { wallMs }));
      },
    );
}
