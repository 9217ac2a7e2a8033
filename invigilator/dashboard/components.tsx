/** Small pieces used across pages. Everything a seat or candidate reported is rendered as text by JSX. */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { SeatView } from '../../shared/schemas/console-api.ts';

export const STATE_LABEL: Record<SeatView['state'], string> = {
  ready: 'Ready',
  attention: 'Attention',
  'not-ready': 'Not ready',
  offline: 'Offline',
};
const STATE_ICON: Record<SeatView['state'], string> = {
  ready: '✓',
  attention: '!',
  'not-ready': '✕',
  offline: '–',
};

/** The state in words, with an icon and colour as extra cues (never colour alone). */
export function StateBadge({ state }: { state: SeatView['state'] }) {
  return (
    <span class={`badge badge-${state}`} data-state={state}>
      <span class="badge-icon" aria-hidden="true">
        {STATE_ICON[state]}
      </span>
      {STATE_LABEL[state]}
    </span>
  );
}

export function ErrorLine({ error }: { error: string | null }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {error}
    </p>
  );
}

export function Field({
  label,
  hint,
  children,
}: {
  label: string;
  hint?: string;
  children: ComponentChildren;
}) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is the child passed in, which the label wraps
    <label class="field">
      <span class="field-label">{label}</span>
      {children}
      {hint ? <span class="field-hint">{hint}</span> : null}
    </label>
  );
}

/** A modal dialog on the native <dialog> element: focus is trapped and Escape closes it. */
export function Dialog({
  title,
  onClose,
  children,
}: {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    const close = () => onClose();
    d?.addEventListener('close', close);
    return () => d?.removeEventListener('close', close);
  }, [onClose]);
  return (
    <dialog ref={ref} class="dialog" aria-labelledby="dialog-title">
      <h2 id="dialog-title">{title}</h2>
      {children}
    </dialog>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="page-header">
      <h1>{title}</h1>
      <div class="page-actions">{children}</div>
    </div>
  );
}

/**
 * A dialog form's buttons: Cancel (a plain button that closes the dialog without sending), then the
 * form's submit button, named by what it does.
 */
export function DialogActions({
  onCancel,
  submit,
  id,
  tone = 'primary',
  disabled,
}: {
  onCancel: () => void;
  /** The submit button's words ("Save", "Send the alert"). */
  submit: string;
  /** The submit button's id, for tests and labels that point at it. */
  id?: string;
  tone?: 'primary' | 'danger';
  disabled?: boolean;
}) {
  return (
    <div class="dialog-actions">
      <button type="button" class="button ghost" onClick={onCancel}>
        Cancel
      </button>
      <button type="submit" class={`button ${tone}`} id={id} disabled={disabled}>
        {submit}
      </button>
    </div>
  );
}
