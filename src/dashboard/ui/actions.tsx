/**
 * The release actions: one button each, disabled with its reason in words when the viewer may not
 * take it; a confirmation in a modal <dialog> (focus kept inside, Escape closes it, focus returned to
 * the button); the outcome announced in a status region.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ActionState, DashboardAction } from '../model.js';
import { postAction } from './api.js';

const LABELS: Readonly<Record<DashboardAction, string>> = {
  promote: 'Promote',
  abort: 'Abort',
  retry: 'Retry',
  pause: 'Pause',
  resume: 'Resume',
};

/** What each action does, said in the confirmation. */
const EFFECTS: Readonly<Record<DashboardAction, string>> = {
  promote: 'skips the remaining analysis and promotes the canary now.',
  abort: 'rolls the release back: all traffic returns to the primary.',
  retry: 'starts the analysis of the current revision again.',
  pause: 'holds the release at its current weight until it is resumed.',
  resume: 'lets a paused release continue.',
};

const FOCUSABLE = 'button:not([disabled]), a[href], input:not([disabled]), select, textarea, [tabindex="0"]';

/** Tab and Shift+Tab go round the dialog's own controls. */
function trapFocus(e: KeyboardEvent): void {
  if (e.key !== 'Tab') return;
  const dialog = e.currentTarget as HTMLDialogElement;
  const items = [...dialog.querySelectorAll<HTMLElement>(FOCUSABLE)];
  const first = items[0];
  const last = items.at(-1);
  if (!first || !last) return;
  if (e.shiftKey && document.activeElement === first) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && document.activeElement === last) {
    e.preventDefault();
    first.focus();
  }
}

function ConfirmDialog(props: {
  readonly action: DashboardAction | undefined;
  readonly canary: string;
  readonly onYes: () => void;
  readonly onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const { action } = props;
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (action !== undefined && !dialog.open) dialog.showModal();
    if (action === undefined && dialog.open) dialog.close();
  }, [action]);
  return (
    <dialog
      ref={ref}
      data-testid="confirm"
      class="confirm"
      aria-labelledby="confirm-title"
      aria-describedby="confirm-text"
      onKeyDown={trapFocus}
      onClose={props.onClose}
    >
      {action !== undefined && (
        <>
          <h2 id="confirm-title">
            {LABELS[action]} {props.canary}?
          </h2>
          <p id="confirm-text">
            {LABELS[action]} {EFFECTS[action]}
          </p>
          <div class="dialog-buttons">
            <button type="button" data-testid="confirm-no" onClick={props.onClose}>
              Cancel
            </button>
            <button type="button" data-testid="confirm-yes" class="primary" onClick={props.onYes}>
              {LABELS[action]}
            </button>
          </div>
        </>
      )}
    </dialog>
  );
}

export function Actions(props: {
  readonly namespace: string;
  readonly name: string;
  readonly actions: readonly ActionState[];
  readonly csrfToken: string | undefined;
}) {
  const [asking, setAsking] = useState<DashboardAction | undefined>(undefined);
  const [result, setResult] = useState<{ readonly ok: boolean; readonly text: string } | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const opener = useRef<HTMLButtonElement | null>(null);
  const close = () => {
    setAsking(undefined);
    opener.current?.focus();
  };
  const confirm = async () => {
    const action = asking;
    if (action === undefined) return;
    close();
    if (props.csrfToken === undefined) {
      setResult({ ok: false, text: `${LABELS[action]} not sent: the session is not loaded; reload the page.` });
      return;
    }
    setBusy(true);
    setResult({ ok: true, text: `${LABELS[action]}: sending…` });
    const res = await postAction(props.namespace, props.name, action, props.csrfToken);
    setBusy(false);
    setResult(
      res.ok
        ? { ok: true, text: `${LABELS[action]}: ${res.data}` }
        : { ok: false, text: `${LABELS[action]} refused: ${res.error}` },
    );
  };
  return (
    <section class="card" aria-labelledby="actions-heading">
      <h2 id="actions-heading">Actions</h2>
      <ul class="actions">
        {props.actions.map((a) => (
          <li key={a.action}>
            <button
              type="button"
              data-action={a.action}
              disabled={!a.allowed || busy}
              aria-describedby={a.allowed ? undefined : `action-reason-${a.action}`}
              onClick={(e) => {
                opener.current = e.currentTarget;
                setAsking(a.action);
              }}
            >
              {LABELS[a.action]}
            </button>
            {!a.allowed && (
              <span id={`action-reason-${a.action}`} data-testid={`action-reason-${a.action}`} class="reason">
                {a.reason ?? 'not allowed now'}
              </span>
            )}
          </li>
        ))}
      </ul>
      <p data-testid="action-result" role="status" class={result && !result.ok ? 'result result-error' : 'result'}>
        {result?.text ?? ''}
      </p>
      <ConfirmDialog
        action={asking}
        canary={`${props.namespace}/${props.name}`}
        onYes={() => void confirm()}
        onClose={close}
      />
    </section>
  );
}
