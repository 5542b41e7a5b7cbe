/** The fleet table's filters and sortable column headers. */
import { PHASES, phaseText } from './format.js';
import type { FleetFilter, FleetSort, SortKey } from './fleet-state.js';

export function FleetFilters(props: {
  readonly filter: FleetFilter;
  readonly namespaces: readonly string[];
  readonly onChange: (filter: FleetFilter) => void;
}) {
  const { filter, onChange } = props;
  const value = (e: Event) => (e.currentTarget as HTMLInputElement | HTMLSelectElement).value;
  return (
    <form class="filters" role="search" aria-label="Filter canaries" onSubmit={(e) => e.preventDefault()}>
      <label>
        Namespace
        <select
          name="namespace"
          value={filter.namespace}
          onChange={(e) => onChange({ ...filter, namespace: value(e) })}
        >
          <option value="">All namespaces</option>
          {props.namespaces.map((ns) => (
            <option key={ns} value={ns}>
              {ns}
            </option>
          ))}
        </select>
      </label>
      <label>
        Phase
        <select name="phase" value={filter.phase} onChange={(e) => onChange({ ...filter, phase: value(e) })}>
          <option value="">All phases</option>
          {PHASES.map((p) => (
            <option key={p} value={phaseText(p)}>
              {phaseText(p)}
            </option>
          ))}
        </select>
      </label>
      <label class="grow">
        Search
        <input
          name="search"
          type="search"
          placeholder="name, namespace or target"
          value={filter.search}
          onInput={(e) => onChange({ ...filter, search: value(e) })}
        />
      </label>
    </form>
  );
}

/** A column header that sorts the table; a second press reverses the order. */
export function SortHeader(props: {
  readonly label: string;
  readonly sortKey: SortKey;
  readonly sort: FleetSort;
  readonly onSort: (sort: FleetSort) => void;
}) {
  const { sort, sortKey } = props;
  const active = sort.key === sortKey;
  const direction = active ? (sort.descending ? 'descending' : 'ascending') : 'none';
  return (
    <th scope="col" role="columnheader" aria-sort={direction}>
      <button
        type="button"
        class="sort"
        onClick={() => props.onSort({ key: sortKey, descending: active ? !sort.descending : false })}
      >
        {props.label}
        <span aria-hidden="true" class="sort-mark">
          {active ? (sort.descending ? '▼' : '▲') : '↕'}
        </span>
      </button>
    </th>
  );
}
