import { describe, expect, test } from 'vitest';
import {
  type AnomalyInput,
  type AnomalySitting,
  anomalyReport,
  localTime,
} from '../../../../shared/rules/anomalies.ts';
import {
  type AnomalyFlag,
  type AnomalyRule,
  CentreHoursSchema,
  DEFAULT_CENTRE_HOURS,
} from '../../../../shared/schemas/anomalies.ts';
import type { CandidateAttempt } from '../../../../shared/schemas/attempts.ts';

/**
 * Made-up histories that trigger, and just fail to trigger, each of the quality assurer's flags.
 * The centre is in London; March 2026 is GMT (+00:00) until the 29th, then BST (+01:00).
 */

const HOURS = { ...DEFAULT_CENTRE_HOURS, timeZone: 'Europe/London' };
const RANGE = { from: '2026-03-01', to: '2026-03-31' };
const MIN = 60_000;

let n = 0;
function attempt(over: Partial<CandidateAttempt> = {}): CandidateAttempt {
  n++;
  return {
    sittingId: 'set-by-sitting',
    entryId: `entry-${n}`,
    candidateName: 'Amira Hussain',
    registrationNumber: 'REG-1',
    qualificationNumber: '601/0531/8',
    qualificationType: 'other',
    assessment: 'Unit 1 online test',
    startsAt: 'set-by-sitting',
    durationMinutes: 60,
    extraMinutes: 0,
    reasonableAdjustment: null,
    seatId: 'seat-1',
    pcName: 'PC-01',
    identityCheckedAt: null,
    releasedAt: null,
    finishedAt: null,
    finishedHow: null,
    pausedMs: 0,
    outcome: 'not-known',
    ...over,
  };
}

/** An attempt that was checked, released at `at` and finished `minutes` later. */
function sat(at: string, minutes: number, over: Partial<CandidateAttempt> = {}): CandidateAttempt {
  const released = Date.parse(at);
  return attempt({
    identityCheckedAt: new Date(released - MIN).toISOString(),
    releasedAt: new Date(released).toISOString(),
    finishedAt: new Date(released + minutes * MIN).toISOString(),
    finishedHow: 'finished',
    outcome: 'passed',
    ...over,
  });
}

let s = 0;
function sitting(
  startsAt: string,
  attempts: CandidateAttempt[],
  over: Partial<AnomalySitting> = {},
): AnomalySitting {
  s++;
  const id = over.id ?? `sitting-${s}`;
  return {
    id,
    room: 'Room 4',
    startsAt,
    invigilatorCount: 1,
    ...over,
    attempts: attempts.map((a) => ({ ...a, sittingId: id, startsAt })),
  };
}

function report(sittings: AnomalySitting[], over: Partial<AnomalyInput> = {}): AnomalyFlag[] {
  return anomalyReport({ sittings, incidents: [], hours: HOURS, range: RANGE, ...over });
}
const only = (flags: AnomalyFlag[], rule: AnomalyRule) => flags.filter((f) => f.rule === rule);

describe('the centre clock', () => {
  test('instants are read on the centre clock, across the change to summer time', () => {
    expect(localTime('2026-03-03T08:30:00Z', 'Europe/London')).toMatchObject({
      day: '2026-03-03',
      weekday: 2,
      clock: '08:30',
    });
    expect(localTime('2026-03-30T07:30:00Z', 'Europe/London').clock).toBe('08:30');
    expect(localTime('2026-03-03T23:30:00-05:00', 'Europe/London')).toMatchObject({
      day: '2026-03-04',
      clock: '04:30',
    });
  });
  test('centre hours are checked: a real time zone, opening before closing, each day once', () => {
    expect(CentreHoursSchema.safeParse(HOURS).success).toBe(true);
    const bad = (over: object) =>
      CentreHoursSchema.safeParse({ ...HOURS, ...over }).error?.issues[0]?.message;
    expect(bad({ timeZone: 'Mars/Olympus' })).toMatch(/time zone/);
    expect(bad({ opens: '18:00', closes: '08:00' })).toMatch(/open before it closes/);
    expect(bad({ opens: '8:00' })).toMatch(/08:30/);
    expect(bad({ days: [1, 1] })).toMatch(/twice/);
    expect(bad({ days: [] })).toMatch(/at least one day/);
  });
});

