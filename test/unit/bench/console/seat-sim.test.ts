/** The seat simulator's bookkeeping: how seats are split over workers and how status changes are timed. */
import { describe, expect, test } from 'vitest';
import {
  type FromWorker,
  type SeatAssignment,
  splitSeats,
  timings,
} from '../../../../bench/console/seat-sim.ts';

const seat = (i: number, console = 0): SeatAssignment => ({
  seatId: `seat-${i}`,
  credential: 'x'.repeat(43),
  pcName: `PC-${i}`,
  console,
});

test('splitSeats deals seats round-robin, so every worker drives seats of every console', () => {
  const seats = [seat(0, 0), seat(1, 1), seat(2, 0), seat(3, 1), seat(4, 0)];
  const parts = splitSeats(seats, 2);
  expect(parts.map((p) => p.map((s) => s.seatId))).toEqual([
    ['seat-0', 'seat-2', 'seat-4'],
    ['seat-1', 'seat-3'],
  ]);
});

describe('timings', () => {
  const done = (sent: string[]): FromWorker => ({
    type: 'done',
    sent,
    heartbeats: 0,
    eventsSent: 0,
    eventsLeft: 0,
    reconnects: 0,
    consoleErrors: 0,
    loopDelayP99Ms: 0,
  });
  const consoleOf = new Map([
    ['a', 0],
    ['b', 1],
  ]);

  test('times each change to the dashboard on the other console, and to its own beside it', () => {
    const ka = 'a|bench:1000:1';
    const kb = 'b|bench:2000:2';
    const onConsole0 = new Map([
      [ka, 1010],
      [kb, 2300],
    ]);
    const onConsole1 = new Map([[ka, 1500]]);
    const t = timings([done([ka, kb])], consoleOf, [onConsole0, onConsole1]);
    expect(t.sent).toBe(2);
    // a (console 0) seen on console 1 after 500 ms; b (console 1) seen on console 0 after 300 ms.
    expect(t.other.sort()).toEqual([300, 500]);
    // a seen on its own console after 10 ms; b never seen on its own.
    expect(t.own).toEqual([10]);
    expect(t.notSeenOwn).toBe(1);
    expect(t.notSeenOther).toBe(0);
  });

  test('with one console, the other console is the same one', () => {
    const ka = 'a|bench:1000:1';
    const t = timings([done([ka])], new Map([['a', 0]]), [new Map([[ka, 1040]])]);
    expect(t.other).toEqual([40]);
    expect(t.own).toEqual([40]);
  });

  test('a change no dashboard saw counts as not seen, not as a latency', () => {
    const t = timings([done(['a|bench:1000:1'])], consoleOf, [new Map(), new Map()]);
    expect(t.other).toEqual([]);
    expect(t.notSeenOther).toBe(1);
    expect(t.notSeenOtherFrom).toEqual([1, 0]);
  });
});
