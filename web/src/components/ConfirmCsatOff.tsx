import { useEffect, useId, useRef } from "react";

/** What turning CSAT off does to the surveys still waiting for their dispatch, in words. */
export function describeCancellation(scheduled: number): string {
  if (scheduled === 0) return "No survey is waiting to be sent, so nothing is cancelled.";
  return scheduled === 1
    ? "1 scheduled survey that has not been sent yet will be cancelled."
    : `${scheduled.toLocaleString("en-US")} scheduled surveys that have not been sent yet will be cancelled.`;
}

/**
 * The confirmation before CSAT is switched off: a modal `<dialog>` (the browser keeps focus inside
 * it and Escape cancels) saying how many scheduled surveys the change cancels. Focus starts on
 * "Keep it on", the harmless choice.
 */
export function ConfirmCsatOff({ scheduled, onConfirm, onCancel }: { scheduled: number; onConfirm(): void; onCancel(): void }) {
  const id = useId();
  const dialog = useRef<HTMLDialogElement>(null);
  const keep = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const element = dialog.current;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (element && !element.open) element.showModal();
    keep.current?.focus();
    return () => {
      element?.close();
      // Back where the question came from (the Save button), whichever way it was answered.
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  return (
    <dialog
      ref={dialog}
      className="confirm-dialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-text`}
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      <h2 id={`${id}-title`}>Turn CSAT surveys off?</h2>
      <p id={`${id}-text`}>
        No new surveys are sent after conversations resolve. <strong data-testid="csat-off-count">{describeCancellation(scheduled)}</strong> Surveys
        already sent can still be answered.
      </p>
      <div className="confirm-dialog__actions">
        <button type="button" className="button button--danger" onClick={onConfirm}>
          Turn off
        </button>
        <button type="button" className="button button--secondary" ref={keep} onClick={onCancel}>
          Keep it on
        </button>
      </div>
    </dialog>
  );
}