describe('sittings at unusual times', () => {
  test('a Saturday sitting, and one before opening, are flagged with the hours; a Tuesday at 09:30 is not', () => {
    const flags = only(
      report([
        sitting('2026-03-07T10:00:00+00:00', [attempt()], { id: 'saturday' }),
        sitting('2026-03-03T07:15:00+00:00', [attempt()], { id: 'early' }),
        sitting('2026-03-03T09:30:00+00:00', [attempt()], { id: 'normal' }),
      ]),
      'unusual-time',
    );
    expect(flags.map((f) => f.sittingId).sort()).toEqual(['early', 'saturday']);
    expect(flags.find((f) => f.sittingId === 'saturday')?.message).toBe(
      "Sitting in Room 4 on Saturday 7 Mar 2026 at 10:00. It was planned to start on a Saturday. The centre's hours are Monday to Friday, 08:00 to 18:00.",
    );
    expect(flags.find((f) => f.sittingId === 'early')?.message).toContain('before the centre opens at 08:00');
  });
  test('the last minute before closing is inside the hours; closing time itself is outside', () => {
    expect(only(report([sitting('2026-03-03T17:59:00+00:00', [attempt()])]), 'unusual-time')).toEqual([]);
    expect(only(report([sitting('2026-03-03T18:00:00+00:00', [attempt()])]), 'unusual-time')).toHaveLength(1);
  });
  test('a sitting planned in hours whose candidate was released in the evening is flagged, naming the candidate', () => {
    const late = sat('2026-03-03T19:05:00Z', 40, { candidateName: 'Ben Carter' });
    const [flag] = only(report([sitting('2026-03-03T16:00:00+00:00', [late])]), 'unusual-time');
    expect(flag?.message).toContain('Ben Carter at 19:05, after the centre closes at 18:00');
  });
  test('the centre sets its hours: with Saturdays open, a Saturday morning is usual', () => {
    const hours = { ...HOURS, days: [1, 2, 3, 4, 5, 6] };
    expect(
      only(report([sitting('2026-03-07T10:00:00+00:00', [attempt()])], { hours }), 'unusual-time'),
    ).toEqual([]);
  });
  test('times are judged on the centre clock: 08:30 BST written in UTC is in hours', () => {
    expect(only(report([sitting('2026-03-30T07:30:00Z', [attempt()])]), 'unusual-time')).toEqual([]);
  });
  test('sittings outside the range are not flagged', () => {
    expect(
      report([sitting('2026-02-28T10:00:00+00:00', [attempt()])], { range: RANGE }).map((f) => f.rule),
    ).toEqual([]);
  });
});

describe('attempts much shorter than the median for that assessment', () => {
  const times = [38, 40, 41, 42, 45];
  const history = () =>
    times.map((m, i) =>
      sitting(`2026-03-0${i + 2}T09:00:00+00:00`, [
        sat(`2026-03-0${i + 2}T09:05:00Z`, m, {
          registrationNumber: `R${i}`,
          candidateName: `Candidate ${i}`,
        }),
      ]),
    );
  test('an attempt under half the median is flagged with its minutes and the median; one at 60% is not', () => {
    const quick = sat('2026-03-10T09:05:00Z', 12, { finishedHow: 'submitted-early' });
    const fair = sat('2026-03-11T09:05:00Z', 25, { registrationNumber: 'R9' });
    const flags = only(
      report([
        ...history(),
        sitting('2026-03-10T09:00:00+00:00', [quick], { id: 'quick' }),
        sitting('2026-03-11T09:00:00+00:00', [fair], { id: 'fair' }),
      ]),
      'short-attempt',
    );
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({
      sittingId: 'quick',
      entryId: quick.entryId,
      candidateName: 'Amira Hussain',
    });
    expect(flags[0]?.message).toBe(
      'Amira Hussain (REG-1) finished "Unit 1 online test" in 12 minutes, 30% of the median of 40 minutes over 7 timed attempts (flagged below 50%). Finish: submitted before completion.',
    );
  });
  test('time paused is not working time: a long pause does not make an attempt look normal', () => {
    const paused = sat('2026-03-10T09:05:00Z', 50, { pausedMs: 40 * MIN });
    expect(
      only(report([...history(), sitting('2026-03-10T09:00:00+00:00', [paused])]), 'short-attempt'),
    ).toHaveLength(1);
  });
  test('no median from fewer than five timed attempts, and other assessments have their own', () => {
    const few = history().slice(0, 3);
    const quick = sat('2026-03-10T09:05:00Z', 5);
    expect(only(report([...few, sitting('2026-03-10T09:00:00+00:00', [quick])]), 'short-attempt')).toEqual(
      [],
    );
    const other = sat('2026-03-10T09:05:00Z', 5, { assessment: 'Unit 2 online test' });
    expect(
      only(report([...history(), sitting('2026-03-10T09:00:00+00:00', [other])]), 'short-attempt'),
    ).toEqual([]);
  });
});

