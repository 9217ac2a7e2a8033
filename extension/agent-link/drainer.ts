/**
 * Drains the outbox through a transport: oldest first, one batch in flight at a time, deleted
 * only when acknowledged. A batch not acknowledged in time, or in flight when the link drops,
 * is sent again (receivers are idempotent on event ids), so nothing is lost and nothing doubled.
 */
import { MAX_EVENTS_PER_BATCH } from '../../shared/schemas/native-constants.ts';
import type { Outbox } from './outbox.ts';
import type { EventTransport } from './transport.ts';

export interface DrainerOptions {
  batchSize?: number;
  /** After this long without an acknowledgement, the batch is sent again. */
  ackTimeoutMs?: number;
}

export class OutboxDrainer {
  readonly #inflight = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running = false;
  #again = false;
  readonly #batchSize: number;
  readonly #ackTimeoutMs: number;

  constructor(
    private readonly outbox: Outbox,
    private readonly transport: EventTransport,
    options: DrainerOptions = {},
  ) {
    this.#batchSize = options.batchSize ?? MAX_EVENTS_PER_BATCH;
    this.#ackTimeoutMs = options.ackTimeoutMs ?? 15_000;
  }

  /** Sends the next batch if the transport is ready and nothing is awaiting acknowledgement. */
  async kick(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    try {
      do {
        this.#again = false;
        await this.#sendNext();
      } while (this.#again);
    } catch (error) {
      console.error('[invigil] outbox drain', error);
    } finally {
      this.#running = false;
    }
  }

  async #sendNext(): Promise<void> {
    if (!this.transport.ready.get() || this.#inflight.size > 0) return;
    const batch = await this.outbox.oldest(this.#batchSize);
    if (batch.length === 0 || !this.transport.ready.get()) return;
    if (!this.transport.send(batch)) return;
    for (const e of batch) this.#inflight.add(e.id);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#inflight.clear();
      void this.kick();
    }, this.#ackTimeoutMs);
  }

  /** The receiver stored these ids: delete them, then send what is next. */
  async acknowledged(ids: readonly string[]): Promise<void> {
    await this.outbox.acknowledge(ids);
    for (const id of ids) this.#inflight.delete(id);
    if (this.#inflight.size === 0) clearTimeout(this.#timer);
    await this.kick();
  }

  /** The link dropped: whatever was in flight will be sent again. */
  reset(): void {
    this.#inflight.clear();
    clearTimeout(this.#timer);
  }
}
