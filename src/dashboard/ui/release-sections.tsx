/** The release page's header, event timeline and revision. */
import type { ReleaseView, RevisionView, TimelineEvent } from '../model.js';
import { canaryKey } from '../model.js';
import { timeText, type TimeAxis } from './charts.js';
import { percent } from './format.js';
import { PhaseBadge, WeightBar } from './parts.js';

/** Who, where and how far: phase, weight, failed checks, target, provider, flags and any problem. */
export function ReleaseHeader(props: {
  readonly view: ReleaseView;
  readonly title?: string;
  readonly subtitle?: string;
  /** A report: no way back to a fleet. */
  readonly standalone?: boolean;
}) {
  const { row, analysis } = props.view;
  const steps = analysis.stepWeights.length > 0 ? analysis.stepWeights.map(percent).join(', ') : undefined;
  return (
    <header class="release-head">
      {props.standalone !== true && (
        <p class="crumbs">
          <a href="/">Fleet</a> <span aria-hidden="true">/</span> {row.namespace}
        </p>
      )}
      <h1>{props.title ?? row.name}</h1>
      {props.subtitle !== undefined && <p class="subtitle">{props.subtitle}</p>}
      <div class="badges">
        <PhaseBadge phase={row.phase} testid="release-phase" />
        {row.paused && <span class="flag">paused</span>}
        {row.suspended && <span class="flag">suspended</span>}
      </div>
      <dl class="facts">
        <div class="fact fact-wide">
          <dt>Canary weight</dt>
          <dd class="weight-line">
            <WeightBar weight={row.weight} label={`${canaryKey(row)} canary weight`} />
            <span data-testid="release-weight" class="big-num">
              {percent(row.weight)}
            </span>
            <span class="muted">of {percent(row.maxWeight)} max</span>
          </dd>
        </div>
        <div class="fact">
          <dt>Failed checks</dt>
          <dd>
            <span class={row.failedChecks > 0 ? 'failing' : undefined}>{row.failedChecks}</span>{' '}
            <span class="muted">(rolls back at {row.threshold})</span>
          </dd>
        </div>
        <div class="fact">
          <dt>Target</dt>
          <dd>{row.target || '–'}</dd>
        </div>
        <div class="fact">
          <dt>Provider</dt>
          <dd>{row.provider || 'operator default'}</dd>
        </div>
        <div class="fact">
          <dt>Analysis</dt>
          <dd>
            every {analysis.interval}
            {steps !== undefined ? ` · steps ${steps}` : ` · up to ${percent(analysis.maxWeight)}`}
          </dd>
        </div>
      </dl>
      {row.problem !== undefined && (
        <div class="notice notice-error">
          <strong>Serin cannot work with this canary:</strong> {row.problem}
        </div>
      )}
    </header>
  );
}

function EventItem(props: { readonly event: TimelineEvent; readonly axis: TimeAxis }) {
  const { event, axis } = props;
  const kind = event.type === 'Warning' ? 'warning' : event.type === 'Step' ? 'step' : 'normal';
  return (
    <li class={`event event-${kind}`}>
      <time dateTime={new Date(event.t).toISOString()} class="event-time">
        {timeText(event.t, axis)}
      </time>
      <span class={`tag tag-${kind}`}>{event.type === 'Step' ? 'Scenario' : event.type}</span>
      <span class="event-body">
        <span class="event-reason">{event.reason}</span> <span class="event-message">{event.message}</span>
        {event.count !== undefined && event.count > 1 && <span class="muted"> (×{event.count})</span>}
      </span>
    </li>
  );
}

/** The canary's events, oldest first; a Warning says so in words, not only in colour. */
export function EventTimeline(props: { readonly events: readonly TimelineEvent[]; readonly axis: TimeAxis }) {
  return (
    <section class="card" aria-labelledby="events-heading">
      <h2 id="events-heading">Events</h2>
      {props.events.length === 0 && <p class="muted">No events yet.</p>}
      <ol data-testid="events" class="events">
        {props.events.map((e, i) => (
          <EventItem key={i} event={e} axis={props.axis} />
        ))}
      </ol>
    </section>
  );
}

function Containers(props: { readonly revision: RevisionView }) {
  return (
    <table class="plain">
      <caption class="visually-hidden">Containers: the canary's image against the primary's</caption>
      <thead>
        <tr>
          <th scope="col">Container</th>
          <th scope="col">Canary image</th>
          <th scope="col">Primary image</th>
        </tr>
      </thead>
      <tbody>
        {props.revision.containers.map((c) => (
          <tr key={c.name}>
            <th scope="row">{c.name}</th>
            <td class="mono">{c.image}</td>
            <td class="mono">{c.primaryImage ?? <span class="muted">same</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** What is being released: images, canary against primary, and the configs the target uses. */
export function Revision(props: { readonly revision: RevisionView | undefined }) {
  const { revision } = props;
  return (
    <section class="card" data-testid="revision" aria-labelledby="revision-heading">
      <h2 id="revision-heading">Revision</h2>
      {revision === undefined ? (
        <p class="muted">Not known yet.</p>
      ) : (
        <>
          {revision.containers.length > 0 ? <Containers revision={revision} /> : <p class="muted">No containers.</p>}
          <dl class="pairs">
            <dt>Configs</dt>
            <dd>
              {revision.configs.length > 0 ? (
                <ul class="inline-list">
                  {revision.configs.map((c) => (
                    <li key={c} class="mono">
                      {c}
                    </li>
                  ))}
                </ul>
              ) : (
                <span class="muted">none tracked</span>
              )}
            </dd>
            <dt>Applied revision</dt>
            <dd class="mono">{revision.appliedSpec ?? '–'}</dd>
            <dt>Promoted revision</dt>
            <dd class="mono">{revision.promotedSpec ?? '–'}</dd>
          </dl>
        </>
      )}
    </section>
  );
}
