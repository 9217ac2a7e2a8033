import { describe, expect, test } from 'vitest';
import { incidentFromEvent } from '../../../shared/catalogs/incidents.ts';
import { SHORT_RETAKE_QUALIFICATIONS } from '../../../shared/catalogs/qualifications.ts';
import {
  type Attempt,
  attemptLimitWarning,
  dailyLimitWarnings,
  extraTimeWarning,
  localDay,
  type RuleEntry,
  type RuleSitting,
  ratioWarning,
  retakeWaitHours,
  retakeWarning,
  sittingWarnings,
} from '../../../shared/rules/centre.ts';

const entry = (over: Partial<RuleEntry> = {}): RuleEntry => ({
  id: 'e1',
  candidateName: 'Amira Hussain',
  registrationNumber: 'REG-1',
  qualificationNumber: '601/0531/8',
  qualificationType: 'other',
  assessment: 'Unit 1 online test',
  durationMinutes: 60,
  extraMinutes: 0,
  reasonableAdjustment: null,
  ...over,
});

const attempt = (over: Partial<Attempt> = {}): Attempt => ({
  sittingId: 'earlier',
  registrationNumber: 'REG-1',
  qualificationNumber: '601/0531/8',
  assessment: 'Unit 1 online test',
  startsAt: '2026-03-02T09:00:00+00:00',
  outcome: 'failed',
  ...over,
});

describe('at most 15 candidates per invigilator', () => {
  test('15 with one invigilator is fine; 16 needs a second', () => {
    expect(ratioWarning(15, 1)).toBeNull();
    expect(ratioWarning(16, 1)?.message).toBe(
      '16 candidates with 1 invigilator(s): at most 15 per invigilator, so 2 are needed.',
    );
    expect(ratioWarning(30, 2)).toBeNull();
    expect(ratioWarning(31, 2)?.rule).toBe('ratio');
  });
  test('candidates with no invigilator at all are a warning; an empty sitting is not', () => {
    expect(ratioWarning(1, 0)?.message).toMatch(/no invigilator/);
    expect(ratioWarning(0, 0)).toBeNull();
  });
});

describe('extra time over 25% needs a recorded reasonable adjustment', () => {
  test('exactly 25% is allowed without one', () => {
    expect(extraTimeWarning(entry({ durationMinutes: 60, extraMinutes: 15 }))).toBeNull();
  });
  test('more than 25% without an adjustment is a warning naming the share', () => {
    expect(extraTimeWarning(entry({ durationMinutes: 60, extraMinutes: 16 }))?.message).toContain('27%');
  });
  test('more than 25% with a recorded adjustment is fine; a blank one does not count', () => {
    expect(extraTimeWarning(entry({ extraMinutes: 30, reasonableAdjustment: 'RA ref 2291' }))).toBeNull();
    expect(extraTimeWarning(entry({ extraMinutes: 30, reasonableAdjustment: '  ' }))).not.toBeNull();
  });
});

describe('retake waits', () => {
  test('48 hours normally, 2 hours for each qualification listed in the operating manual', () => {
    expect(retakeWaitHours('601/0531/8')).toBe(48);
    for (const q of Object.keys(SHORT_RETAKE_QUALIFICATIONS)) expect(retakeWaitHours(q)).toBe(2);
    expect(Object.keys(SHORT_RETAKE_QUALIFICATIONS)).toHaveLength(13);
    expect(retakeWaitHours(' 601/8928/9 ')).toBe(2);
  });
  test('a retake 47 hours after a failure is too soon; 48 hours is fine', () => {
    const e = entry();
    expect(retakeWarning(e, '2026-03-04T08:00:00+00:00', [attempt()])?.message).toContain('47 hours');
    expect(retakeWarning(e, '2026-03-04T09:00:00+00:00', [attempt()])).toBeNull();
  });
  test('offsets are respected: 09:00+01:00 is 08:00 UTC', () => {
    expect(retakeWarning(entry(), '2026-03-04T09:00:00+01:00', [attempt()])).not.toBeNull();
  });
  test('the 2-hour list: 1 hour later is too soon, 2 hours is fine', () => {
    const mot = entry({ qualificationNumber: '601/8928/9' });
    const failed = attempt({ qualificationNumber: '601/8928/9' });
    expect(retakeWarning(mot, '2026-03-02T10:00:00+00:00', [failed])?.message).toContain(
      'the wait is 2 hours',
    );
    expect(retakeWarning(mot, '2026-03-02T11:00:00+00:00', [failed])).toBeNull();
  });
  test('only a failed attempt at the same assessment by the same candidate counts', () => {
    const soon = '2026-03-02T12:00:00+00:00';
    expect(retakeWarning(entry(), soon, [attempt({ outcome: 'passed' })])).toBeNull();
    expect(retakeWarning(entry(), soon, [attempt({ registrationNumber: 'REG-2' })])).toBeNull();
    expect(retakeWarning(entry(), soon, [attempt({ assessment: 'Unit 2 online test' })])).toBeNull();
    expect(retakeWarning(entry(), soon, [attempt({ assessment: '  unit 1 ONLINE test ' })])).not.toBeNull();
  });
});

