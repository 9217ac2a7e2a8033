/**
 * The one batcher behind the seat hub's writes (events, gate instructions, instruction
 * acknowledgements): a burst becomes few writes, nothing is lost or written twice, what follows a
 * write (the acknowledgement) happens only after it, a failed write is reported and does not stop the
 * batches behind it, one write runs at a time, and drain() leaves nothing behind.
 */
import { describe, expect, test } from 'vitest';
import { Batcher } from '../../../../invigilator/server/batcher.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function recorder(
  options: { windowMs?: number; maxItems?: number; failOn?: (items: number[]) => boolean } = {},
) {
  const writes: number[][] = [];
  const errors: number[][] = [];
  let running = 0;
  let overlapped = false;
  const batcher = new Batcher<number>({
    windowMs: options.windowMs ?? 5,
    ...(options.maxItems ? { maxItems: options.maxItems } : {}),
    async write(items) {
      running++;
      if (running > 1) overlapped = true;
      await sleep(2);
      running--;
      if (options.failOn?.(items)) throw new Error('disk full');
      writes.push(items);
    },
    onError(_error, items) {
      errors.push(items);
    },
  });
  return { batcher, writes, errors, overlapped: () => overlapped };
}

describe('Batcher', () => {
  test('a burst within the window is one write, in the order it arrived', async () => {
    const r = recorder();
    const done = Array.from({ length: 50 }, (_, i) => r.batcher.add(i));
    await Promise.all(done);
    expect(r.writes).toEqual([Array.from({ length: 50 }, (_, i) => i)]);
  });

  test('an item is settled only after the write that took it has finished', async () => {
    const r = recorder({ windowMs: 20 });
    let settled = false;
    const p = r.batcher.add(1).then(() => {
      settled = true;
    });
    await sleep(5);
    expect(settled).toBe(false);
    expect(r.writes).toEqual([]);
    await p;
    expect(r.writes).toEqual([[1]]);
  });

  test('maxItems slices a burst; every item is written exactly once, one write at a time', async () => {
    const r = recorder({ maxItems: 7 });
    const items = Array.from({ length: 100 }, (_, i) => i);
    await Promise.all(items.map((i) => r.batcher.add(i)));
    expect(r.writes.every((w) => w.length <= 7)).toBe(true);
    expect(r.writes.flat()).toEqual(items);
    expect(r.overlapped()).toBe(false);
  });

  test('items that arrive during a write go into the next one, not lost', async () => {
    const writes: number[][] = [];
    let release: () => void = () => undefined;
    let started: () => void = () => undefined;
    const writing = new Promise<void>((r) => {
      started = r;
    });
    const b = new Batcher<number>({
      windowMs: 1,
      async write(items) {
        writes.push(items);
        if (writes.length === 1) {
          started();
          await new Promise<void>((r) => {
            release = r;
          });
        }
      },
      onError() {},
    });
    const first = b.add(1);
    await writing; // the first write has begun and is held open
    const later = [b.add(2), b.add(3)];
    expect(writes).toEqual([[1]]);
    release();
    await Promise.all([first, ...later]);
    expect(writes).toEqual([[1], [2, 3]]);
  });

  test('a failed write is reported with its items, settles them, and the next batch is still written', async () => {
    const r = recorder({ failOn: (items) => items.includes(1) });
    await Promise.all([r.batcher.add(1), r.batcher.add(2)]);
    expect(r.errors).toEqual([[1, 2]]);
    await r.batcher.add(3);
    expect(r.writes).toEqual([[3]]);
  });

  test('an onError that throws does not stop the batcher', async () => {
    const writes: number[][] = [];
    const b = new Batcher<number>({
      windowMs: 1,
      async write(items) {
        if (items.includes(0)) throw new Error('no');
        writes.push(items);
      },
      onError() {
        throw new Error('the logger broke too');
      },
    });
    await b.add(0);
    await b.add(1);
    expect(writes).toEqual([[1]]);
  });

  test('drain() waits until everything queued is written, slices included', async () => {
    const r = recorder({ maxItems: 3, windowMs: 30 });
    for (let i = 0; i < 10; i++) void r.batcher.add(i);
    expect(r.batcher.pending).toBe(10);
    await r.batcher.drain();
    expect(r.batcher.pending).toBe(0);
    expect(r.writes.flat()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
