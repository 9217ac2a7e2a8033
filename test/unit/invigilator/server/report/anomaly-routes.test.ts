/** The anomaly report's CSV: one row per flag on the centre's clock; what people typed stays text. */
import { dsvFormat } from 'd3-dsv';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { anomalyCsv } from '../../../../../invigilator/server/report/anomaly-service.ts';
import { DEFAULT_CENTRE_HOURS } from '../../../../../shared/schemas/anomalies.ts';
import type { AnomalyReport } from '../../../../../shared/schemas/attempts-api.ts';
import { ConsoleClient, startTestConsole, type TestConsole } from '../../../../helpers/console-client.ts';

let c: TestConsole;
beforeAll(async () => {
  c = await startTestConsole();
});
afterAll(async () => {
  await c?.close();
});

const report: AnomalyReport = {
  centreName: 'Northgate',
  range: { from: '2026-07-01', to: '2026-07-31' },
  hours: DEFAULT_CENTRE_HOURS,
  generatedAt: '2026-08-01T09:00:00.000Z',
  sittings: 1,
  attempts: 1,
  flags: [
    {
      rule: 'extra-time',
      message: '=cmd|calc: 30 min extra on 60 min is 50%; over 25% needs a recorded reasonable adjustment.',
      at: '2026-07-07T08:30:00.000Z',
      sittingId: 's1',
      sittingIds: ['s1'],
      room: 'Room 1, upstairs',
      entryId: 'e1',
      candidateName: '=cmd|calc',
      registrationNumber: 'R1',
      seatId: null,
      pcName: null,
    },
    {
      rule: 'seat-incidents',
      message: 'PC-09 had 5 incidents',
      at: '2026-07-08T10:00:00.000Z',
      sittingId: null,
      sittingIds: [],
      room: null,
      entryId: null,
      candidateName: null,
      registrationNumber: null,
      seatId: 'seat-9',
      pcName: 'PC-09',
    },
  ],
};

test('rows on the centre clock (08:30 UTC is 09:30 in London in July), labels, links; formulas quoted as text', () => {
  const csv = anomalyCsv(report, (id) => (id ? `https://console/#/sittings/${id}` : ''));
  expect(csv.endsWith('\r\n')).toBe(true);
  const rows = dsvFormat(',').parseRows(csv.trim());
  expect(rows).toEqual([
    ['When (centre time)', 'Flag', 'Why', 'Room', 'Candidate', 'Registration number', 'PC', 'Sitting'],
    [
      '2026-07-07 09:30',
      'Extra time over 25% without a reasonable adjustment',
      "'=cmd|calc: 30 min extra on 60 min is 50%; over 25% needs a recorded reasonable adjustment.",
      'Room 1, upstairs',
      "'=cmd|calc",
      'R1',
      '',
      'https://console/#/sittings/s1',
    ],
    ['2026-07-08 11:00', 'PC with many incidents', 'PC-09 had 5 incidents', '', '', '', 'PC-09', ''],
  ]);
});

