/** The anomaly report's CSV: one row per flag on the centre's clock; what people typed stays text. */
import { dsvFormat } from 'd3-dsv';
import { expect, test } from 'vitest';
import { anomalyCsv } from '../../../../../invigilator/server/report/anomaly-routes.ts';
import { DEFAULT_CENTRE_HOURS } from '../../../../../shared/schemas/anomalies.ts';
import type { AnomalyReport } from '../../../../../shared/schemas/attempts-api.ts';

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
