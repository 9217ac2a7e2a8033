/** The seat map: every seat's state in words at a glance, its candidate, its reasons, and what to do. */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { SeatView, SittingView } from '../../../shared/schemas/console-api.ts';
import { call } from '../api.ts';
import { PageHeader, StateBadge } from '../components.tsx';
import { clock, secondsAgo, sittingDate, sittingTime } from '../format.ts';
import { useLive, useNow } from '../live.ts';
import { SiteFilter, siteQuery, useSites } from '../sites/site-context.tsx';
import {
  AnswerHandDialog,
  HandLine,
  handsFirst,
  PauseDialog,
  PauseLine,
  type PauseTarget,
  resumePause,
  SoundToggle,
  useHandSound,
} from './hands-and-pauses.tsx';
import { IdentityDialog, type IdentityTarget, MessageDialog } from './seat-actions.tsx';

const ORDER: SeatView['state'][] = ['not-ready', 'attention', 'offline', 'ready'];

export function SeatMapPage() {
  const live = useLive();
  const now = useNow();
  const [sittings, setSittings] = useState<SittingView[]>([]);
  const [filter, setFilter] = useState<string>('all');
  const [identity, setIdentity] = useState<IdentityTarget | null>(null);
  const [message, setMessage] = useState<{ seatId: string; pcName: string } | null>(null);
  const [answering, setAnswering] = useState<string | null>(null);
  const [pausing, setPausing] = useState<PauseTarget | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [sound, setSound] = useHandSound(live.seats.values());
  const sites = useSites();

  useEffect(() => {
    call('listSittings', { query: siteQuery(sites) }).then(
      (r) => setSittings(r.sittings.filter((s) => !s.closedAt)),
      () => undefined,
    );
  }, [live.sittingsVersion, sites.siteId]);

  const seats = useMemo(() => {
    let list = [...live.seats.values()];
    // The centre coordinator's site filter (everyone else only ever receives their own site's seats).
    if (sites.siteId) list = list.filter((s) => s.siteId === sites.siteId);
    if (filter !== 'all') list = list.filter((s) => s.candidate?.sittingId === filter);
    // A raised hand rises to the top of the map (issue 13).
    return list.sort(
      (a, b) =>
        handsFirst(a, b) ||
        (a.place || a.pcName).localeCompare(b.place || b.pcName, undefined, { numeric: true }),
    );
  }, [live.seats, filter, sites.siteId]);

  const counts = useMemo(() => {
    const c: Record<SeatView['state'], number> = { ready: 0, attention: 0, 'not-ready': 0, offline: 0 };
    for (const s of seats) c[s.state]++;
    return c;
  }, [seats]);

  return (
    <section class="seat-map">
      <PageHeader title="Seat map">
        <SoundToggle on={sound} onChange={setSound} />
        {roomActions()}
        <SiteFilter />
        <label class="inline-field">
          <span>Show</span>
          <select id="seat-filter" value={filter} onChange={(e) => setFilter(e.currentTarget.value)}>
            <option value="all">All seats</option>
            {sittings.map((s) => (
              <option key={s.id} value={s.id}>
                {s.room}, {sittingDate(s.startsAt)} {sittingTime(s.startsAt)}
              </option>
            ))}
          </select>
        </label>
      </PageHeader>
      <ul class="summary" aria-label="Seats by state">
        {ORDER.map((state) => (
          <li key={state} class={`summary-item summary-${state}`}>
            <StateBadge state={state} />
            <span class="summary-count" data-count={state}>
              {counts[state]}
            </span>
          </li>
        ))}
        <li class="summary-item summary-total">
          <span class="muted">Total</span>
          <span class="summary-count">{seats.length}</span>
        </li>
      </ul>
      {actionError ? (
        <p class="banner warn" role="alert">
          {actionError}
        </p>
      ) : null}
      {!live.connected ? (
        <p class="banner warn" role="status">
          The live connection to the console dropped; reconnecting. States below may be out of date.
        </p>
      ) : null}
      {seats.length === 0 ? (
        <div class="empty">
          <h2>No seats yet</h2>
          <p>
            Enrol the exam PCs first: <a href="#/enrol">make an enrolment code</a> and run{' '}
            <code>invigil enrol</code> on each PC.
          </p>
        </div>
      ) : (
        <ul class="seat-grid" aria-label="Seats">
          {seats.map((s) => (
            <SeatCard
              key={s.id}
              seat={s}
              now={now}
              onIdentity={setIdentity}
              onMessage={() => setMessage({ seatId: s.id, pcName: s.pcName })}
              onAnswer={() => setAnswering(s.id)}
              onPause={setPausing}
              onResume={resume}
            />
          ))}
        </ul>
      )}
      {identity ? <IdentityDialog target={identity} onClose={() => setIdentity(null)} /> : null}
      {message ? <MessageDialog {...message} onClose={() => setMessage(null)} /> : null}
      {answering && live.seats.get(answering)?.hand ? (
        <AnswerHandDialog seat={live.seats.get(answering) as SeatView} onClose={() => setAnswering(null)} />
      ) : null}
      {pausing ? <PauseDialog target={pausing} onClose={() => setPausing(null)} /> : null}
    </section>
  );

  function resume(pauseId: string): void {
    setActionError(null);
    resumePause(pauseId).catch((e: unknown) => setActionError((e as Error).message));
  }

  /** With one sitting shown: pause the whole room, or resume it. */
  function roomActions() {
    const sitting = sittings.find((x) => x.id === filter);
    if (!sitting) return null;
    const roomPause = seats.find((x) => x.pause?.scope === 'room')?.pause;
    return roomPause ? (
      <button type="button" class="button primary" id="resume-room" onClick={() => resume(roomPause.id)}>
        Resume the room
      </button>
    ) : (
      <button
        type="button"
        class="button ghost"
        id="pause-room"
        onClick={() => setPausing({ sittingId: sitting.id, label: sitting.room })}
      >
        Pause the room
      </button>
    );
  }
}

