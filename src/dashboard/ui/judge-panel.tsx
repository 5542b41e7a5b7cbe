/**
 * The statistical judge's evidence (`status.judge`): the combined verdict and reason, then per
 * signal the counts of each arm, the ratio and its bounds against failAbove/passBelow, and what is
 * still needed. The model passes it on as `unknown` (the operator may add fields), so every field
 * is read defensively here and a missing one shows as a dash.
 */
import { count } from './format.js';

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

function verdictClass(verdict: string): string {
  const tone = verdict === 'PASS' ? 'ok' : verdict === 'FAIL' || verdict === 'ERROR' ? 'bad' : 'busy';
  return `phase tone-${tone}`;
}

function SignalRow(props: { readonly signal: Fields }) {
  const s = props.signal;
  const verdict = str(s.verdict) ?? '–';
  const lower = num(s.lower);
  const bounds = [
    ...(lower !== undefined && lower > 0 ? [`> ${ratio(lower)}${confidence(s.lowerConfidence)}`] : []),
    ...(num(s.upper) !== undefined ? [`< ${ratio(s.upper)}${confidence(s.upperConfidence)}`] : []),
  ];
  const needed = fields(s.needed);
  const neededRequests = num(needed.canaryRequests);
  const boundary = num(s.boundary);
  return (
    <tr>
      <th scope="row">
        {str(s.name) ?? '–'}
        {boundary !== undefined && <span class="muted"> (le {boundary})</span>}
      </th>
      <td>
        <span class={verdictClass(verdict)}>{verdict}</span>
        {str(s.passedBy) !== undefined && <span class="muted"> by {str(s.passedBy)}</span>}
      </td>
      <td class="num">{arm(s.canary)}</td>
      <td class="num">{arm(s.primary)}</td>
      <td>
        {ratio(s.ratio)} <span class="muted">{bounds.length > 0 ? `(${bounds.join(', ')})` : '(no bound yet)'}</span>
      </td>
      <td>
        fail above {ratio(s.failAbove)}, pass below {ratio(s.passBelow)}
      </td>
      <td class="why">
        {str(s.reason) ?? ''}
        {neededRequests !== undefined && (
          <span class="muted"> Needs {count(neededRequests)} more canary requests.</span>
        )}
      </td>
    </tr>
  );
}

function Split(props: { readonly split: Fields }) {
  const { split } = props;
  const verdict = str(split.verdict) ?? '–';
  return (
    <p>
      Traffic split: <span class={verdictClass(verdict)}>{verdict}</span> {str(split.reason) ?? ''}
    </p>
  );
}

export function JudgePanel(props: { readonly judge: unknown }) {
  const judge = fields(props.judge);
  const verdict = str(judge.verdict) ?? '–';
  const signals = Array.isArray(judge.signals) ? judge.signals.map(fields) : [];
  const split = judge.split === undefined ? undefined : fields(judge.split);
  return (
    <section class="card" data-testid="judge" aria-labelledby="judge-heading">
      <h2 id="judge-heading">Statistical judge</h2>
      <p class="judge-verdict">
        <span class={verdictClass(verdict)}>{verdict}</span> {str(judge.reason) ?? ''}
        {str(judge.time) !== undefined && <span class="muted"> (judged at {str(judge.time)})</span>}
      </p>
      {signals.length > 0 && (
        <div class="table-wrap">
          <table class="plain">
            <caption class="visually-hidden">Evidence per signal: canary against primary</caption>
            <thead>
              <tr>
                <th scope="col">Signal</th>
                <th scope="col">Verdict</th>
                <th scope="col">Canary events</th>
                <th scope="col">Primary events</th>
                <th scope="col">Ratio (bounds)</th>
                <th scope="col">Limits</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {signals.map((s, i) => (
                <SignalRow key={i} signal={s} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {split !== undefined && <Split split={split} />}
    </section>
  );
}
