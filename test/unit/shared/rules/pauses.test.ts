import { describe, expect, it } from 'vitest';
import { type PauseSpan, pausedMsFor } from '../../../../shared/rules/pauses.ts';

const MIN = 60_000;
const at = (hhmm: string) => `2026-03-10T${hhmm}:00.000Z`;
const attempt = { releasedAt: at('09:00'), finishedAt: at('10:00') };
const NOW = at('12:00');

describe('pausedMsFor', () => {
  it('counts the seat’s own pauses and the room’s, not another seat’s', () => {
    const pauses: PauseSpan[] = [
      { entryId: 'e1', startedAt: at('09:10'), endedAt: at('09:20') },
      { entryId: null, startedAt: at('09:30'), endedAt: at('09:35') },
      { entryId: 'e2', startedAt: at('09:40'), endedAt: at('09:55') },
    ];
    expect(pausedMsFor('e1', attempt, pauses, NOW)).toBe(15 * MIN);
    expect(pausedMsFor('e2', attempt, pauses, NOW)).toBe(20 * MIN);
  });

  it('counts overlapping seat and room pauses once', () => {
    const pauses: PauseSpan[] = [
      { entryId: 'e1', startedAt: at('09:10'), endedAt: at('09:30') },
      { entryId: null, startedAt: at('09:20'), endedAt: at('09:40') },
      { entryId: null, startedAt: at('09:25'), endedAt: at('09:26') },
    ];
    expect(pausedMsFor('e1', attempt, pauses, NOW)).toBe(30 * MIN);
  });

  it('clips to the attempt: before release and after finish do not count', () => {
    const pauses: PauseSpan[] = [
      { entryId: null, startedAt: at('08:30'), endedAt: at('09:05') },
      { entryId: 'e1', startedAt: at('09:50'), endedAt: at('10:30') },
      { entryId: null, startedAt: at('10:10'), endedAt: at('10:20') },
    ];
    expect(pausedMsFor('e1', attempt, pauses, NOW)).toBe(15 * MIN);
  });

  it('an open pause runs to the finish, or to now while the attempt runs', () => {
    const pauses: PauseSpan[] = [{ entryId: 'e1', startedAt: at('09:45'), endedAt: null }];
    expect(pausedMsFor('e1', attempt, pauses, NOW)).toBe(15 * MIN);
    expect(pausedMsFor('e1', { ...attempt, finishedAt: null }, pauses, at('09:50'))).toBe(5 * MIN);
  });

  it('is 0 for an entry never released', () => {
    const pauses: PauseSpan[] = [{ entryId: null, startedAt: at('09:10'), endedAt: at('09:20') }];
    expect(pausedMsFor('e1', { releasedAt: null, finishedAt: null }, pauses, NOW)).toBe(0);
  });
});
