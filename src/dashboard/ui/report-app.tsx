/**
 * A `serin simulate --html` report: the release page drawn from the data embedded in the file
 * (`#serin-report`), with no actions, no live stream, and nothing fetched. Times read as offsets
 * from the release's start, since the simulator's clock is virtual.
 */
import type { ReportData } from '../model.js';
import { ReleaseBody } from './release-view.js';

/** The last moment the report knows of: its weight line is drawn up to there. */
function lastMoment(data: ReportData): number {
  const { release } = data;
  const times = [
    ...release.weights.map((w) => w.t),
    ...release.events.map((e) => e.t),
    ...release.checks.flatMap((c) => c.samples.map((s) => s.t)),
  ];
  return times.length > 0 ? Math.max(...times) : 0;
}

export function ReportApp(props: { readonly data: ReportData }) {
  const { data } = props;
  const start = data.release.weights[0]?.t ?? data.release.events[0]?.t ?? 0;
  return (
    <>
      <header class="banner">
        <span class="brand">Serin</span>
        <span class="banner-end muted">Release report · simulated</span>
      </header>
      <main id="main" class="report">
        <ReleaseBody
          view={data.release}
          end={lastMoment(data)}
          axis={{ base: start }}
          title={data.title}
          subtitle={data.subtitle}
          standalone
        />
      </main>
    </>
  );
}
