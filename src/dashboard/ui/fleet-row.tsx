/** One canary of the fleet table, rendered again only when its row (or the minute) changes. */
import { Component } from 'preact';
import { canaryPath } from './api.js';
import { age, percent } from './format.js';
import { PhaseBadge, WeightBar } from './parts.js';
import type { CanaryRow } from '../model.js';

export interface FleetRowProps {
  readonly row: CanaryRow;
  /** The clock the age is measured against. */
  readonly now: number;
}

/**
 * A class with shouldComponentUpdate rather than preact/compat's memo: rows are replaced whole by
 * deltas, so identity says whether one changed, and the page needs nothing else from compat.
 */
export class FleetRow extends Component<FleetRowProps> {
  override shouldComponentUpdate(next: FleetRowProps): boolean {
    return next.row !== this.props.row || next.now !== this.props.now;
  }

  override render() {
    const { row, now } = this.props;
    const event = row.lastEvent;
    const failing = row.failedChecks > 0;
    return (
      <tr role="row" data-canary={`${row.namespace}/${row.name}`}>
        <th scope="row" role="rowheader" class="name-cell">
          <a href={canaryPath(row.namespace, row.name)}>{row.name}</a>
          <span class="muted namespace">{row.namespace}</span>
        </th>
        <td role="cell" data-field="phase">
          <PhaseBadge phase={row.phase} />
          {row.paused && <span class="flag">paused</span>}
          {row.suspended && <span class="flag">suspended</span>}
        </td>
        <td role="cell" class="weight-cell">
          <WeightBar weight={row.weight} label={`${row.name} canary weight`} />
          <span data-field="weight" class="num">
            {percent(row.weight)}
          </span>
        </td>
        <td role="cell" data-field="failed" class={failing ? 'num failing' : 'num'}>
          {row.failedChecks}/{row.threshold}
        </td>
        <td role="cell" data-field="last-event" class="event-cell" title={row.problem ?? event?.message}>
          {row.problem !== undefined ? (
            <span class="problem-text">
              <span class="tag tag-warning">Problem</span> {row.problem}
            </span>
          ) : event ? (
            <span>
              {event.type === 'Warning' && <span class="tag tag-warning">Warning</span>} {event.message}
            </span>
          ) : (
            <span class="muted">none</span>
          )}
        </td>
        <td role="cell" data-field="age" class="num">
          <time dateTime={new Date(row.createdAt).toISOString()}>{age(row.createdAt, now)}</time>
        </td>
      </tr>
    );
  }
}
