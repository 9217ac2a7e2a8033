/**
 * A candidate's attempt on the sitting page (issue 13): when the seat was released to the assessment
 * (the seat acknowledged its release), and the finish, which the invigilator marks: finished, or
 * submitted before completion (an issue the awarding body wants recorded).
 */
import { useState } from 'preact/hooks';
import { FINISH_KIND_LABELS } from '../../../shared/schemas/attempts.ts';
import type { SittingEntryView } from '../../../shared/schemas/console-api.ts';
import { call } from '../api.ts';
import { clock } from '../format.ts';

export function AttemptCell({
  sittingId,
  entry,
  open,
  onChanged,
}: {
  sittingId: string;
  entry: SittingEntryView;
  open: boolean;
  onChanged: () => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const params = { id: sittingId, entryId: entry.id };
  const act = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
      setError(null);
      onChanged();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <div class="attempt" data-attempt={entry.finishedHow ?? (entry.releasedAt ? 'released' : 'not-released')}>
      <div class="small">
        {entry.releasedAt ? (
          <span class="released">Released {clock(entry.releasedAt)}</span>
        ) : (
          <span class="muted">Not released yet</span>
        )}
      </div>
      {entry.finishedAt && entry.finishedHow ? (
        <div class="small">
          <strong class={entry.finishedHow === 'submitted-early' ? 'warn-text finished' : 'finished'}>
            {entry.finishedHow === 'submitted-early' ? 'Submitted early' : 'Finished'}{' '}
            {clock(entry.finishedAt)}
            {entry.finishedHow === 'end-page' ? ' (end page)' : ''}
          </strong>
          <span class="visually-hidden"> ({FINISH_KIND_LABELS[entry.finishedHow]})</span>
          {open ? (
            <button
              type="button"
              class="link small"
              onClick={() => act(() => call('undoFinishEntry', { params }))}
            >
              Undo
            </button>
          ) : null}
        </div>
      ) : open && entry.outcome !== 'absent' ? (
        <div class="attempt-actions">
          <button
            type="button"
            class="button ghost small"
            aria-label={`Mark ${entry.candidateName} finished`}
            onClick={() => act(() => call('finishEntry', { params, body: { how: 'finished' } }))}
          >
            Finished
          </button>
          <button
            type="button"
            class="button ghost small"
            aria-label={`Mark ${entry.candidateName} as submitted before completion`}
            onClick={() => act(() => call('finishEntry', { params, body: { how: 'submitted-early' } }))}
          >
            Submitted early
          </button>
        </div>
      ) : null}
      {error ? (
        <div class="error small" role="alert">
          {error}
        </div>
      ) : null}
    </div>
  );
}
