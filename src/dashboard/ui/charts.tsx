/**
 * uPlot charts of a release: the canary weight over time (a step line) and one chart per check
 * with its threshold drawn. Each chart is a figure whose canvas is hidden from screen readers and
 * followed by a visually-hidden table of the same numbers. uPlot styles its elements through
 * element.style (allowed by the page's CSP) and adds no <style> tag; its CSS is in app.css.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { CheckSeries, WeightSample } from '../model.js';
import {
  clockTicks,
  labelRoom,
  measuredText,
  offsetTicks,
  TIME_STEPS_S,
  TIME_TICK_SPACE_PX,
  VALUE_STEPS,
  valueTicks,
} from './chart-axes.js';
import { clockTime, offset, percent } from './format.js';

/** How chart times are read: wall-clock times, or offsets from `base` (a report's virtual clock). */
export interface TimeAxis {
  readonly base?: number;
}

const INK = '#1f2937';
const GRID = '#e5e7eb';
const BLUE = '#1d4ed8';
const RED = '#b91c1c';
const HEIGHT = 200;

/** Time of a sample as the x value uPlot gets: seconds (a time scale), or seconds from the base. */
function xOf(t: number, axis: TimeAxis): number {
  return (t - (axis.base ?? 0)) / 1000;
}

/** Time as a table or label shows it. */
export function timeText(t: number, axis: TimeAxis): string {
  return axis.base !== undefined ? offset(t, axis.base) : clockTime(t);
}

/**
 * The x axis: clock time on the live page, offsets from the start in a report, both ticking at
 * whole, round steps (TIME_STEPS_S) with room for their labels.
 */
function xAxis(axis: TimeAxis): uPlot.Axis {
  const { base } = axis;
  return {
    stroke: INK,
    grid: { stroke: GRID },
    incrs: [...TIME_STEPS_S],
    space: TIME_TICK_SPACE_PX,
    values: (u: uPlot, ticks: number[], _axis: number, _space: number, step: number) =>
      base === undefined ? clockTicks(ticks, step, u.scales.x?.min ?? 0, u.scales.x?.max ?? 0) : offsetTicks(ticks),
  };
}

/** A value axis whose labels carry the decimals their step needs and the check's unit, and fit. */
function yAxis(label: (ticks: number[], step: number) => string[], steps: readonly number[] = VALUE_STEPS): uPlot.Axis {
  return {
    stroke: INK,
    grid: { stroke: GRID },
    incrs: [...steps],
    size: (_u: uPlot, values: string[] | null) => labelRoom(values),
    values: (_u: uPlot, ticks: number[], _axis: number, _space: number, step: number) => label(ticks, step),
  };
}

/** Steps of the weight axis, in percent: quarters read better than halves on 0–100%. */
const WEIGHT_STEPS: readonly number[] = [1, 2, 5, 10, 20, 25, 50];

/** Mounts a uPlot in the returned ref's element, follows its width, and feeds it new data. */
function usePlot(makeOptions: () => Omit<uPlot.Options, 'width' | 'height'>, data: uPlot.AlignedData) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  useEffect(() => {
    const el = host.current;
    if (!el) return undefined;
    const chart = new uPlot({ ...makeOptions(), width: el.clientWidth || 600, height: HEIGHT }, data, el);
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: el.clientWidth, height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = undefined;
    };
    // Built once per mount; later data goes through setData below.
  }, []);
  useEffect(() => plot.current?.setData(data), [data]);
  return host;
}

/** A step line that holds each weight until the next change (uPlot's stepped paths, when built in). */
function stepped(): Pick<uPlot.Series, 'paths'> {
  const builder = uPlot.paths.stepped?.({ align: 1 });
  return builder ? { paths: builder } : {};
}