describe('retakes use real attempts once they are recorded', () => {
  test('the wait runs from the failed attempt’s finish, not from the sitting’s planned start', () => {
    // Planned for 09:00, released at 09:40, finished at 11:10: 48 hours run from 11:10.
    const failed = attempt({
      releasedAt: '2026-03-02T09:40:00.000Z',
      finishedAt: '2026-03-02T11:10:00.000Z',
    });
    expect(retakeWarning(entry(), '2026-03-04T10:00:00+00:00', [failed])?.message).toContain('46 hours');
    expect(retakeWarning(entry(), '2026-03-04T11:10:00+00:00', [failed])).toBeNull();
  });
  test('an attempt released later the same day is still before a retake planned for the evening', () => {
    const failed = attempt({
      startsAt: '2026-03-02T09:00:00+00:00',
      releasedAt: '2026-03-02T13:00:00.000Z',
      finishedAt: '2026-03-02T13:30:00.000Z',
      qualificationNumber: '601/8928/9',
    });
    const mot = entry({ qualificationNumber: '601/8928/9' });
    expect(retakeWarning(mot, '2026-03-02T14:30:00+00:00', [failed])?.message).toContain('60 minutes');
    expect(retakeWarning(mot, '2026-03-02T15:30:00+00:00', [failed])).toBeNull();
  });
});

describe('attempt limits for key stage 4 and 5', () => {
  const at = '2026-06-01T09:00:00+00:00';
  const two = [
    attempt({ startsAt: '2026-03-01T09:00:00+00:00' }),
    attempt({ startsAt: '2026-04-01T09:00:00+00:00' }),
  ];
  test('KS4 technical awards and KS5 technical certificates allow 2 attempts', () => {
    expect(
      attemptLimitWarning(entry({ qualificationType: 'ks4-technical-award' }), at, two.slice(0, 1)),
    ).toBeNull();
    expect(
      attemptLimitWarning(entry({ qualificationType: 'ks4-technical-award' }), at, two)?.message,
    ).toContain('attempt 3');
    expect(
      attemptLimitWarning(entry({ qualificationType: 'ks5-technical-certificate' }), at, two),
    ).not.toBeNull();
  });
  test('KS5 tech levels allow 3; other qualifications have no limit here', () => {
    expect(attemptLimitWarning(entry({ qualificationType: 'ks5-tech-level' }), at, two)).toBeNull();
    const three = [...two, attempt({ startsAt: '2026-05-01T09:00:00+00:00', outcome: 'passed' })];
    expect(attemptLimitWarning(entry({ qualificationType: 'ks5-tech-level' }), at, three)).not.toBeNull();
    expect(attemptLimitWarning(entry({ qualificationType: 'other' }), at, three)).toBeNull();
  });
  test('an absence is not an attempt, and later sittings do not count', () => {
    const absent = [attempt({ outcome: 'absent' }), attempt({ outcome: 'absent' })];
    expect(attemptLimitWarning(entry({ qualificationType: 'ks4-technical-award' }), at, absent)).toBeNull();
    const later = two.map((a) => ({ ...a, startsAt: '2026-07-01T09:00:00+00:00' }));
    expect(attemptLimitWarning(entry({ qualificationType: 'ks4-technical-award' }), at, later)).toBeNull();
  });
});

