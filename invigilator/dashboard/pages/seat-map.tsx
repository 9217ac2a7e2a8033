/** The seat map: every seat's state in words at a glance, its candidate, its reasons, and what to do. */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { SeatView, SittingView } from '../../../shared/schemas/console-api.ts';
import { call } from '../api.ts';
import { PageHeader, StateBadge } from '../components.tsx';
import { clock, secondsAgo, sittingDate, sittingTime } from '../format.ts';
import { useLive, useNow } from '../live.ts';
import { IdentityDialog, type IdentityTarget, MessageDialog } from './seat-actions.tsx';

const ORDER: SeatView['state'][] = ['not-ready', 'attention', 'offline', 'ready'];

export function SeatMapPage() {
  const live = useLive();
  const now = useNow();
  const [sittings, setSittings] = useState<SittingView[]>([]);
  const [filter, setFilter] = useState<string>('all');
  const [identity, setIdentity] = useState<IdentityTarget | null>(null);
  const [message, setMessage] = useState<{ seatId: string; pcName: string } | null>(null);

  useEffect(() => {
    call('listSittings').then(
      (r) => setSittings(r.sittings.filter((s) => !s.closedAt)),
      () => undefined,
    );
  }, [live.sittingsVersion]);

  const seats = useMemo(() => {
    let list = [...live.seats.values()];
    if (filter !== 'all') list = list.filter((s) => s.candidate?.sittingId === filter);
    return list.sort((a, b) =>
      (a.place || a.pcName).localeCompare(b.place || b.pcName, undefined, { numeric: true }),
    );
  }, [live.seats, filter]);

  const counts = useMemo(() => {
    const c: Record<SeatView['state'], number> = { ready: 0, attention: 0, 'not-ready': 0, offline: 0 };
    for (const s of seats) c[s.state]++;
    return c;
  }, [seats]);

  return (
    <section class="seat-map">
      <PageHeader title="Seat map">
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
            />
          ))}
        </ul>
      )}
      {identity ? <IdentityDialog target={identity} onClose={() => setIdentity(null)} /> : null}
      {message ? <MessageDialog {...message} onClose={() => setMessage(null)} /> : null}
    </section>
  );
}

function SeatCard({
  seat,
  now,
  onIdentity,
  onMessage,
}: {
  seat: SeatView;
  now: number;
  onIdentity: (t: IdentityTarget) => void;
  onMessage: () => void;
}) {
  const c = seat.candidate;
  const gate = seat.gate;
  const allReasons = seat.reasons
    .map((r) => (r.subject ? `${r.message}: ${r.subject}` : r.message))
    .join('\n');
  return (
    <li class={`seat seat-${seat.state}`} data-seat={seat.pcName}>
      <div class="seat-head">
        <span class="seat-pc">{seat.pcName}</span>
        <StateBadge state={seat.state} />
      </div>
      <div class="seat-place">{seat.place || '\u00a0'}</div>
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
