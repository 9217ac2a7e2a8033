/**
 * What the conformance tests look at besides the seat's own socket: the console as an invigilator sees
 * it (the seat map and the incidents, through the signed-in API) and, for what only storage can show
 * (events kept once per seat, rejected events and their bounded slices), the console's SQLite file,
 * opened read-only beside the running console.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ConsoleClient } from '../../helpers/console-client.ts';
import { type ReadyConsole, startReadyConsole } from '../../helpers/console-process.ts';
import type { DocSeat } from './doc-client.ts';

export interface SeatOnMap {
  id: string;
  pcName: string;
  place: string;
  state: 'ready' | 'attention' | 'not-ready' | 'offline';
  reasons: { code: string; severity: string; message: string; subject?: string }[];
  connected: boolean;
  statusAt: string | null;
  lastSeenAt: string | null;
}

export interface IncidentOnRecord {
  id: string;
  at: string;
  kind: string;
  description: string;
  seatId: string | null;
  pcName: string | null;
}

export async function seatOnMap(admin: ConsoleClient, seatId: string): Promise<SeatOnMap | undefined> {
  const r = await admin.get<{ seats: SeatOnMap[] }>('/api/seats');
  if (r.status !== 200) throw new Error(`GET /api/seats: ${r.status} ${r.text}`);
  return r.body.seats.find((s) => s.id === seatId);
}

export async function incidents(admin: ConsoleClient, seatId?: string): Promise<IncidentOnRecord[]> {
  const r = await admin.get<{ incidents: IncidentOnRecord[] }>('/api/incidents?limit=1000');
  if (r.status !== 200) throw new Error(`GET /api/incidents: ${r.status} ${r.text}`);
  return r.body.incidents.filter((i) => !seatId || i.seatId === seatId);
}

export interface StoredEvent {
  id: string;
  type: string;
  json: string;
}

/** The events the console stored for one seat (table `seat_events`), read-only. */
export function storedEvents(dataDir: string, seatId: string): StoredEvent[] {
  const db = new Database(join(dataDir, 'console.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare('SELECT id, type, json FROM seat_events WHERE seat_id = ? ORDER BY received_at, id')
      .all(seatId) as StoredEvent[];
  } finally {
    db.close();
  }
}

export async function until<T>(
  pick: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
  what = 'a condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await pick();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A real `invigil console` process, set up, with an enrolment code for many PCs. */
export async function conformanceConsole(): Promise<ReadyConsole> {
  return startReadyConsole();
}

/** Every frame the console sent obeyed its published schema. */
export function schemaViolations(seats: readonly DocSeat[]): string[] {
  return seats.flatMap((s) => s.violations);
}
