/**
 * The statistical judge's evidence (`status.judge`): the combined verdict and reason, then per
 * signal the counts of each arm, the ratio and its bounds against failAbove/passBelow, and what is
 * still needed (each signal's sentence under its numbers). The model passes it on as `unknown` (the operator may add fields), so every field
 * is read defensively here and a missing one shows as a dash.
 */
import { measuredText } from './chart-axes.js';
import { timeText, type TimeAxis } from './charts.js';
import { count, percent } from './format.js';

type Fields = Readonly<Record<string, unknown>>;

function fields(value: unknown): Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : {};
}
function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
function ratio(value: unknown): string {
  const n = num(value);
  return n === undefined ? '–' : `${n.toFixed(n < 10 ? 2 : 1)}×`;
}
/** ` at 99.9%`: enough digits to tell 99% from 99.9% and 99.99%, none beyond. */
function confidence(value: unknown): string {
  const n = num(value);
  if (n === undefined) return '';
  const p = n * 100;
  const digits = p >= 99.9 ? 2 : p >= 99 ? 1 : 0;
  return ` at ${String(Number(Math.min(p, 99.99).toFixed(digits)))}%`;
}
function arm(value: unknown): string {
  const f = fields(value);
  const events = num(f.events);
  const requests = num(f.requests);
  return events === undefined || requests === undefined ? '–' : `${count(events)} of ${count(requests)}`;
}

/** `39 of 3,000 (1.3%)`: an arm's events, requests and their rate. */
function armRate(value: unknown): string {
  const f = fields(value);
  const events = num(f.events);
  const requests = num(f.requests);
  if (events === undefined || requests === undefined) return '–';
  const percentage = requests > 0 ? (100 * events) / requests : undefined;
  // One decimal from 1% up (25.6%), three significant digits below (0.102%).
  const rate =
    percentage === undefined
      ? ''
      : ` (${percentage >= 1 ? `${percentage.toFixed(1)}%` : measuredText(percentage, '%')})`;
  return `${arm(value)}${rate}`;
}

function verdictClass(verdict: string): string {
  const tone = verdict === 'PASS' ? 'ok' : verdict === 'FAIL' || verdict === 'ERROR' ? 'bad' : 'busy';
  return `phase tone-${tone}`;
}

/** A time of the judge's status (RFC 3339) as the page's other times read, or '' when absent. */
function when(value: unknown, axis: TimeAxis): string {
  const t = typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isFinite(t) ? timeText(t, axis) : '';
}

/** What the bounds show so far: `> 4.28× (99.5%)` and `< 33.5× (95%)`, or that nothing is bounded yet. */
function shown(s: Fields): string {
  const lower = num(s.lower);
  const bounds = [
    ...(lower !== undefined && lower > 0 ? [`> ${ratio(lower)}${confidence(s.lowerConfidence)}`] : []),
    ...(num(s.upper) !== undefined ? [`< ${ratio(s.upper)}${confidence(s.upperConfidence)}`] : []),
  ];
  return bounds.length > 0 ? bounds.join(', ') : 'no bound yet';
}

/** One signal: its numbers in a row, the judge's sentence about it in a full-width row below. */
function SignalRows(props: { readonly signal: Fields }) {
  const s = props.signal;
  const verdict = str(s.verdict) ?? '–';
  const needed = fields(s.needed);
  const neededRequests = num(needed.canaryRequests);
  const boundary = num(s.boundary);
  return (
    <>
      <tr class="signal">
        <th scope="row">
          {str(s.name) ?? '–'}
          {boundary !== undefined && <span class="muted"> (le {boundary})</span>}
        </th>
        <td class="num">
          <span class={verdictClass(verdict)}>{verdict}</span>
          {str(s.passedBy) !== undefined && <span class="muted"> by {str(s.passedBy)}</span>}
        </td>
        <td class="num">{armRate(s.canary)}</td>
        <td class="num">{armRate(s.primary)}</td>
        <td class="num">
          <strong>{ratio(s.ratio)}</strong>
        </td>
        <td class="num">{shown(s)}</td>
        <td class="num">
          {ratio(s.failAbove)} / {ratio(s.passBelow)}
        </td>
      </tr>
      <tr class="signal-why">
        <td colSpan={7}>
          {str(s.reason) ?? ''}
          {neededRequests !== undefined && <strong> Needs {count(neededRequests)} more canary requests.</strong>}
        </td>
      </tr>
    </>
  );
}