describe('no more than two online assessments a day', () => {
  const sitting = (entries: RuleEntry[], startsAt = '2026-03-05T14:00:00+00:00'): RuleSitting => ({
    id: 's-now',
    startsAt,
    invigilatorCount: 1,
    entries,
  });
  test('a third assessment that day, counting other sittings, is a warning', () => {
    const morning = [
      attempt({ sittingId: 'a', startsAt: '2026-03-05T09:00:00+00:00', outcome: 'not-known' }),
      attempt({
        sittingId: 'b',
        startsAt: '2026-03-05T11:00:00+00:00',
        outcome: 'passed',
        assessment: 'Unit 2',
      }),
    ];
    const w = dailyLimitWarnings(sitting([entry()]), morning);
    expect(w).toHaveLength(1);
    expect(w[0]?.message).toContain('3 online assessments on 2026-03-05');
  });
  test('two are fine; another day and absences do not count', () => {
    expect(
      dailyLimitWarnings(sitting([entry()]), [
        attempt({ sittingId: 'a', startsAt: '2026-03-05T09:00:00+00:00' }),
      ]),
    ).toEqual([]);
    const other = [
      attempt({ sittingId: 'a', startsAt: '2026-03-04T09:00:00+00:00' }),
      attempt({ sittingId: 'b', startsAt: '2026-03-05T09:00:00+00:00', outcome: 'absent' }),
      attempt({ sittingId: 'c', startsAt: '2026-03-05T10:00:00+00:00' }),
    ];
    expect(dailyLimitWarnings(sitting([entry()]), other)).toEqual([]);
  });
  test('the day is the one written in the sitting’s own offset', () => {
    expect(localDay('2026-03-05T00:30:00+01:00')).toBe('2026-03-05');
  });
  test('sittingWarnings puts sitting-wide warnings first and ignores the sitting’s own history', () => {
    const entries = Array.from({ length: 16 }, (_, i) => entry({ id: `e${i}`, registrationNumber: `R${i}` }));
    entries[3] = entry({ id: 'e3', registrationNumber: 'R3', extraMinutes: 30 });
    const w = sittingWarnings(sitting(entries), [attempt({ sittingId: 's-now', registrationNumber: 'R1' })]);
    expect(w.map((x) => x.rule)).toEqual(['ratio', 'extra-time']);
    expect(w[1]?.entryId).toBe('e3');
  });
});

describe('automatic incidents from seat events', () => {
  const base = { id: 'evt-00000001', at: '2026-03-05T09:00:00.000Z' };
  test('a blocked site, focus loss and a display added become incidents in plain English', () => {
    expect(
      incidentFromEvent({
        ...base,
        type: 'event/blocked-navigation',
        url: 'http://x.example/',
        reason: 'not-allowed',
        frame: 'main',
      }),
    ).toEqual({
      kind: 'site-blocked',
      description: 'Tried to open a site outside the assessment: http://x.example/',
    });
    expect(incidentFromEvent({ ...base, type: 'event/focus-lost' })?.kind).toBe('focus-lost');
    expect(
      incidentFromEvent({
        ...base,
        type: 'event/finding-raised',
        finding: {
          code: 'display-count',
          severity: 'block',
          message: 'Two displays are connected',
          subject: 'HDMI-1',
        },
      }),
    ).toEqual({ kind: 'display-added', description: 'Two displays are connected (HDMI-1)' });
    expect(
      incidentFromEvent({
        ...base,
        type: 'event/finding-raised',
        finding: { code: 'password-manager', severity: 'block', message: 'A password manager is running' },
      })?.kind,
    ).toBe('password-manager');
  });
  test('routine events are not incidents', () => {
    expect(incidentFromEvent({ ...base, type: 'event/agent-started', version: '1' })).toBeNull();
    expect(incidentFromEvent({ ...base, type: 'event/focus-returned', awayMs: 10 })).toBeNull();
    expect(
      incidentFromEvent({
        ...base,
        type: 'event/blocked-navigation',
        url: 'http://a/',
        reason: 'held',
        frame: 'main',
      }),
    ).toBeNull();
    expect(
      incidentFromEvent({
        ...base,
        type: 'event/finding-raised',
        finding: { code: 'downloads-allowed', severity: 'info', message: 'x' },
      }),
    ).toBeNull();
  });
});
