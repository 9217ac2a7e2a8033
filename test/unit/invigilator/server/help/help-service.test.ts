/** The Help summoned incident's text: who asked, from where and why, and who acknowledged it how soon. */
import { expect, test } from 'vitest';
import { helpDescription } from '../../../../../invigilator/server/help/help-service.ts';

const asked = {
  room: 'Room 2',
  reason: 'it-failure' as const,
  note: null,
  askedAt: '2026-03-03T10:00:00.000Z',
  askedBy: { name: 'Sam Rivera' },
  acknowledgedAt: null,
  acknowledgedBy: null,
};

test('asked and not yet acknowledged', () => {
  expect(helpDescription(asked)).toBe(
    'IT failure: help summoned to Room 2 by Sam Rivera at 10:00:00 UTC. Not yet acknowledged.',
  );
});

test('acknowledged: by whom, when, and after how long (seconds, then minutes)', () => {
  expect(
    helpDescription({
      ...asked,
      note: 'PC-07 froze',
      acknowledgedAt: '2026-03-03T10:00:45.000Z',
      acknowledgedBy: { name: 'Dana Okafor' },
    }),
  ).toBe(
    'IT failure: help summoned to Room 2 by Sam Rivera at 10:00:00 UTC. "PC-07 froze" Acknowledged by Dana Okafor at 10:00:45 UTC (after 45 s).',
  );
  expect(
    helpDescription({
      ...asked,
      acknowledgedAt: '2026-03-03T10:05:00.000Z',
      acknowledgedBy: { name: 'Dana' },
    }),
  ).toMatch(/\(after 5 min\)\.$/);
});
