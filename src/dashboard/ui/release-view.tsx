/** One release, drawn from a ReleaseView: the live page and a `serin simulate --html` report share it. */
import type { ReleaseView } from '../model.js';
import { Actions } from './actions.js';
import { CheckChart, WeightChart, type TimeAxis } from './charts.js';
import { JudgePanel } from './judge-panel.js';
import { EventTimeline, ReleaseHeader, Revision } from './release-sections.js';

export interface ReleaseViewProps {
  readonly view: ReleaseView;
  /** Where the weight line ends: now on the live page, the last recorded moment in a report. */
  readonly end: number;
  readonly axis: TimeAxis;
  /** The session's CSRF token; actions are shown only on the live page. */
  readonly csrfToken?: string;
  readonly title?: string;
  readonly subtitle?: string;
  /** A report: no links back to the live dashboard. */
  readonly standalone?: boolean;
}

export function ReleaseBody(props: ReleaseViewProps) {
  const { view, axis } = props;
  const { row } = view;
  return (
    <>
      <ReleaseHeader
        view={view}
        {...(props.title !== undefined ? { title: props.title } : {})}
        {...(props.subtitle !== undefined ? { subtitle: props.subtitle } : {})}
        {...(props.standalone !== undefined ? { standalone: props.standalone } : {})}
      />
      {view.actions !== undefined && (
        <Actions namespace={row.namespace} name={row.name} actions={view.actions} csrfToken={props.csrfToken} />
      )}
      <section class="card" aria-labelledby="charts-heading">
        <h2 id="charts-heading">Traffic and checks</h2>
        <div class="charts">
          <WeightChart weights={view.weights} end={props.end} axis={axis} />
          {view.checks.map((c) => (
            <CheckChart key={c.name} check={c} axis={axis} />
          ))}
        </div>
        {view.checks.length === 0 && <p class="muted">No analysis has run yet: no check has been measured.</p>}
      </section>
      {view.judge !== undefined && view.judge !== null && <JudgePanel judge={view.judge} axis={axis} />}
      <div class="columns">
        <EventTimeline events={view.events} axis={axis} />
        <Revision revision={view.revision} />
      </div>
    </>
  );
}
