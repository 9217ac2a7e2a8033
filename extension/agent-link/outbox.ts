/**
 * The durable outbox: every seat event waits here (IndexedDB, via idb) until the next hop
 * acknowledges its id. It survives the service worker being stopped and the browser restarting.
 * Writes are `strict` (flushed to disk before they count as done): an event is logged once.
 */
import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import type { SeatEvent } from '../../shared/schemas/events.ts';

export const OUTBOX_DB = 'invigil';
export const OUTBOX_STORE = 'outbox';
const VERSION = 1;

interface OutboxSchema extends DBSchema {
  outbox: {
    /** Auto-incremented: the order events were logged in. */
    key: number;
    value: SeatEvent;
    indexes: { 'by-id': string };
  };
}

export class Outbox {
  readonly #db: Promise<IDBPDatabase<OutboxSchema>>;

  constructor(name = OUTBOX_DB) {
    this.#db = openDB<OutboxSchema>(name, VERSION, {
      upgrade(db) {
        const store = db.createObjectStore(OUTBOX_STORE, { autoIncrement: true });
        store.createIndex('by-id', 'id', { unique: true });
      },
    });
  }

  /** Adds an event; adding an id that is already waiting does nothing (idempotent). */
  async add(event: SeatEvent): Promise<void> {
    const db = await this.#db;
    const tx = db.transaction(OUTBOX_STORE, 'readwrite', { durability: 'strict' });
    const existing = await tx.store.index('by-id').getKey(event.id);
    if (existing === undefined) await tx.store.add(event);
    await tx.done;
  }

  /** The oldest waiting events, in the order they were logged. */
  async oldest(limit: number): Promise<SeatEvent[]> {
    return (await this.#db).getAll(OUTBOX_STORE, null, limit);
  }

  /** Deletes acknowledged events; returns how many were waiting. Unknown ids are ignored. */
  async acknowledge(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const db = await this.#db;
    const tx = db.transaction(OUTBOX_STORE, 'readwrite', { durability: 'strict' });
    const index = tx.store.index('by-id');
    let deleted = 0;
    for (const id of ids) {
      const key = await index.getKey(id);
      if (key !== undefined) {
        await tx.store.delete(key);
        deleted++;
      }
    }
    await tx.done;
    return deleted;
  }

  async count(): Promise<number> {
    return (await this.#db).count(OUTBOX_STORE);
  }
}
