/**
 * A store over a real database on this run's engine, for the console's repository and store tests: an
 * SQLite file in a temporary folder (projects `unit`/`e2e`) or a new PostgreSQL database (`unit-pg`/
 * `e2e-pg`). Registers the hooks that make a folder for each test and close every store it opened.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import {
  type DatabaseStore,
  openStore,
  sqliteFileIn,
} from '../../invigilator/server/store/database-store.ts';
import type { IncomingSeatEvent, SeatRow } from '../../invigilator/server/store/store.ts';
import { newPostgresDatabase, testEngine } from './engines.ts';

/** Call at a test file's top level; the function it returns opens a new store for the running test. */
export function storesOnTestEngine(prefix: string): () => Promise<DatabaseStore> {
  let dir = '';
  const opened: DatabaseStore[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return async () => {
    const store =
      testEngine() === 'postgres'
        ? await openStore({ postgres: await newPostgresDatabase() })
        : await openStore({ sqlite: sqliteFileIn(dir) });
    opened.push(store);
    return store;
  };
}

/** Where the test seats enrol from (one address behind NAT). */
export const TEST_SEAT_FROM = { address: '10.0.0.7', userAgent: null, maxPending: 5 };

/**
 * Enrols seats with these PC names (credentials `cred-1`, `cred-2`, …) through one enrolment code,
 * `code-hash`, good for at least 10 seats so a test can enrol more with it.
 */
export async function enrolTestSeats(s: DatabaseStore, names: readonly string[]): Promise<SeatRow[]> {
  const { centre } = await s.ensureCentre();
  const actor = { centreId: centre.id, invigilatorId: null };
  const expires = new Date(Date.now() + 3_600_000).toISOString();
  await s.createEnrolmentCode(actor, 'code-hash', expires, Math.max(10, names.length));
  const out: SeatRow[] = [];
  for (const [i, name] of names.entries()) {
    const r = await s.enrolSeat('code-hash', name, `cred-${i + 1}`, new Date().toISOString(), TEST_SEAT_FROM);
    if (!r || !('seat' in r)) throw new Error(`${name} was not enrolled`);
    out.push(r.seat);
  }
  return out;
}

/** A focus-lost event from this seat at `at`, as the seat hub hands it to the store, with its incident. */
export function focusLostEvent(
  seat: SeatRow,
  at: string,
  sittingId: string | null = null,
): IncomingSeatEvent {
  const event = { id: randomUUID(), type: 'event/focus-lost' as const, at };
  return {
    seatId: seat.id,
    centreId: seat.centreId,
    event,
    json: JSON.stringify(event),
    sittingId,
    receivedAt: at,
    incident: {
      kind: 'focus-lost',
      description: 'The browser lost focus.',
      at,
      seatId: seat.id,
      sittingId,
      entryId: null,
    },
  };
}
