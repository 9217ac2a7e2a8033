/**
 * A seat's offline episode (seat_presence, migration 9) is claimed by one process, and the claim and
 * its *Seat offline* incident are one transaction, on SQLite and (in the unit-pg project) PostgreSQL:
 * if the incident cannot be written (or the process dies between the two), the episode stays open for
 * a later claim, so it is recorded once, never claimed and lost.
 */
import { sql } from 'kysely';
import { expect, test } from 'vitest';
import type {
  OfflineClaim,
  OfflineIncident,
} from '../../../../../invigilator/server/seats/presence-repository.ts';
import type { DatabaseStore } from '../../../../../invigilator/server/store/database-store.ts';
import type { SeatRow } from '../../../../../invigilator/server/store/store.ts';
import { enrolTestSeats, storesOnTestEngine } from '../../../../helpers/test-store.ts';

let store: DatabaseStore | undefined;
const openTestStore = storesOnTestEngine('invigil-presence-');

async function withSeat(s: DatabaseStore): Promise<SeatRow> {
  return ((await enrolTestSeats(s, ['PC-01'])) as [SeatRow])[0];
}

function offline(seat: SeatRow, at: string): OfflineIncident {
  const description = `${seat.pcName} stopped reporting.`;
  return {
    centreId: seat.centreId,
    kind: 'seat-offline',
    description,
    at,
    seatId: seat.id,
    sittingId: null,
    entryId: null,
  };
}

/** The three ways an episode is claimed, each set up so that the claim would succeed. */
const CLAIMS: Record<string, (s: DatabaseStore, seat: SeatRow, at: string) => Promise<OfflineClaim>> = {
  // The holder saw its seat fall silent.
  'by its holder': async (s, seat, at) => s.presence.claimOwnOffline([offline(seat, at)], at),
  // Another process held it and stopped writing about it (killed).
  'as abandoned by a process that stopped': async (s, seat, at) =>
    s.presence.claimAbandoned(new Date(Date.parse(at) + 1).toISOString(), at, new Set(), (c) =>
      offline(seat, c.seenAt),
    ),
  // After a restart, the seat did not come back.
  'as not back after a restart': async (s, seat, at) => s.presence.claimNotBack([offline(seat, at)], at),
};

async function hold(s: DatabaseStore, seat: SeatRow, at: string, byAnother: boolean): Promise<void> {
  await s.presence.take([
    { seatId: seat.id, connected: true, seenAt: at, floodingUntil: null, sharedUntil: null },
  ]);
  if (byAnother)
    await sql`UPDATE seat_presence SET instance_id = ${'another-process'} WHERE seat_id = ${seat.id}`.execute(
      s.db.kysely,
    );
}

async function offlineIncidents(s: DatabaseStore, seat: SeatRow) {
  return (await s.listIncidents(seat.centreId, { limit: 10 })).filter((i) => i.kind === 'seat-offline');
}

for (const [how, claim] of Object.entries(CLAIMS)) {
  test(`claimed ${how}: the claim and its incident are one transaction, recorded once`, async () => {
    store = await openTestStore();
    const s = store;
    const seat = await withSeat(s);
    const at = new Date().toISOString();
    // Held by this process (its own seat fell silent), or by another (a process that stopped, or this one's
    // predecessor before a restart).
    await hold(s, seat, at, how !== 'by its holder');

    // The incident cannot be written (the table is away): the claim is not kept either.
    await sql`ALTER TABLE incidents RENAME TO incidents_away`.execute(s.db.kysely);
    await expect(claim(s, seat, at)).rejects.toThrow();
    await sql`ALTER TABLE incidents_away RENAME TO incidents`.execute(s.db.kysely);
    expect((await s.presence.read([seat.id]))[0]?.offlineSince ?? null).toBeNull();
    expect(await offlineIncidents(s, seat)).toHaveLength(0);

    // Tried again: claimed, with its incident.
    const first = await claim(s, seat, at);
    expect([...first.claimed]).toEqual([seat.id]);
    expect(first.incidents.map((i) => [i.kind, i.seatId])).toEqual([['seat-offline', seat.id]]);
    expect((await s.presence.read([seat.id]))[0]?.offlineSince).toBe(at);

    // Once: a second claim of the same episode claims nothing and records nothing.
    const again = await claim(s, seat, at);
    expect(again.claimed.size).toBe(0);
    expect(again.incidents).toHaveLength(0);
    expect(await offlineIncidents(s, seat)).toHaveLength(1);
  });
}