describe('frequent attempts at the same assessment', () => {
  const tries = (count: number, over: Partial<CandidateAttempt> = {}) =>
    Array.from({ length: count }, (_, i) =>
      sitting(`2026-03-${String(2 + i * 7).padStart(2, '0')}T09:00:00+00:00`, [
        sat(`2026-03-${String(2 + i * 7).padStart(2, '0')}T09:05:00Z`, 40, { outcome: 'failed', ...over }),
      ]),
    );
  test('three attempts are flagged on the latest, with every date; two are not', () => {
    const three = tries(3);
    const flags = only(report(three), 'frequent-attempts');
    expect(flags).toHaveLength(1);
    expect(flags[0]?.sittingId).toBe(three[2]?.id);
    expect(flags[0]?.sittingIds).toEqual(three.map((x) => x.id));
    expect(flags[0]?.message).toBe(
      'Amira Hussain (REG-1) has made 3 attempts at "Unit 1 online test" (601/0531/8): Monday 2 Mar 2026; Monday 9 Mar 2026; Monday 16 Mar 2026.',
    );
    expect(only(report(tries(2)), 'frequent-attempts')).toEqual([]);
  });
  test('an absence is not an attempt', () => {
    const history = tries(3);
    const first = history[0]?.attempts[0];
    if (first) Object.assign(first, { outcome: 'absent', releasedAt: null, finishedAt: null });
    expect(only(report(history), 'frequent-attempts')).toEqual([]);
  });
  test('a key stage 4 award allows two: a third names the limit', () => {
    const [flag] = only(report(tries(3, { qualificationType: 'ks4-technical-award' })), 'frequent-attempts');
    expect(flag?.message).toContain('A KS4 technical award (Level 1 & 2) allows 2 attempts.');
  });
});

describe('retakes sooner than the wait after a failed attempt', () => {
  test('48 hours from the failed attempt’s finish: 47 hours later is flagged, 48 is not', () => {
    const failed = sat('2026-03-02T09:00:00Z', 60, { outcome: 'failed' }); // finished 10:00
    const early = sitting('2026-03-04T09:00:00+00:00', [sat('2026-03-04T09:00:00Z', 40)], { id: 'early' });
    const first = sitting('2026-03-02T09:00:00+00:00', [failed], { id: 'failed' });
    const [flag] = only(report([first, early]), 'retake-too-soon');
    expect(flag).toMatchObject({ sittingId: 'early', sittingIds: ['early', 'failed'] });
    expect(flag?.message).toBe(
      'Amira Hussain (REG-1) retook "Unit 1 online test" 47 hours after failing it (Monday 2 Mar 2026 at 10:00); the wait for 601/0531/8 is 48 hours.',
    );
    const onTime = sitting('2026-03-04T10:00:00+00:00', [sat('2026-03-04T10:00:00Z', 40)]);
    expect(only(report([first, onTime]), 'retake-too-soon')).toEqual([]);
  });
  test('the qualifications the manual lists wait 2 hours', () => {
    const mot = { qualificationNumber: '601/8928/9', assessment: 'MOT Class 4' };
    const first = sitting('2026-03-02T09:00:00+00:00', [
      sat('2026-03-02T09:00:00Z', 30, { ...mot, outcome: 'failed' }),
    ]);
    const soon = sitting('2026-03-02T11:00:00+00:00', [sat('2026-03-02T11:00:00Z', 30, mot)]);
    const later = sitting('2026-03-02T11:30:00+00:00', [sat('2026-03-02T11:30:00Z', 30, mot)]);
    expect(only(report([first, soon]), 'retake-too-soon')[0]?.message).toContain(
      '90 minutes after failing it',
    );
    expect(only(report([first, later]), 'retake-too-soon')).toEqual([]);
  });
  test('after a pass, or another candidate’s fail, any time is fine', () => {
    const first = sitting('2026-03-02T09:00:00+00:00', [
      sat('2026-03-02T09:00:00Z', 60, { outcome: 'passed' }),
    ]);
    const other = sitting('2026-03-02T09:00:00+00:00', [
      sat('2026-03-02T09:00:00Z', 60, { outcome: 'failed', registrationNumber: 'REG-2' }),
    ]);
    const again = sitting('2026-03-02T13:00:00+00:00', [sat('2026-03-02T13:00:00Z', 40)]);
    expect(only(report([first, other, again]), 'retake-too-soon')).toEqual([]);
  });
});