test('the route reads the centre history over the range and the centre hours; only coordinators set the hours', async () => {
  const person = {
    candidateName: 'Sid Saturday',
    registrationNumber: 'S1',
    qualificationNumber: '603/0001/2',
    assessment: 'Unit 1',
    durationMinutes: 60,
  };
  for (const startsAt of ['2026-03-07T10:00:00+00:00', '2026-04-04T10:00:00+00:00']) {
    expect(
      (
        await c.admin.post('/api/sittings', {
          room: 'Room 1',
          startsAt,
          invigilatorIds: [],
          entries: [person],
        })
      ).status,
    ).toBe(201);
  }
  const march = await c.admin.get<{ report: AnomalyReport }>(
    '/api/reports/anomalies?from=2026-03-01&to=2026-03-31',
  );
  expect(march.status).toBe(200);
  expect(march.body.report).toMatchObject({ centreName: 'Northgate College', sittings: 1, attempts: 1 });
  expect(march.body.report.flags.map((f) => f.rule).sort()).toEqual(['ratio', 'unusual-time']);
  // Saturdays open: the Saturday is no longer unusual.
  const hours = { ...DEFAULT_CENTRE_HOURS, days: [1, 2, 3, 4, 5, 6] };
  expect((await c.admin.put('/api/settings/centre-hours', hours)).status).toBe(200);
  expect((await c.admin.get('/api/settings/centre-hours')).body).toEqual({ hours, setByCentre: true });
  const again = await c.admin.get<{ report: AnomalyReport }>(
    '/api/reports/anomalies?from=2026-03-01&to=2026-03-31',
  );
  expect(again.body.report.flags.map((f) => f.rule)).toEqual(['ratio']);
  // An invigilator may read the report but not change the hours.
  await c.admin.post('/api/invigilators', {
    name: 'Ivy',
    pin: '99001',
    password: 'long enough password',
    role: 'invigilator',
  });
  const ivy = new ConsoleClient(c.url);
  await ivy.signIn('Ivy', '99001', 'long enough password');
  expect((await ivy.get('/api/reports/anomalies?from=2026-03-01&to=2026-03-31')).status).toBe(200);
  expect((await ivy.put('/api/settings/centre-hours', DEFAULT_CENTRE_HOURS)).status).toBe(403);
  // Ranges are checked.
  const long = await c.admin.get('/api/reports/anomalies?from=2020-01-01&to=2026-03-31');
  expect(long.status).toBe(400);
  expect(long.text).toContain('at most 400 days');
  expect(
    (await new ConsoleClient(c.url).get('/api/reports/anomalies?from=2026-03-01&to=2026-03-31')).status,
  ).toBe(401);
});

test('recorded pauses (the seat’s and the room’s) are time given back: 90 minutes with 35 paused is not extra time', async () => {
  const r = await c.admin.post<{ sitting: { id: string; entries: { id: string }[] } }>('/api/sittings', {
    room: 'Room 4',
    startsAt: '2026-05-12T09:00:00+00:00',
    invigilatorIds: [],
    entries: ['P1', 'P2'].map((registrationNumber) => ({
      candidateName: `Pat ${registrationNumber}`,
      registrationNumber,
      qualificationNumber: '603/0001/2',
      assessment: 'Unit 4',
      durationMinutes: 60,
    })),
  });
  expect(r.status).toBe(201);
  const sittingId = r.body.sitting.id;
  const [paused, unpaused] = r.body.sitting.entries.map((e) => e.id) as [string, string];
  const store = c.running.store;
  const me = await c.admin.get<{ invigilator: { id: string }; centre: { id: string } }>('/api/me');
  const actor = { centreId: me.body.centre.id, invigilatorId: me.body.invigilator.id };
  for (const id of [paused, unpaused]) {
    expect(await store.markReleased(id, '2026-05-12T09:00:00.000Z')).toBe(true);
    await store.setFinish(actor, id, { at: '2026-05-12T10:30:00.000Z', how: 'finished' });
  }
  // 20 minutes for the seat alone, then the whole room for 20 minutes overlapping it by 5: 35 in all.
  const seatPause = await store.startPause(actor, {
    sittingId,
    entryId: paused,
    reason: 'it-failure',
    note: null,
    at: '2026-05-12T09:10:00.000Z',
  });
  expect(seatPause).not.toBeNull();
  await store.endPause(actor, seatPause?.id ?? '', '2026-05-12T09:30:00.000Z');
  const roomPause = await store.startPause(actor, {
    sittingId,
    entryId: null,
    reason: 'fire-alarm',
    note: null,
    at: '2026-05-12T09:25:00.000Z',
  });
  await store.endPause(actor, roomPause?.id ?? '', '2026-05-12T09:45:00.000Z');

  const may = await c.admin.get<{ report: AnomalyReport }>(
    '/api/reports/anomalies?from=2026-05-01&to=2026-05-31',
  );
  expect(may.status).toBe(200);
  const extra = may.body.report.flags.filter((f) => f.rule === 'extra-time');
  // The room's 20 minutes leave the other candidate at 70 of 60: under 25% over, so neither is flagged;
  // without pauses both worked 90 minutes (50% over) and both were flagged.
  expect(extra).toEqual([]);
});
