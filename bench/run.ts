/**
 * `make bench`: runs every benchmark in bench/ and prints one line per figure,
 * `BENCH <name> <value> <unit>`. Progress goes to stderr so stdout stays machine-readable.
 */
import { benchControlPlaneStart } from './controlplane-start.js';
import { benchDashboard } from './dashboard-bench.js';
import { benchJudge } from './judge-bench.js';
import { benchLoadgen } from './loadgen-bench.js';
import { benchMetrics } from './metrics-bench.js';
import { benchOperator } from './operator-bench.js';
import { benchFleet, benchSimulate } from './simulate-bench.js';

export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
}

const benches: readonly (() => Promise<readonly Figure[]>)[] = [
  benchSimulate,
  benchFleet,
  benchControlPlaneStart,
  benchOperator,
  benchLoadgen,
  benchJudge,
  benchMetrics,
  benchDashboard,
];

for (const bench of benches) {
  for (const f of await bench()) console.log(`BENCH ${f.name} ${f.value} ${f.unit}`);
}
