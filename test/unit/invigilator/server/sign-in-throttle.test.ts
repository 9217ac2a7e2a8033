import { expect, test } from 'vitest';
import { RefusalAuditor, SignInThrottle } from '../../../../invigilator/server/sign-in-throttle.ts';

test('after three wrong passwords a name waits, twice as long after each further one, up to 15 minutes', () => {
  const t = new SignInThrottle({}, 0);
  for (let i = 0; i < 3; i++) {
    expect(t.check('Dana Okafor', 0)).toBeNull();
    t.failed('Dana Okafor', 0);
  }
  expect(t.check('Dana Okafor', 0)).toBeNull();
  t.failed('Dana Okafor', 0); // 4th: 2 s
  expect(t.check('dana  OKAFOR ', 1000)).toEqual({ by: 'name', retryAfterMs: 1000 });
  expect(t.check('Dana Okafor', 2000)).toBeNull();
  t.failed('Dana Okafor', 2000); // 5th: 4 s
  expect(t.check('Dana Okafor', 5999)?.by).toBe('name');
  expect(t.check('Dana Okafor', 6000)).toBeNull();
  // Another name is not held back.
  expect(t.check('Sam Lee', 2000)).toBeNull();
  let now = 6000;
  for (let i = 0; i < 20; i++) {
    t.failed('Dana Okafor', now);
    now += 60_000;
  }
  t.failed('Dana Okafor', now);
  expect(t.check('Dana Okafor', now)).toEqual({ by: 'name', retryAfterMs: 15 * 60_000 });
  // The right password clears it.
  t.succeeded('Dana Okafor');
  expect(t.check('Dana Okafor', now)).toBeNull();
});

test('failures are forgotten an hour after the last one', () => {
  const t = new SignInThrottle({}, 0);
  for (let i = 0; i < 5; i++) t.failed('A', 0);
  t.failed('A', 3_600_001);
  expect(t.check('A', 3_600_001)).toBeNull();
});

test('many failures across many names hold back every sign-in for a while', () => {
  const t = new SignInThrottle({ overallFailuresPerMinute: 10 }, 0);
  for (let i = 0; i < 10; i++) t.failed(`Person ${i}`, 0);
  expect(t.check('Nobody yet', 0)).toEqual({ by: 'overall', retryAfterMs: 6000 });
  expect(t.check('Nobody yet', 6000)).toBeNull();
});

test('at most maxNames names are remembered', () => {
  const t = new SignInThrottle({ maxNames: 3, freeFailures: 0 }, 0);
  for (const n of ['a', 'b', 'c', 'd']) t.failed(n, 0);
  expect(t.check('a', 0)).toBeNull();
  expect(t.check('d', 0)?.by).toBe('name');
});

test('a flood of refusals is one audit row per kind and subject, with how many and from where', async () => {
  const rows: { action: string; subject: string; details: Record<string, unknown> }[] = [];
  const auditor = new RefusalAuditor(
    async (r) => {
      rows.push(...r);
    },
    () => undefined,
    60_000,
    2,
  );
  for (let i = 0; i < 100; i++)
    auditor.note('sign-in.refused-throttled', 'Dana', `10.0.0.${i}`, 'why', 1000 + i);
  auditor.note('x', 'one', '1.1.1.1', 'why', 0);
  auditor.note('x', 'two', '1.1.1.1', 'why', 0);
  await auditor.close();
  expect(rows).toHaveLength(3);
  expect(rows[0]).toEqual({
    action: 'sign-in.refused-throttled',
    subject: 'Dana',
    details: {
      count: 100,
      first: new Date(1000).toISOString(),
      last: new Date(1099).toISOString(),
      addresses: ['10.0.0.0', '10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'],
      reason: 'why',
    },
  });
  // Past maxKeys, further subjects are counted together.
  expect(rows[2]?.subject).toBe('(others)');
});
