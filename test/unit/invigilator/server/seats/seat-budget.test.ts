import { expect, test } from 'vitest';
import {
  DEFAULT_SEAT_BUDGET,
  describeBudget,
  SeatBudget,
  TokenBucket,
} from '../../../../../invigilator/server/seats/seat-budget.ts';

test('a token bucket allows its burst, then its rate; what was taken in debt must be earned back', () => {
  const b = new TokenBucket(10 / 1000, 20, 0); // 10 a second, 20 at once
  for (let i = 0; i < 20; i++) expect(b.take(1, 0)).toBe(true);
  expect(b.take(1, 0)).toBe(false);
  expect(b.take(5, 0)).toBe(false); // now 6 in debt
  expect(b.inDebt(500)).toBe(true); // +5
  expect(b.inDebt(700)).toBe(false); // +7 in all
  expect(b.take(1, 700)).toBe(true);
  // Never more than its capacity, however long it waited.
  expect(b.take(20, 1_000_000)).toBe(true);
  expect(b.take(1, 1_000_000)).toBe(false);
});

test('a seat over its message, byte or event budget is told which', () => {
  const limits = {
    ...DEFAULT_SEAT_BUDGET,
    messagesPerSecond: 2,
    messageBurst: 3,
    byteBurst: 1000,
    bytesPerSecond: 100,
  };
  const seat = new SeatBudget(limits, 0);
  expect(seat.message(10, 0)).toBeNull();
  expect(seat.message(10, 0)).toBeNull();
  expect(seat.message(10, 0)).toBeNull();
  expect(seat.message(10, 0)).toBe('messages');
  expect(seat.overNow(0)).toBe('messages');
  expect(seat.overNow(1000)).toBeNull();
  expect(seat.message(2000, 1000)).toBe('bytes');
  const events = new SeatBudget({ ...DEFAULT_SEAT_BUDGET, eventBurst: 400, eventsPerMinute: 600 }, 0);
  expect(events.eventsReceived(200, 0)).toBeNull();
  expect(events.eventsReceived(200, 0)).toBeNull();
  expect(events.eventsReceived(200, 0)).toBe('events');
  // 600 a minute is 10 a second: 200 in debt is earned back in 20 s.
  expect(events.overNow(19_000)).toBe('events');
  expect(events.overNow(20_001)).toBeNull();
});

test('a normal agent stays well within the default budget for an hour', () => {
  const seat = new SeatBudget(DEFAULT_SEAT_BUDGET, 0);
  for (let s = 0; s < 3600; s++) {
    const now = s * 1000;
    expect(seat.message(150, now)).toBeNull(); // heartbeat
    if (s % 10 === 0) expect(seat.message(8000, now + 10)).toBeNull(); // a status
    if (s % 5 === 0) {
      expect(seat.message(600, now + 20)).toBeNull(); // an event
      expect(seat.eventsReceived(1, now + 20)).toBeNull();
    }
  }
  // And catching up on 1,000 events after the network was down, in 5 batches of 200.
  for (let i = 0; i < 5; i++) {
    expect(seat.message(60_000, 3_600_000 + i * 20)).toBeNull();
    expect(seat.eventsReceived(200, 3_600_000 + i * 20)).toBeNull();
  }
});

test('each budget is described in words with its numbers', () => {
  expect(describeBudget('events', DEFAULT_SEAT_BUDGET)).toBe(
    'more than 1200 events a minute (bursts of 1000)',
  );
  expect(describeBudget('messages', DEFAULT_SEAT_BUDGET)).toBe(
    'more than 20 messages a second (bursts of 100)',
  );
  expect(describeBudget('bytes', DEFAULT_SEAT_BUDGET)).toBe('more than 128 KB a second (bursts of 2 MB)');
  expect(describeBudget('stored', DEFAULT_SEAT_BUDGET)).toMatch(/^more than 10 MB of events in this sitting/);
});