/** The weight as a step line up to `end` (now, or the report's last moment). */
export function WeightChart(props: {
  readonly weights: readonly WeightSample[];
  readonly end: number;
  readonly axis: TimeAxis;
}) {
  const { weights, end, axis } = props;
  const last = weights.at(-1);
  const points = last && end > last.t ? [...weights, { ...last, t: end }] : weights;
  const data: uPlot.AlignedData = [points.map((w) => xOf(w.t, axis)), points.map((w) => w.weight)];
  const host = usePlot(
    () => ({
      scales: { x: { time: axis.base === undefined }, y: { range: [0, 100] } },
      axes: [xAxis(axis), yAxis((ticks, step) => valueTicks(ticks, step, '%'), WEIGHT_STEPS)],
      series: [{}, { label: 'Canary weight', stroke: BLUE, width: 2, fill: 'rgba(29, 78, 216, 0.08)', ...stepped() }],
      legend: { live: false },
    }),
    data,
  );
  return (
    <figure data-testid="weight-chart" class="chart">
      <figcaption>Canary weight over time</figcaption>
      <div ref={host} class="chart-canvas" aria-hidden="true" />
      <table class="visually-hidden">
        <caption>Canary weight over time</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Weight</th>
            <th scope="col">Phase</th>
          </tr>
        </thead>
        <tbody>
          {weights.map((w, i) => (
            <tr key={i}>
              <td>{timeText(w.t, axis)}</td>
              <td>{percent(w.weight)}</td>
              <td>{w.phase}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

/** `99.6%`, `500 ms`, or the bare number (two decimals at most). */
export function valueText(value: number | undefined, unit: string): string {
  return value === undefined ? 'no value' : measuredText(value, unit);
}

/** The bounds a check must stay within, in words: `at least 99%`, `at most 500 ms`, `between …`. */
export function boundText(check: CheckSeries): string {
  const { min, max, unit } = check;
  if (check.kind === 'webhook') return 'must pass';
  if (min !== undefined && max !== undefined) return `between ${valueText(min, unit)} and ${valueText(max, unit)}`;
  if (min !== undefined) return `at least ${valueText(min, unit)}`;
  if (max !== undefined) return `at most ${valueText(max, unit)}`;
  return 'no threshold';
}

/** The bounds drawn as dashed lines: only those the check has (a webhook has none). */
function bounds(check: CheckSeries): { readonly label: string; readonly value: number }[] {
  if (check.kind === 'webhook') return [];
  return [
    ...(check.min !== undefined ? [{ label: `Minimum ${valueText(check.min, check.unit)}`, value: check.min }] : []),
    ...(check.max !== undefined ? [{ label: `Maximum ${valueText(check.max, check.unit)}`, value: check.max }] : []),
  ];
}

function checkData(check: CheckSeries, axis: TimeAxis): uPlot.AlignedData {
  const webhook = check.kind === 'webhook';
  const y = check.samples.map((s) => (webhook ? (s.passed ? 1 : 0) : (s.value ?? null)));
  return [
    check.samples.map((s) => xOf(s.t, axis)),
    y,
    check.samples.map((s, i) => (s.passed ? null : (y[i] ?? null))),
    ...bounds(check).map((b) => check.samples.map(() => b.value)),
  ];
}

function checkOptions(check: CheckSeries, axis: TimeAxis): Omit<uPlot.Options, 'width' | 'height'> {
  const webhook = check.kind === 'webhook';
  const label = (ticks: number[], step: number) =>
    webhook ? ticks.map((v) => (v === 1 ? 'pass' : v === 0 ? 'fail' : '')) : valueTicks(ticks, step, check.unit);
  return {
    scales: { x: { time: axis.base === undefined }, ...(webhook ? { y: { range: [-0.2, 1.2] } } : {}) },
    axes: [xAxis(axis), yAxis(label)],
    series: [
      {},
      { label: 'Measured', stroke: BLUE, width: 2, points: { show: true, size: 6, fill: BLUE } },
      { label: 'Failed', stroke: RED, paths: () => null, points: { show: true, size: 9, fill: RED } },
      ...bounds(check).map((b): uPlot.Series => ({
        label: b.label,
        stroke: RED,
        width: 1.5,
        dash: [6, 4],
        points: { show: false },
      })),
    ],
    legend: { live: false },
  };
}

/** The measured values of one check as a uPlot, its bounds as dashed lines and failures as red points. */
function CheckPlot(props: { readonly check: CheckSeries; readonly axis: TimeAxis }) {
  const { check, axis } = props;
  const host = usePlot(() => checkOptions(check, axis), checkData(check, axis));
  return <div ref={host} class="chart-canvas" aria-hidden="true" />;
}

export function CheckChart(props: { readonly check: CheckSeries; readonly axis: TimeAxis }) {
  const { check, axis } = props;
  const failed = check.samples.filter((s) => !s.passed).length;
  return (
    <figure data-testid="check-chart" data-check={check.name} class="chart">
      <figcaption>
        <strong>{check.name}</strong> <span class="muted">{check.kind}</span> · {boundText(check)} ·{' '}
        {check.samples.length} measured, {failed} failed
      </figcaption>
      {check.samples.length > 0 ? (
        <CheckPlot check={check} axis={axis} />
      ) : (
        <p class="chart-empty muted">
          Not measured yet. An analysis stops at its first failed check, so later checks may have no values.
        </p>
      )}
      <table class="visually-hidden">
        <caption>
          {check.name}: measured values ({boundText(check)})
        </caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Value</th>
            <th scope="col">Result</th>
          </tr>
        </thead>
        <tbody>
          {check.samples.map((s, i) => (
            <tr key={i}>
              <td>{timeText(s.t, axis)}</td>
              <td>{valueText(s.value, check.unit)}</td>
              <td>{s.passed ? 'passed' : `failed${s.message !== undefined ? `: ${s.message}` : ''}`}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
