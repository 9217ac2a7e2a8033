import { afterEach, expect, test } from 'vitest';
import {
  type RefusalSummary,
  RefusalTracker,
} from '../../../../../invigilator/server/seats/seat-refusals.ts';

let tracker: RefusalTracker | undefined;
afterEach(() => tracker?.close());

test('five refusals for one seat within ten minutes are reported, with every refusal counted', async () => {
  const reports: RefusalSummary[][] = [];
  tracker = new RefusalTracker(async (s) => {
    reports.push(s);
  });
  const t0 = 1_000_000;
  for (let i = 0; i < 4; i++) tracker.refused('seat-a', '10.0.0.9', t0 + i * 60_000);
  await tracker.flush(t0 + 4 * 60_000);
  expect(reports).toHaveLength(0);
  expect(tracker.refused('seat-a', '10.0.0.10', t0 + 5 * 60_000)).toBe(false);
  await tracker.flush(t0 + 5 * 60_000);
  expect(reports).toEqual([
    [
      {
        seatId: 'seat-a',
        firstAt: new Date(t0).toISOString(),
        lastAt: new Date(t0 + 5 * 60_000).toISOString(),
        count: 5,
        addresses: ['10.0.0.9', '10.0.0.10'],
      },
    ],
  ]);
  // Later refusals are reported as they come, once each.
  expect(tracker.refused('seat-a', '10.0.0.9', t0 + 6 * 60_000)).toBe(true);
  await tracker.flush(t0 + 6 * 60_000);
  await tracker.flush(t0 + 6 * 60_000);
  expect(reports[1]?.[0]?.count).toBe(1);
  expect(reports).toHaveLength(2);
});

test('refusals spread thinner than five in ten minutes never become a notice', async () => {
  const reports: RefusalSummary[][] = [];
  tracker = new RefusalTracker(async (s) => {
    reports.push(s);
  });
  for (let i = 0; i < 20; i++) {
    tracker.refused('seat-b', '10.0.0.1', i * 3 * 60_000);
    await tracker.flush(i * 3 * 60_000);
  }
  expect(reports).toHaveLength(0);
});
