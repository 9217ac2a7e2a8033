/**
 * Raised hands and pauses on the seat map (issue 13): the hand on a seat's card in words, an optional
 * sound for a newly raised hand (off unless the invigilator turns it on: a beeping console in an exam
 * room is the invigilator's choice), the answer dialog with the catalog's reasons, and the pause and
 * resume dialogs for one seat or the whole room. What a seat sent is rendered as text by JSX.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  type Choice,
  HAND_ANSWER_REASON_IDS,
  HAND_ANSWER_REASONS,
  type HandAnswerReason,
  PAUSE_REASON_IDS,
  PAUSE_REASONS,
  type PauseReason,
} from '../../../shared/catalogs/invigilation-day.ts';
import type { SeatView } from '../../../shared/schemas/console-api.ts';
import { call } from '../api.ts';
import { Dialog, DialogActions, ErrorLine, Field } from '../components.tsx';
import { clock } from '../format.ts';

const SOUND_KEY = 'invigil.handSound';

/** Raised hands first (the longest waiting at the top), then the seats in their usual order. */
export function handsFirst(a: SeatView, b: SeatView): number {
  if (a.hand && b.hand) return a.hand.raisedAt.localeCompare(b.hand.raisedAt);
  if (a.hand) return -1;
  if (b.hand) return 1;
  return 0;
}

/** The sound toggle, remembered in this browser; a short chime when a new hand goes up, if on. */
export function useHandSound(seats: Iterable<SeatView>): [boolean, (on: boolean) => void] {
  const [on, setOn] = useState(() => localStorage.getItem(SOUND_KEY) === 'on');
  const known = useRef<Set<string> | null>(null);
  useEffect(() => {
    const ids = new Set<string>();
    for (const s of seats) if (s.hand) ids.add(s.hand.id);
    // The hands already up when the page opened are not new.
    const fresh = known.current ? [...ids].some((id) => !known.current?.has(id)) : false;
    known.current = ids;
    if (fresh && on) chime();
  }, [seats, on]);
  return [
    on,
    (next) => {
      localStorage.setItem(SOUND_KEY, next ? 'on' : 'off');
      setOn(next);
      if (next) chime();
    },
  ];
}

function chime(): void {
  try {
    const ctx = new AudioContext();
    const o = ctx.createOscillator();
    const g = ctx.createGain();
    o.type = 'sine';
    o.frequency.setValueAtTime(880, ctx.currentTime);
    o.frequency.setValueAtTime(660, ctx.currentTime + 0.18);
    g.gain.setValueAtTime(0.0001, ctx.currentTime);
    g.gain.exponentialRampToValueAtTime(0.25, ctx.currentTime + 0.02);
    g.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 0.45);
    o.connect(g).connect(ctx.destination);
    o.start();
    o.stop(ctx.currentTime + 0.5);
    o.onended = () => void ctx.close();
  } catch {
    // No audio here: the card says it in words anyway.
  }
}

export function SoundToggle({ on, onChange }: { on: boolean; onChange: (on: boolean) => void }) {
  return (
    <label class="inline-field sound-toggle">
      <input
        type="checkbox"
        id="hand-sound"
        checked={on}
        onChange={(e) => onChange(e.currentTarget.checked)}
      />
      <span>Sound for raised hands</span>
    </label>
  );
}

/** The hand on a seat's card: in words, with an icon as an extra cue. */
export function HandLine({ seat, onAnswer }: { seat: SeatView; onAnswer: () => void }) {
  const h = seat.hand;
  if (!h) return null;
  return (
    <div class="seat-hand" role="status" data-hand={h.id}>
      <span class="seat-hand-text">
        Hand raised {clock(h.raisedAt).slice(0, 5)}
        {h.count > 1 ? ` (${h.count} times)` : ''}
      </span>
      <button
        type="button"
        class="button small hand-answer"
        aria-label={`Answer the raised hand at ${seat.pcName}`}
        onClick={onAnswer}
      >
        Answer
      </button>
    </div>
  );
}

/** The pause holding a seat, on its card. */
export function PauseLine({ seat, onResume }: { seat: SeatView; onResume: () => void }) {
  const p = seat.pause;
  if (!p) return null;
  return (
    <div class="seat-pause" data-pause={p.id}>
      <span>
        {p.scope === 'room' ? 'Room paused' : 'Paused'} {clock(p.startedAt).slice(0, 5)}: {p.reasonLabel}
      </span>
      <button
        type="button"
        class="button small ghost"
        aria-label={`Resume ${p.scope === 'room' ? 'the room' : seat.pcName}`}
        onClick={onResume}
      >
        Resume
      </button>
    </div>
  );
}

