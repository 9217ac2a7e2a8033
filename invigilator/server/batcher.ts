/**
 * Writes gathered into batches: the first item waits `windowMs` for company, then everything queued
 * meanwhile (up to `maxItems`) is written in one call (one transaction, one disk sync) instead of one
 * per message. What a write does after it commits (acknowledging events to seats, sending gate
 * instructions) lives in `write`, so it happens only once the batch is stored. A write that throws
 * is reported to `onError` and its items are not retried here: their senders still hold them (seats
 * keep unacknowledged events in their outbox) or the console rebuilds them (gates on reconnect).
 * Only one write runs at a time; items that arrive during it go into the next batch, which starts
 * at once when a full batch is waiting and after the window otherwise.
 */
export interface BatcherOptions<T> {
  /** How long the first item of a batch waits for others. */
  windowMs: number;
  /** The most items one write takes (default: all that are queued). */
  maxItems?: number;
  /** Writes one batch; throws when it could not. */
  write(items: T[]): Promise<void>;
  /** A write threw: log it (the items are dropped from the queue, not retried). */
  onError(error: unknown, items: T[]): void;
}

export class Batcher<T> {
  private queue: { item: T; written: () => void }[] = [];
  private flushing: Promise<void> | null = null;
  private readonly maxItems: number;

  constructor(private readonly options: BatcherOptions<T>) {
    this.maxItems = options.maxItems ?? Number.POSITIVE_INFINITY;
  }

  /** Items waiting for a write. */
  get pending(): number {
    return this.queue.length;
  }

  /** Queues an item; the promise settles (never rejects) once the write that took it has finished. */
  add(item: T): Promise<void> {
    return new Promise<void>((written) => {
      this.queue.push({ item, written });
      this.schedule(false);
    });
  }

  /** Writes everything queued (after the current window), and waits until nothing is left. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private schedule(now: boolean): void {
    if (this.flushing || this.queue.length === 0) return;
    const wait = now
      ? new Promise<void>((r) => setImmediate(r))
      : new Promise<void>((r) => setTimeout(r, this.options.windowMs));
    this.flushing = wait.then(() => this.flush());
  }

  private async flush(): Promise<void> {
    const batch = this.queue.splice(0, this.maxItems);
    try {
      await this.options.write(batch.map((b) => b.item));
    } catch (error) {
      try {
        this.options.onError(
          error,
          batch.map((b) => b.item),
        );
      } catch {
        // A failing error report must not stop the batches behind it.
      }
    } finally {
      for (const b of batch) b.written();
      this.flushing = null;
      // A full batch waiting goes at once (other sockets are served between slices); a partial one
      // gathers company first.
      this.schedule(this.queue.length >= this.maxItems);
    }
  }
}
