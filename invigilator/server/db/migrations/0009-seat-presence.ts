import type { Migration } from './migration.ts';
import { runStatements } from './migration.ts';

/**
 * Issue 12: several console processes on one database. A seat's presence says which process holds its
 * connection (that process's database instance id), whether it is connected, when that process last heard
 * from it (written every 2 s while it holds it: the process's heartbeat for the seat), until when it shows
 * Not ready for flooding or a shared credential, and since when it is offline. `offline_since` is set by
 * one conditional UPDATE, so a seat's going offline is recorded once, by one process, whichever notices.
 */
export const seatPresence: Migration = {
  version: 9,
  name: 'seat presence: which console process holds each seat, its heartbeat, one offline episode',
  async up(trx) {
    await runStatements(trx, [
      `CREATE TABLE seat_presence (
        seat_id TEXT PRIMARY KEY REFERENCES seats(id), instance_id TEXT NOT NULL, connected INTEGER NOT NULL,
        seen_at TEXT NOT NULL, offline_since TEXT, flooding_until TEXT, shared_until TEXT)`,
      'CREATE INDEX seat_presence_instance ON seat_presence (instance_id, offline_since)',
    ]);
  },
};