function Reasons<T extends string>({
  name,
  ids,
  catalog,
  value,
  onChange,
}: {
  name: string;
  ids: readonly T[];
  catalog: Record<T, Choice>;
  value: T;
  onChange: (v: T) => void;
}) {
  return (
    <fieldset class="choices">
      <legend>Reason</legend>
      {ids.map((id) => (
        <label key={id} class="choice">
          <input type="radio" name={name} value={id} checked={value === id} onChange={() => onChange(id)} />
          <span>
            {catalog[id]?.label}
            {catalog[id]?.hint ? <span class="choice-hint">{catalog[id]?.hint}</span> : null}
          </span>
        </label>
      ))}
    </fieldset>
  );
}

export function AnswerHandDialog({ seat, onClose }: { seat: SeatView; onClose: () => void }) {
  const [reason, setReason] = useState<HandAnswerReason>(HAND_ANSWER_REASON_IDS[0]);
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const h = seat.hand;
  if (!h) return null;
  return (
    <Dialog title={`Answer the raised hand at ${seat.pcName}`} onClose={onClose}>
      <form
        id="answer-hand-form"
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            await call('answerHand', {
              params: { id: h.id },
              body: { reason, ...(note.trim() ? { note } : {}) },
            });
            onClose();
          } catch (err) {
            setError((err as Error).message);
          }
        }}
      >
        <dl class="facts">
          <dt>Candidate</dt>
          <dd>
            {seat.candidate
              ? `${seat.candidate.name} (${seat.candidate.registrationNumber})`
              : 'No candidate'}
          </dd>
          <dt>Raised</dt>
          <dd>
            {clock(h.raisedAt)} with the {h.via === 'shortcut' ? 'keyboard shortcut' : 'Raise hand button'}
            {h.count > 1 ? `, ${h.count} times` : ''}
          </dd>
        </dl>
        <Reasons
          name="reason"
          ids={HAND_ANSWER_REASON_IDS}
          catalog={HAND_ANSWER_REASONS}
          value={reason}
          onChange={setReason}
        />
        <Field label={reason === 'other' ? 'Note (say what it was)' : 'Note (optional)'}>
          <input name="note" value={note} maxLength={500} onInput={(e) => setNote(e.currentTarget.value)} />
        </Field>
        <p class="muted small">Your name, the time and the reason go into the invigilation record.</p>
        <ErrorLine error={error} />
        <DialogActions onCancel={onClose} submit="Mark answered" id="answer-hand" />
      </form>
    </Dialog>
  );
}

export interface PauseTarget {
  sittingId: string;
  /** The candidate's entry for one seat; absent for the whole room. */
  entryId?: string;
  /** "PC-04 (Amara Obi)" or "Room 2" */
  label: string;
}

export function PauseDialog({ target, onClose }: { target: PauseTarget; onClose: () => void }) {
  const [reason, setReason] = useState<PauseReason>(PAUSE_REASON_IDS[0]);
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const room = target.entryId === undefined;
  return (
    <Dialog
      title={room ? `Pause the whole room: ${target.label}` : `Pause ${target.label}`}
      onClose={onClose}
    >
      <form
        id="pause-form"
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            await call('startPause', {
              params: { id: target.sittingId },
              body: {
                scope: room ? 'room' : 'seat',
                ...(room ? {} : { entryId: target.entryId }),
                reason,
                ...(note.trim() ? { note } : {}),
              },
            });
            onClose();
          } catch (err) {
            setError((err as Error).message);
          }
        }}
      >
        <Reasons
          name="pause-reason"
          ids={PAUSE_REASON_IDS}
          catalog={PAUSE_REASONS}
          value={reason}
          onChange={setReason}
        />
        <Field label={reason === 'other' ? 'Note (say what it was)' : 'Note (optional)'}>
          <input name="note" value={note} maxLength={500} onInput={(e) => setNote(e.currentTarget.value)} />
        </Field>
        <p class="muted small">
          {room ? 'Every seat in this sitting goes' : 'The seat goes'} to the holding page until you resume.
          The start, end and length of the pause go into the invigilation record. Pause the assessment in the
          awarding body’s system too, so its time stops.
        </p>
        <ErrorLine error={error} />
        <DialogActions onCancel={onClose} submit="Pause" id="start-pause" />
      </form>
    </Dialog>
  );
}

/** Resumes a pause; errors go to the page's alert line. */
export async function resumePause(pauseId: string): Promise<void> {
  await call('resumePause', { params: { id: pauseId } });
}