function SeatCard({
  seat,
  now,
  onIdentity,
  onMessage,
  onAnswer,
  onPause,
  onResume,
}: {
  seat: SeatView;
  now: number;
  onIdentity: (t: IdentityTarget) => void;
  onMessage: () => void;
  onAnswer: () => void;
  onPause: (t: PauseTarget) => void;
  onResume: (pauseId: string) => void;
}) {
  const c = seat.candidate;
  const gate = seat.gate;
  const allReasons = seat.reasons
    .map((r) => (r.subject ? `${r.message}: ${r.subject}` : r.message))
    .join('\n');
  return (
    <li class={`seat seat-${seat.state}${seat.hand ? ' seat-hand-up' : ''}`} data-seat={seat.pcName}>
      <div class="seat-head">
        <span class="seat-pc">{seat.pcName}</span>
        <StateBadge state={seat.state} />
      </div>
      <div class="seat-place">
        {seat.place || '\u00a0'}
        <SeatSite siteId={seat.siteId} />
      </div>
      <div class="seat-candidate" title={c ? `${c.name} (${c.registrationNumber})` : undefined}>
        {c ? (
          <>
            <span class="seat-candidate-name">{c.name}</span>{' '}
            <span class="muted">{c.registrationNumber}</span>
          </>
        ) : (
          <span class="muted">No candidate</span>
        )}
      </div>
      <HandLine seat={seat} onAnswer={onAnswer} />
      <PauseLine seat={seat} onResume={() => seat.pause && onResume(seat.pause.id)} />
      {seat.reasons.length > 0 ? (
        <ul class="reasons" title={allReasons}>
          {seat.reasons.slice(0, 2).map((r) => (
            <li key={`${r.code}-${r.subject ?? ''}`} class={`reason reason-${r.severity}`}>
              {r.message}
              {r.subject ? <span class="reason-subject">: {r.subject}</span> : null}
            </li>
          ))}
          {seat.reasons.length > 2 ? <li class="reason muted">and {seat.reasons.length - 2} more</li> : null}
        </ul>
      ) : null}
      {seat.lastMessage ? (
        <div class="seat-message" data-message={seat.lastMessage.ackedAt ? 'shown' : 'sending'}>
          {seat.lastMessage.ackedAt
            ? `Message shown ${clock(seat.lastMessage.ackedAt).slice(0, 5)}`
            : 'Message sending…'}
        </div>
      ) : null}
      <div class="seat-foot">
        <span class="gate" data-gate={gate?.state ?? 'none'}>
          {seat.state === 'offline'
            ? `Last heard ${secondsAgo(seat.lastSeenAt, now)}`
            : seat.pause
              ? 'Held (paused)'
              : gate?.state === 'released'
                ? `Released${gate.ackedAt ? '' : ' (sending…)'}`
                : 'Held'}
        </span>
        <span class="seat-actions">
          {c && !c.identityConfirmed ? (
            <button
              type="button"
              class="button primary small"
              aria-label={`Check the identity of ${c.name} at ${seat.pcName}`}
              onClick={() =>
                onIdentity({
                  sittingId: c.sittingId,
                  entryId: c.entryId,
                  candidateName: c.name,
                  registrationNumber: c.registrationNumber,
                  pcName: seat.pcName,
                })
              }
            >
              Check ID
            </button>
          ) : null}
          {c?.identityConfirmed && !seat.pause ? (
            <button
              type="button"
              class="button ghost small"
              aria-label={`Pause ${c.name} at ${seat.pcName}`}
              onClick={() =>
                onPause({ sittingId: c.sittingId, entryId: c.entryId, label: `${seat.pcName} (${c.name})` })
              }
            >
              Pause
            </button>
          ) : null}
          <button
            type="button"
            class="button ghost small"
            aria-label={`Message the candidate at ${seat.pcName}`}
            onClick={onMessage}
            disabled={!seat.connected}
          >
            Message
          </button>
        </span>
      </div>
    </li>
  );
}

/** The seat's site, on the centre coordinator's map of every site (a map of one site needs none). */
function SeatSite({ siteId }: { siteId: string | null | undefined }) {
  const sites = useSites();
  if (!sites.centreWide || sites.siteId || sites.sites.length < 2) return null;
  return <span class="seat-site"> · {sites.nameOf(siteId)}</span>;
}
