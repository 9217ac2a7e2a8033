/**
 * The agent's durable store (SQLite through better-sqlite3, WAL, synchronous=FULL): events wait
 * here until the console acknowledges them. The extension is told `event/ack` only after the
 * transaction that stored its events has committed, so an acknowledged event survives `kill -9`
 * and power loss. Ids already seen are remembered for a week, so an event the extension resends
 * (because our ack was lost) is neither stored nor sent twice.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Finding } from '../../shared/schemas/common.ts';
import { type SeatEvent, SeatEventSchema } from '../../shared/schemas/events.ts';
import type { OutboxReader } from './upstream.ts';

const SEEN_FOR_MS = 7 * 24 * 3600 * 1000;

export class Outbox implements OutboxReader {
  private readonly db: Database.Database;
  private readonly listeners = new Set<() => void>();
  private readonly insertSeen: Database.Statement;
  private readonly insertEvent: Database.Statement;
  private readonly peekStmt: Database.Statement;
  private readonly deleteStmt: Database.Statement;
  private readonly countStmt: Database.Statement;

  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, body TEXT NOT NULL, stored_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS active_findings (key TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID;
    `);
    this.insertSeen = this.db.prepare('INSERT OR IGNORE INTO seen (id, at) VALUES (?, ?)');
    this.insertEvent = this.db.prepare('INSERT INTO outbox (id, body, stored_at) VALUES (?, ?, ?)');
    this.peekStmt = this.db.prepare('SELECT body FROM outbox ORDER BY seq LIMIT ?');
    this.deleteStmt = this.db.prepare('DELETE FROM outbox WHERE id = ?');
    this.countStmt = this.db.prepare('SELECT COUNT(*) AS n FROM outbox');
    this.db
      .prepare('DELETE FROM seen WHERE at < ? AND id NOT IN (SELECT id FROM outbox)')
      .run(Date.now() - SEEN_FOR_MS);
  }

  /** Stores events durably, skipping ids seen before. Returns how many were new. */
  add(events: readonly SeatEvent[]): number {
    const now = Date.now();
    const added = this.db.transaction((list: readonly SeatEvent[]) => {
      let n = 0;
      for (const e of list) {
        if (this.insertSeen.run(e.id, now).changes === 0) continue;
        this.insertEvent.run(e.id, JSON.stringify(e), now);
        n++;
      }
      return n;
    })(events);
    if (added > 0) for (const l of this.listeners) l();
    return added;
  }

  peek(limit: number): SeatEvent[] {
    const rows = this.peekStmt.all(limit) as { body: string }[];
    const out: SeatEvent[] = [];
    for (const row of rows) {
      // Rows were validated before they were stored; parse again so a damaged row cannot leave as garbage.
      const parsed = SeatEventSchema.safeParse(JSON.parse(row.body));
      if (parsed.success) out.push(parsed.data);
    }
    return out;
  }

  acknowledge(ids: readonly string[]): void {
    this.db.transaction((list: readonly string[]) => {
      for (const id of list) this.deleteStmt.run(id);
    })(ids);
  }

  onAdded(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  count(): number {
    return (this.countStmt.get() as { n: number }).n;
  }

  /** The findings raised and not yet cleared, as of the last run (so a restart neither repeats nor forgets them). */
  activeFindings(): Map<string, Finding> {
    const rows = this.db.prepare('SELECT key, body FROM active_findings').all() as {
      key: string;
      body: string;
    }[];
    return new Map(rows.map((r) => [r.key, JSON.parse(r.body) as Finding]));
  }

  /** Records finding changes and their events in one transaction. */
  recordFindingChanges(
    raised: Map<string, Finding>,
    cleared: readonly string[],
    events: readonly SeatEvent[],
  ): void {
    const up = this.db.prepare('INSERT OR REPLACE INTO active_findings (key, body) VALUES (?, ?)');
    const del = this.db.prepare('DELETE FROM active_findings WHERE key = ?');
    const now = Date.now();
    this.db.transaction(() => {
      for (const [key, f] of raised) up.run(key, JSON.stringify(f));
      for (const key of cleared) del.run(key);
      for (const e of events) {
        this.insertSeen.run(e.id, now);
        this.insertEvent.run(e.id, JSON.stringify(e), now);
      }
    })();
    if (events.length > 0) for (const l of this.listeners) l();
  }

  close(): void {
    this.db.close();
  }
}
