/** The identity check and the message to a candidate: dialogs opened from the seat map and the sitting page. */
import { useState } from 'preact/hooks';
import { call } from '../api.ts';
import { Dialog, DialogActions, ErrorLine, Field } from '../components.tsx';

export interface IdentityTarget {
  sittingId: string;
  entryId: string;
  candidateName: string;
  registrationNumber: string;
  pcName: string;
}

export function IdentityDialog({ target, onClose }: { target: IdentityTarget; onClose: () => void }) {
  const [method, setMethod] = useState<'photo-id' | 'known-to-invigilator' | 'other'>('photo-id');
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <Dialog title="Confirm the candidate's identity" onClose={onClose}>
      <form
        id="identity-form"
        method="dialog"
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            await call('confirmIdentity', {
              params: { id: target.sittingId, entryId: target.entryId },
              body: { method, ...(note.trim() ? { note } : {}) },
            });
            onClose();
          } catch (err) {
            setError((err as Error).message);
          }
        }}
      >
        <dl class="facts">
          <dt>Candidate</dt>
          <dd>{target.candidateName}</dd>
          <dt>Registration number</dt>
          <dd>{target.registrationNumber}</dd>
          <dt>PC</dt>
          <dd>{target.pcName}</dd>
        </dl>
        <fieldset class="choices">
          <legend>How did you check?</legend>
          {(
            [
              ['photo-id', 'Photo ID checked'],
              ['known-to-invigilator', 'Known to me personally'],
              ['other', 'Other (say how below)'],
            ] as const
          ).map(([value, label]) => (
            <label key={value} class="choice">
              <input
                type="radio"
                name="method"
                value={value}
                checked={method === value}
                onChange={() => setMethod(value)}
              />
              {label}
            </label>
          ))}
        </fieldset>
        <Field label="Note (optional)">
          <input name="note" value={note} maxLength={500} onInput={(e) => setNote(e.currentTarget.value)} />
        </Field>
        <p class="muted small">
          Confirming records your name and the time in the invigilation record and releases {target.pcName} to
          the assessment.
        </p>
        <ErrorLine error={error} />
        <DialogActions onCancel={onClose} submit="Confirm and release the seat" id="confirm-identity" />
      </form>
    </Dialog>
  );
}

export function MessageDialog({
  seatId,
  pcName,
  onClose,
}: {
  seatId: string;
  pcName: string;
  onClose: () => void;
}) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <Dialog title={`Message to the candidate at ${pcName}`} onClose={onClose}>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            await call('messageSeat', { params: { id: seatId }, body: { text } });
            onClose();
          } catch (err) {
            setError((err as Error).message);
          }
        }}
      >
        <Field label="Message" hint="Shown on the candidate's screen until they close it.">
          <textarea
            name="text"
            rows={3}
            maxLength={2000}
            required
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
        </Field>
        <ErrorLine error={error} />
        <DialogActions onCancel={onClose} submit="Send" />
      </form>
    </Dialog>
  );
}