describe('more than two assessments in a day', () => {
  const at = (clock: string, assessment: string) =>
    sitting(`2026-03-03T${clock}:00+00:00`, [sat(`2026-03-03T${clock}:00Z`, 40, { assessment })], {
      id: `at-${clock}`,
    });
  test('a third that day is flagged on the third sitting, listing all three; two are not', () => {
    const [flag, ...rest] = only(
      report([at('09:00', 'Unit 1'), at('11:00', 'Unit 2'), at('14:00', 'Unit 3')]),
      'daily-limit',
    );
    expect(rest).toEqual([]);
    expect(flag).toMatchObject({ sittingId: 'at-14:00', sittingIds: ['at-09:00', 'at-11:00', 'at-14:00'] });
    expect(flag?.message).toBe(
      'Amira Hussain (REG-1) took 3 online assessments on Tuesday 3 Mar 2026: "Unit 1" at 09:00, "Unit 2" at 11:00, "Unit 3" at 14:00. The limit is 2 a day.',
    );
    expect(only(report([at('09:00', 'Unit 1'), at('11:00', 'Unit 2')]), 'daily-limit')).toEqual([]);
  });
  test('an absence does not count towards the day', () => {
    const absent = sitting('2026-03-03T14:00:00+00:00', [
      attempt({ assessment: 'Unit 3', outcome: 'absent' }),
    ]);
    expect(only(report([at('09:00', 'Unit 1'), at('11:00', 'Unit 2'), absent]), 'daily-limit')).toEqual([]);
  });
});

describe('invigilator ratio', () => {
  const room = (count: number, invigilators: number, absent = 0) =>
    sitting(
      '2026-03-03T09:30:00+00:00',
      Array.from({ length: count }, (_, i) =>
        attempt({ registrationNumber: `R${i}`, outcome: i < absent ? 'absent' : 'not-known' }),
      ),
      { invigilatorCount: invigilators },
    );
  test('16 candidates with one invigilator is flagged; 15 is not; 30 with two is not', () => {
    const [flag] = only(report([room(16, 1)]), 'ratio');
    expect(flag?.message).toBe(
      'Sitting in Room 4 on Tuesday 3 Mar 2026 at 09:30: 16 candidates with 1 invigilator(s): at most 15 per invigilator, so 2 are needed.',
    );
    expect(only(report([room(15, 1)]), 'ratio')).toEqual([]);
    expect(only(report([room(30, 2)]), 'ratio')).toEqual([]);
  });
  test('candidates marked absent were not in the room', () => {
    expect(only(report([room(17, 1, 2)]), 'ratio')).toEqual([]);
  });
});

describe('extra time over 25% without a reasonable adjustment', () => {
  const one = (a: CandidateAttempt) =>
    only(report([sitting('2026-03-03T09:30:00+00:00', [a])]), 'extra-time');
  test('planned: 16 minutes on 60 is flagged; 15 is not; an adjustment allows it', () => {
    expect(one(attempt({ extraMinutes: 16 }))[0]?.message).toContain('27%');
    expect(one(attempt({ extraMinutes: 15 }))).toEqual([]);
    expect(one(attempt({ extraMinutes: 30, reasonableAdjustment: 'RA ref 2291' }))).toEqual([]);
  });
  test('taken: 80 minutes of working time on a 60-minute assessment is flagged, unless paused time explains it', () => {
    const [flag] = one(sat('2026-03-03T09:35:00Z', 80));
    expect(flag?.message).toBe(
      'Amira Hussain (REG-1) worked on "Unit 1 online test" for 80 minutes (release to finish, with no pause recorded); 60 minutes were allowed, and more than 25% over 60 minutes needs a recorded reasonable adjustment.',
    );
    expect(one(sat('2026-03-03T09:35:00Z', 80, { pausedMs: 20 * MIN }))).toEqual([]);
    expect(one(sat('2026-03-03T09:35:00Z', 75))).toEqual([]);
  });
});

