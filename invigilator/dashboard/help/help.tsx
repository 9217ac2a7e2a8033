/**
 * Summon help (issue 13): the topbar's button asks for help from a room; every other member of staff
 * signed in at that site, and the centre coordinator, gets a banner and a sound at once (the server
 * decides the site: help/help-service.ts), and whoever responds acknowledges it; the
 * invigilator who asked sees who is coming. Live over the dashboard's channel (`live/help`); the list
 * is fetched again on every (re)connection so nothing asked while a dashboard was away is missed.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { HELP_REASON_IDS, HELP_REASONS, type HelpReason } from '../../../shared/catalogs/help-reasons.ts';
import type { MeResponse } from '../../../shared/schemas/console-api.ts';
import type { HelpRequestView } from '../../../shared/schemas/help.ts';
import { call } from '../api.ts';
import { Dialog, DialogActions, ErrorLine, Field } from '../components.tsx';
import { clock } from '../format.ts';
import { useLive } from '../live.ts';

const ROOM_KEY = 'invigil.help.room';

/** Three short tones: an alarm nobody mistakes for a notification. False when the browser refused sound. */
async function alarm(): Promise<boolean> {
  try {
    const Ctx = window.AudioContext;
    const ctx = new Ctx();
    if (ctx.state === 'suspended') await ctx.resume();
    if (ctx.state !== 'running') return false;
    for (let i = 0; i < 3; i++) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'square';
      osc.frequency.value = i % 2 ? 660 : 880;
      gain.gain.value = 0.08;
      osc.connect(gain).connect(ctx.destination);
      const t = ctx.currentTime + i * 0.35;
      osc.start(t);
      osc.stop(t + 0.25);
    }
    setTimeout(() => void ctx.close(), 1500);
    return true;
  } catch {
    return false;
  }
}

/** Every request the dashboard knows of: fetched on each connection, then kept current live. */
function useHelpRequests(): HelpRequestView[] {
  const live = useLive();
  const [fetched, setFetched] = useState<Map<string, HelpRequestView>>(new Map());
  useEffect(() => {
    if (!live.connected) return;
    call('listHelp').then(
      (r) => setFetched(new Map(r.requests.map((x) => [x.id, x]))),
      () => undefined,
    );
  }, [live.connected]);
  const merged = new Map(fetched);
  for (const [id, r] of live.help) {
    const f = merged.get(id);
    // The acknowledged copy wins whichever arrived last.
    if (!f || (!f.acknowledgedAt && r.acknowledgedAt) || f.acknowledgedAt === r.acknowledgedAt)
      merged.set(id, r);
  }
  return [...merged.values()].sort((a, b) => a.askedAt.localeCompare(b.askedAt));
}

export function HelpButton({ onAsk }: { onAsk: () => void }) {
  return (
    <button type="button" class="button help-button small" id="summon-help" onClick={onAsk}>
      <span aria-hidden="true">⚠ </span>Summon help
    </button>
  );
}

export function HelpDialog({ onClose }: { onClose: () => void }) {
  const [room, setRoom] = useState(() => localStorage.getItem(ROOM_KEY) ?? '');
  const [reason, setReason] = useState<HelpReason | null>(null);
  const [note, setNote] = useState('');
  const [rooms, setRooms] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    call('listSittings').then(
      (r) => setRooms([...new Set(r.sittings.filter((s) => !s.closedAt).map((s) => s.room))]),
      () => undefined,
    );
  }, []);
  return (
    <Dialog title="Summon help to your room" onClose={onClose}>
      <form
        id="help-form"
        onSubmit={async (e) => {
          e.preventDefault();
          if (!reason) {
            setError('Choose why you need help.');
            return;
          }
          setBusy(true);
          try {
            await call('summonHelp', { body: { room, reason, ...(note.trim() ? { note } : {}) } });
            localStorage.setItem(ROOM_KEY, room);
            onClose();
          } catch (err) {
            setError((err as Error).message);
            setBusy(false);
          }
        }}
      >
        <p class="muted">
          Staff signed in at the room’s site, and the centre coordinator, are alerted at once, with a sound.
          Stay with your candidates.
        </p>
        <Field label="Room">
          <input
            name="room"
            required
            maxLength={200}
            list="help-rooms"
            value={room}
            onInput={(e) => setRoom(e.currentTarget.value)}
          />
          <datalist id="help-rooms">
            {rooms.map((r) => (
              <option key={r} value={r} />
            ))}
          </datalist>
        </Field>
        <fieldset class="choices">
          <legend>Why</legend>
          {HELP_REASON_IDS.map((id) => (
            <label key={id} class="choice">
              <input
                type="radio"
                name="reason"
                value={id}
                checked={reason === id}
                onChange={() => setReason(id)}
              />
              {HELP_REASONS[id]}
            </label>
          ))}
        </fieldset>
        <Field label="Note (optional)" hint="For example: which PC, what happened.">
          <textarea
            name="note"
            maxLength={500}
            rows={2}
            value={note}
            onInput={(e) => setNote(e.currentTarget.value)}
          />
        </Field>
        <ErrorLine error={error} />
        <DialogActions onCancel={onClose} submit="Send the alert" tone="danger" disabled={busy} />
      </form>
    </Dialog>
  );
}

