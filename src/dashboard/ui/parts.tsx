/** Small pieces both pages use: the page frame, the phase badge, the weight bar. */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { percent, phaseClass, phaseText } from './format.js';
import type { LiveState } from './live.js';

/** What the live indicator says for each state of the stream. */
const LIVE_TEXT: Readonly<Record<LiveState, string>> = {
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
};

/** The frame of a page: skip link, banner with the live indicator and the viewer, main landmark. */
export function Layout(props: {
  readonly live?: LiveState;
  readonly user?: string;
  readonly children: ComponentChildren;
}) {
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="banner">
        <nav aria-label="Site">
          <a class="brand" href="/">
            Serin
          </a>
          <a href="/">Fleet</a>
        </nav>
        <div class="banner-end">
          {props.user !== undefined && <span class="viewer">Signed in as {props.user}</span>}
          {props.live !== undefined && (
            <span data-testid="live" class={`live live-${props.live}`} role="status">
              {LIVE_TEXT[props.live]}
            </span>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {props.live === 'reconnecting' && (
          <p class="notice notice-warning" data-testid="reconnecting">
            Lost the connection to the dashboard server; reconnecting… What you see may be out of date until it is back.
          </p>
        )}
        {props.children}
      </main>
    </>
  );
}

/** A phase as text in a coloured badge (the colour only repeats what the text says). */
export function PhaseBadge(props: { readonly phase: string; readonly testid?: string }) {
  return (
    <span class={phaseClass(props.phase)} data-testid={props.testid}>
      {phaseText(props.phase)}
    </span>
  );
}

/** The canary's share of traffic as a bar on 0–100%, with its number beside it for everyone. */
export function WeightBar(props: { readonly weight: number; readonly label: string }) {
  const value = Math.max(0, Math.min(100, props.weight));
  return (
    <div
      class="bar"
      role="progressbar"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={value}
      aria-valuetext={percent(value)}
    >
      <div class="bar-fill" style={{ width: `${value}%` }} />
    </div>
  );
}

/** The current time, refreshed every `everyMs`: relative ages stay true without a render per second. */
export function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), everyMs);
    return () => window.clearInterval(timer);
  }, [everyMs]);
  return now;
}
