import './controls.css';
import type { ComponentChildren } from 'preact';
import { useId, useRef, useState } from 'preact/hooks';
import { ErrorBanner } from './async';

/**
 * A button that asks before it acts: a modal <dialog> (the browser traps the focus and Esc
 * closes it) naming what will happen, with the action's own name on the confirming button.
 * A failure of the action is shown in the dialog, which stays open.
 */
export function ConfirmButton(props: {
  /** The button's text, also the confirming button's ("Delete"). */
  label: string;
  title: string;
  children: ComponentChildren;
  action(): Promise<unknown>;
  class?: string;
  disabled?: boolean;
  /** Accessible name of the opening button when the text alone is ambiguous in a table row. */
  'aria-label'?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = `confirm-${useId()}`;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const close = () => ref.current?.close();
  return (
    <>
      <button
        type="button"
        class={props.class ?? 'danger'}
        disabled={props.disabled}
        aria-label={props['aria-label']}
        onClick={() => {
          setError(undefined);
          ref.current?.showModal();
        }}
      >
        {props.label}
      </button>
      <dialog ref={ref} class="confirm-dialog" aria-labelledby={titleId} onClose={() => setBusy(false)}>
        <form
          method="dialog"
          onSubmit={async (e) => {
            e.preventDefault();
            setBusy(true);
            setError(undefined);
            try {
              await props.action();
              close();
            } catch (err) {
              setError(err);
            } finally {
              setBusy(false);
            }
          }}
        >
          <h2 id={titleId}>{props.title}</h2>
          <div class="confirm-body">{props.children}</div>
          {error ? <ErrorBanner error={error} /> : null}
          <div class="confirm-actions">
            <button type="button" onClick={close}>
              Keep it
            </button>
            <button type="submit" class={props.class ?? 'danger'} disabled={busy}>
              {busy ? 'Working…' : props.label}
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}