/** The banners: others' calls for help (with Acknowledge), and the state of one's own. */
export function HelpBanners({ me }: { me: MeResponse }) {
  const requests = useHelpRequests();
  const [dismissed, setDismissed] = useState<Set<string>>(new Set());
  const [error, setError] = useState<string | null>(null);
  const [sound, setSound] = useState<Record<string, 'played' | 'blocked'>>({});
  const sounded = useRef(new Set<string>());
  const mine = (r: HelpRequestView) => r.askedBy.id === me.invigilator.id;
  const calls = requests.filter((r) => !mine(r) && !r.acknowledgedAt);
  const own = requests.filter((r) => mine(r) && !dismissed.has(r.id));

  useEffect(() => {
    for (const r of calls) {
      if (sounded.current.has(r.id)) continue;
      sounded.current.add(r.id);
      void alarm().then((ok) => setSound((s) => ({ ...s, [r.id]: ok ? 'played' : 'blocked' })));
    }
  });

  if (calls.length === 0 && own.length === 0) return null;
  return (
    <div class="help-banners no-print">
      {calls.map((r) => (
        <div key={r.id} class="help-call" role="alert" data-help-id={r.id} data-sound={sound[r.id] ?? ''}>
          <div class="help-call-text">
            <strong class="help-call-title">
              <span aria-hidden="true">⚠ </span>Help needed in {r.room}: {r.reasonLabel}
            </strong>
            <span>
              Asked by {r.askedBy.name} at {clock(r.askedAt)}
              {r.note ? <> · “{r.note}”</> : null}
            </span>
            {sound[r.id] === 'blocked' ? (
              <span class="small">
                The browser blocked the alert sound: click anywhere on this page once to allow it.
              </span>
            ) : null}
          </div>
          <button
            type="button"
            class="button acknowledge"
            onClick={async () => {
              try {
                await call('acknowledgeHelp', { params: { id: r.id } });
                setError(null);
              } catch (err) {
                setError((err as Error).message);
              }
            }}
          >
            I’m on my way: acknowledge
          </button>
        </div>
      ))}
      {own.map((r) =>
        r.acknowledgedAt && r.acknowledgedBy ? (
          <div key={r.id} class="help-own acknowledged" role="status" data-help-id={r.id}>
            <span>
              <span aria-hidden="true">✓ </span>
              <strong>{r.acknowledgedBy.name}</strong> acknowledged your call for help in {r.room} (
              {r.reasonLabel}) at {clock(r.acknowledgedAt)}.
            </span>
            <button
              type="button"
              class="button ghost small"
              onClick={() => setDismissed((d) => new Set(d).add(r.id))}
            >
              Dismiss
            </button>
          </div>
        ) : (
          <div key={r.id} class="help-own waiting" role="status" data-help-id={r.id}>
            <span>
              <span aria-hidden="true">… </span>
              You summoned help to {r.room} ({r.reasonLabel}) at {clock(r.askedAt)}: waiting for someone to
              acknowledge.
            </span>
          </div>
        ),
      )}
      <ErrorLine error={error} />
    </div>
  );
}
