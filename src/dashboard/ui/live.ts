/**
 * The live stream (`/api/stream`): server-sent events, opened again with a growing delay after a
 * drop. EventSource retries by itself only after some failures (not after an HTTP error), so the
 * page closes it on any error and decides when to try again; after every (re)open the page fetches
 * its snapshot again, since deltas sent while it was away are lost.
 */
import { useEffect, useRef, useState } from 'preact/hooks';

/** What the live indicator says. */
export type LiveState = 'connecting' | 'live' | 'reconnecting';

/** Handlers for the named events of the stream, and a call after each (re)connection. */
export interface StreamHandlers {
  readonly onOpen: () => void;
  readonly events: Readonly<Record<string, (data: unknown) => void>>;
}

/**
 * First delay after a drop, ms; doubled on each failed try up to MAX_DELAY_MS. One viewer's tries
 * cost the server next to nothing, and a dashboard restarted (an upgrade, a new port-forward) should
 * be followed within seconds, so the ceiling is low.
 */
const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 8000;

/** Keeps a stream open while the component is mounted; `url` undefined keeps none. */
export function useStream(url: string | undefined, handlers: StreamHandlers): LiveState {
  const [state, setState] = useState<LiveState>('connecting');
  // The latest handlers, so a re-render does not reopen the stream.
  const latest = useRef(handlers);
  latest.current = handlers;
  useEffect(() => {
    if (url === undefined) return undefined;
    let source: EventSource | undefined;
    let timer: number | undefined;
    let delay = FIRST_DELAY_MS;
    let stopped = false;
    const connect = (): void => {
      source = new EventSource(url);
      source.onopen = () => {
        delay = FIRST_DELAY_MS;
        setState('live');
        latest.current.onOpen();
      };
      source.onerror = () => {
        source?.close();
        if (stopped) return;
        setState('reconnecting');
        timer = window.setTimeout(connect, delay);
        delay = Math.min(delay * 2, MAX_DELAY_MS);
      };
      for (const name of Object.keys(latest.current.events)) {
        source.addEventListener(name, (e: MessageEvent<string>) => {
          latest.current.events[name]?.(JSON.parse(e.data) as unknown);
        });
      }
    };
    connect();
    return () => {
      stopped = true;
      source?.close();
      window.clearTimeout(timer);
    };
  }, [url]);
  return state;
}
