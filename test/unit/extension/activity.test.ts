import { describe, expect, test } from 'vitest';
import { focusLost, focusReturned } from '../../../extension/features/activity/focus.ts';

describe('the browser losing focus to another application', () => {
  const nine = new Date('2026-06-01T09:00:00.000Z');

  test('a loss is recorded from when it began', () => {
    expect(focusLost({ lostAt: null }, nine)).toEqual({
      kind: 'lost',
      state: { lostAt: nine.toISOString() },
    });
  });

  test('coming back reports how long the candidate was away', () => {
    const back = focusReturned({ lostAt: nine.toISOString() }, new Date('2026-06-01T09:00:42.250Z'));
    expect(back).toEqual({ kind: 'returned', state: { lostAt: null }, awayMs: 42_250 });
  });

  test('a second loss while away, or a return while present, is not an event', () => {
    expect(focusLost({ lostAt: nine.toISOString() }, new Date()).kind).toBe('none');
    expect(focusReturned({ lostAt: null }, new Date()).kind).toBe('none');
  });

  test('a clock that went backwards never gives a negative time away', () => {
    const back = focusReturned({ lostAt: nine.toISOString() }, new Date('2026-06-01T08:59:00.000Z'));
    expect(back).toMatchObject({ kind: 'returned', awayMs: 0 });
  });
});