describe('released without an identity check', () => {
  const one = (a: CandidateAttempt) =>
    only(report([sitting('2026-03-03T09:30:00+00:00', [a])]), 'no-identity-check');
  test('released with no check is flagged with the PC and time; checked first is not', () => {
    const [flag] = one(sat('2026-03-03T09:32:00Z', 40, { identityCheckedAt: null }));
    expect(flag?.message).toBe(
      'Amira Hussain (REG-1) was released to "Unit 1 online test" at PC-01 at 09:32 without an identity check.',
    );
    expect(flag).toMatchObject({ seatId: 'seat-1', pcName: 'PC-01' });
    expect(one(sat('2026-03-03T09:32:00Z', 40))).toEqual([]);
  });
  test('a check made well after the release is flagged; a result with no check at all too', () => {
    const late = sat('2026-03-03T09:32:00Z', 40, { identityCheckedAt: '2026-03-03T09:45:00Z' });
    expect(one(late)[0]?.message).toContain('13 minutes before the identity check');
    expect(one(attempt({ outcome: 'failed' }))[0]?.message).toContain(
      'has a result (failed) for "Unit 1 online test" but no identity check was recorded',
    );
  });
  test('a candidate who never sat (not released, no result) or was absent is not flagged', () => {
    expect(one(attempt())).toEqual([]);
    expect(one(attempt({ outcome: 'absent' }))).toEqual([]);
  });
});

describe('PCs with many incidents', () => {
  const incident = (i: number, over: object = {}) => ({
    at: `2026-03-03T09:${String(10 + i).padStart(2, '0')}:00Z`,
    kind: i % 2 ? 'focus-lost' : 'site-blocked',
    kindLabel: i % 2 ? 'Browser lost focus' : 'Site blocked',
    sittingId: 'room-4',
    seatId: 'seat-7',
    pcName: 'PC-07',
    ...over,
  });
  const day = sitting('2026-03-03T09:00:00+00:00', [attempt()], { id: 'room-4' });
  test('five incidents at one PC are flagged with a breakdown; four are not', () => {
    const five = Array.from({ length: 5 }, (_, i) => incident(i));
    const [flag] = only(report([day], { incidents: five }), 'seat-incidents');
    expect(flag).toMatchObject({ seatId: 'seat-7', pcName: 'PC-07', sittingId: 'room-4' });
    expect(flag?.message).toBe(
      'PC-07 had 5 incidents between 2026-03-01 and 2026-03-31, in 1 sitting(s): 3 × Site blocked, 2 × Browser lost focus (flagged from 5).',
    );
    expect(only(report([day], { incidents: five.slice(0, 4) }), 'seat-incidents')).toEqual([]);
  });
  test('raised hands and the like say nothing about a PC; incidents outside the range do not count', () => {
    const hands = Array.from({ length: 5 }, (_, i) =>
      incident(i, { kind: 'hand-raised', kindLabel: 'Hand raised' }),
    );
    expect(
      only(report([day], { incidents: hands, notSeatTrouble: new Set(['hand-raised']) }), 'seat-incidents'),
    ).toEqual([]);
    const old = Array.from({ length: 5 }, (_, i) => incident(i, { at: '2026-02-10T10:00:00Z' }));
    expect(only(report([day], { incidents: old }), 'seat-incidents')).toEqual([]);
  });
  test('the threshold can be changed', () => {
    const three = Array.from({ length: 3 }, (_, i) => incident(i));
    expect(
      only(report([day], { incidents: three, thresholds: { seatIncidents: 3 } }), 'seat-incidents'),
    ).toHaveLength(1);
  });
});

test('a clean month raises nothing, and flags come oldest first', () => {
  const clean = [
    sitting('2026-03-03T09:30:00+00:00', [sat('2026-03-03T09:35:00Z', 45)]),
    sitting('2026-03-10T09:30:00+00:00', [sat('2026-03-10T09:35:00Z', 50, { registrationNumber: 'R2' })]),
  ];
  expect(report(clean)).toEqual([]);
  const flags = report([
    sitting('2026-03-14T10:00:00+00:00', [attempt()]),
    sitting('2026-03-07T10:00:00+00:00', [attempt({ registrationNumber: 'R3' })]),
  ]);
  expect(flags.map((f) => f.at)).toEqual(['2026-03-07T10:00:00+00:00', '2026-03-14T10:00:00+00:00']);
});