function Split(props: { readonly split: Fields }) {
  const { split } = props;
  const verdict = str(split.verdict) ?? '–';
  return (
    <p class="judge-split">
      Traffic split: <span class={verdictClass(verdict)}>{verdict}</span> {str(split.reason) ?? ''}
    </p>
  );
}

/**
 * The headline: the combined verdict and, since the judge's combined reason strings every signal's
 * sentence together, which signals decided it; the full reason stays one click away.
 */
function Headline(props: { readonly judge: Fields; readonly signals: readonly Fields[]; readonly axis: TimeAxis }) {
  const { judge, signals, axis } = props;
  const verdict = str(judge.verdict) ?? '–';
  const reason = str(judge.reason) ?? '';
  const deciding = signals.filter((s) => str(s.verdict) === verdict).map((s) => str(s.name) ?? '?');
  const summary =
    reason.length <= SHORT_REASON || deciding.length === 0
      ? reason
      : `${deciding.join(' and ')}: ${VERDICT_WORDS[verdict] ?? verdict.toLowerCase()}`;
  const step = num(judge.stepWeight);
  const facts = [
    ...(step !== undefined ? [`step at ${percent(step)} since ${when(judge.stepStartedAt, axis) || '–'}`] : []),
    ...(when(judge.startedAt, axis) ? [`judging since ${when(judge.startedAt, axis)}`] : []),
    ...(when(judge.time, axis) ? [`last window judged at ${when(judge.time, axis)}`] : []),
  ];
  return (
    <>
      <p class="judge-verdict">
        <span class={verdictClass(verdict)}>{verdict}</span> <span class="judge-summary">{summary}</span>
      </p>
      {facts.length > 0 && <p class="muted judge-facts">{facts.join(' · ')}</p>}
      {summary !== reason && (
        <details class="judge-reason">
          <summary>The judge's reason in full</summary>
          <p>{reason}</p>
        </details>
      )}
    </>
  );
}

/** A combined reason this short reads well as the headline itself. */
const SHORT_REASON = 140;

/** What a signal's verdict means, said after its name in the headline. */
const VERDICT_WORDS: Readonly<Record<string, string>> = {
  FAIL: 'shown worse than the primary beyond the failure limit',
  PASS: 'shown no worse than the primary',
  CONTINUE: 'not enough evidence yet',
  ERROR: 'the counts could not be read',
};

export function JudgePanel(props: { readonly judge: unknown; readonly axis: TimeAxis }) {
  const judge = fields(props.judge);
  const signals = Array.isArray(judge.signals) ? judge.signals.map(fields) : [];
  const split = judge.split === undefined ? undefined : fields(judge.split);
  return (
    <section class="card" data-testid="judge" aria-labelledby="judge-heading">
      <h2 id="judge-heading">Statistical judge</h2>
      <Headline judge={judge} signals={signals} axis={props.axis} />
      {signals.length > 0 && (
        <div class="table-wrap">
          <table class="plain judge-table">
            <caption class="visually-hidden">Evidence per signal: canary against primary</caption>
            <thead>
              <tr>
                <th scope="col">Signal</th>
                <th scope="col">Verdict</th>
                <th scope="col">Canary events</th>
                <th scope="col">Primary events</th>
                <th scope="col">Ratio</th>
                <th scope="col">Shown so far</th>
                <th scope="col">Fail above / pass below</th>
              </tr>
            </thead>
            <tbody>
              {signals.map((s, i) => (
                <SignalRows key={i} signal={s} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {split !== undefined && <Split split={split} />}
    </section>
  );
}
