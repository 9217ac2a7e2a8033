/**
 * The quality assurer's anomaly report (issue 13) in real Chromium on a real console process and SQLite
 * file, over a month of made-up sittings entered through the API as a centre would: each flag the
 * history should raise is on the page with its reason and a link to the sitting; the CSV carries the
 * same flags (a formula typed as a name stays text); the coordinator's centre hours change what is
 * unusual. Screenshots: test-results/screenshots/qa-report-{screen,print}.png.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { dsvFormat } from 'd3-dsv';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchDashboardBrowser } from '../../../../helpers/chromium.ts';
import { type ReadyConsole, startReadyConsole } from '../../../../helpers/console-process.ts';
import { openRawSeat } from '../../../../helpers/console-raw-seat.ts';
import { enrolTestSeat } from '../../../../helpers/console-seat.ts';
import { signInWithLink } from '../../../../helpers/dashboard.ts';

const SHOTS = resolve(import.meta.dirname, '../../../../../test-results/screenshots');
const RANGE = 'from=2026-03-01&to=2026-03-31';
const EVIL = '=HYPERLINK("http://example.invalid","x")';
let ready: ReadyConsole;
let browser: Browser;
let page: Page;
const ids: Record<string, string> = {};

const person = (candidateName: string, registrationNumber: string, assessment: string, more = {}) => ({
  candidateName,
  registrationNumber,
  qualificationNumber: '603/0001/2',
  assessment,
  durationMinutes: 60,
  ...more,
});

async function sitting(
  name: string,
  room: string,
  startsAt: string,
  entries: object[],
  invigilators: string[],
) {
  const r = await ready.admin.post<{ sitting: { id: string; entries: { id: string }[] } }>('/api/sittings', {
    room,
    startsAt,
    invigilatorIds: invigilators,
    entries,
  });
  if (r.status !== 201) throw new Error(`${name}: ${r.status} ${r.text}`);
  ids[name] = r.body.sitting.id;
  return r.body.sitting;
}

beforeAll(async () => {
  ready = await startReadyConsole();
  ({ browser, page } = await launchDashboardBrowser({ width: 1280, height: 900 }));
  const dana = (await ready.admin.api.call('me', {})).invigilator.id;
  await signInWithLink(page, ready.admin, dana);

  // March 2026 (GMT, the centre's default clock: Europe/London, Monday to Friday, 08:00 to 18:00).
  await sitting(
    'extra',
    'Room 1',
    '2026-03-03T09:30:00+00:00',
    [
      person(EVIL, 'R100', 'Unit 1', { extraMinutes: 30 }),
      person('Ben Sample', 'R101', 'Unit 1', { extraMinutes: 15 }),
      person('Bo Adjusted', 'R102', 'Unit 1', {
        extraMinutes: 30,
        reasonableAdjustment: 'Approved RA 2026-014',
      }),
    ],
    [dana],
  );
  await sitting(
    'ratio',
    'Hall',
    '2026-03-04T10:00:00+00:00',
    Array.from({ length: 16 }, (_, i) => person(`Candidate ${i + 1}`, `H${200 + i}`, 'Unit 9')),
    [dana],
  );
  await sitting(
    'evening',
    'Room 3',
    '2026-03-05T19:30:00+00:00',
    [person('Fay Late', 'R300', 'Unit 1')],
    [dana],
  );
  await sitting(
    'saturday',
    'Room 1',
    '2026-03-07T10:00:00+00:00',
    [person('Gus Weekend', 'R301', 'Unit 1')],
    [dana],
  );
  for (const [n, t, a] of [
    ['day1', '09:00', 'Unit 1'],
    ['day2', '11:00', 'Unit 2'],
    ['day3', '14:00', 'Unit 3'],
  ] as const) {
    await sitting(n, 'Room 2', `2026-03-12T${t}:00+00:00`, [person('Cal Busy', 'R400', a)], [dana]);
  }
  const failed = await sitting(
    'failed',
    'Room 2',
    '2026-03-16T09:00:00+00:00',
    [person('Dee Retake', 'R500', 'Unit 5')],
    [dana],
  );
  const outcome = await ready.admin.put(
    `/api/sittings/${failed.id}/entries/${failed.entries[0]?.id}/outcome`,
    {
      outcome: 'failed',
    },
  );
  expect(outcome.status).toBe(200);
  await sitting(
    'retake',
    'Room 2',
    '2026-03-17T09:00:00+00:00',
    [person('Dee Retake', 'R500', 'Unit 5')],
    [dana],
  );
  for (const [n, d] of [
    ['eve1', '18'],
    ['eve2', '20'],
    ['eve3', '24'],
  ] as const) {
    await sitting(
      n,
      'Room 1',
      `2026-03-${d}T10:00:00+00:00`,
      [person('Eve Again', 'R600', 'Unit 6')],
      [dana],
    );
  }
  // April, outside the range: a Sunday sitting that must not be flagged for March.
  await sitting(
    'april',
    'Room 1',
    '2026-04-05T10:00:00+00:00',
    [person('Out Of Range', 'R700', 'Unit 1')],
    [dana],
  );

  // PC-09 reported five blocked sites on 10 March, minutes apart (five incidents, not one repeat).
  const seat = await openRawSeat(ready.proc.url, await enrolTestSeat(ready.admin, 'PC-09', ready.code));
  await seat.hello('PC-09');
  const events = Array.from({ length: 5 }, (_, i) => ({
    id: randomUUID(),
    type: 'event/blocked-navigation',
    at: new Date(Date.UTC(2026, 2, 10, 10, i * 5)).toISOString(),
    url: 'https://www.google.com/',
    reason: 'not-allowed',
    frame: 'main',
  }));
  seat.send(JSON.stringify({ type: 'seat/events', batchId: randomUUID(), events }));
  await seat.waitFor((m) => (m.type === 'event/ack' && m.ids.includes(events[4]?.id ?? '') ? m : undefined));
  seat.close();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  expect(await ready?.stop()).toBe(0);
});

async function counts(): Promise<Record<string, number>> {
  return Object.fromEntries(
    await page.$$eval('#report-summary li', (lis) =>
      lis.map((li) => [li.getAttribute('data-rule'), Number(li.getAttribute('data-count'))]),
    ),
  );
}

async function messages(rule: string): Promise<string[]> {
  return page.$$eval(`#rule-${rule} .flag-row td:nth-child(2)`, (tds) =>
    tds.map((td) => td.textContent ?? ''),
  );
}

test('every flag the month should raise, with its reason and a link to the sitting; screen and print', async () => {
  await page.goto(`${ready.proc.url}/#/report?${RANGE}`);
  await page.waitForSelector('#report-summary');
  expect(await counts()).toEqual({
    'unusual-time': 2,
    'short-attempt': 0,
    'frequent-attempts': 1,
    'retake-too-soon': 1,
    'daily-limit': 1,
    ratio: 1,
    'extra-time': 1,
    'no-identity-check': 1,
    'seat-incidents': 1,
  });
  expect(await page.$eval('#fact-sittings', (el) => el.textContent)).toBe('12');
  const unusual = await messages('unusual-time');
  expect(unusual[0]).toMatch(
    /^Sitting in Room 3 on Thursday 5 Mar 2026 at 19:30\. It was planned to start at 19:30, after the centre closes at 18:00\./,
  );
  expect(unusual[1]).toMatch(
    /^Sitting in Room 1 on Saturday 7 Mar 2026 at 10:00\. It was planned to start on a Saturday\./,
  );
  expect((await messages('extra-time'))[0]).toBe(
    `${EVIL}: 30 min extra on 60 min is 50%; over 25% needs a recorded reasonable adjustment.`,
  );
  expect((await messages('ratio'))[0]).toContain('16 candidates with 1 invigilator(s)');
  expect((await messages('daily-limit'))[0]).toBe(
    'Cal Busy (R400) took 3 online assessments on Thursday 12 Mar 2026: "Unit 1" at 09:00, "Unit 2" at 11:00, "Unit 3" at 14:00. The limit is 2 a day.',
  );
  expect((await messages('retake-too-soon'))[0]).toBe(
    'Dee Retake (R500) retook "Unit 5" 24 hours after failing it (Monday 16 Mar 2026 at 09:00); the wait for 603/0001/2 is 48 hours.',
  );
  expect((await messages('frequent-attempts'))[0]).toContain(
    'Eve Again (R600) has made 3 attempts at "Unit 6"',
  );
  expect((await messages('no-identity-check'))[0]).toBe(
    'Dee Retake (R500) has a result (failed) for "Unit 5" but no identity check was recorded.',
  );
  expect((await messages('seat-incidents'))[0]).toBe(
    'PC-09 had 5 incidents between 2026-03-01 and 2026-03-31: 5 × Site blocked (flagged from 5).',
  );

  // Screenshots of the page as the coordinator sees it, and as it prints.
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, 'qa-report-screen.png'), fullPage: true });
  await page.emulateMediaType('print');
  await page.setViewport({ width: 1123, height: 794 }); // A4 landscape at 96 dpi
  await page.screenshot({ path: join(SHOTS, 'qa-report-print.png'), fullPage: true });
  expect(await page.$eval('.topbar', (el) => getComputedStyle(el).display)).toBe('none');
  expect(
    await page.$eval('#report-range', (el) => getComputedStyle(el.parentElement as Element).display),
  ).toBe('none');
  await page.emulateMediaType('screen');
  await page.setViewport({ width: 1280, height: 900 });

  // A flag's link opens its sitting.
  await page.click(`#rule-retake-too-soon a.sitting-link`);
  await page.waitForFunction((id) => location.hash === `#/sittings/${id}`, {}, ids.retake);
  await page.waitForSelector('#seating-plan tr[data-candidate="R500"]');
}, 90_000);

test('the CSV has the same flags; a formula typed as a name is text', async () => {
  const r = await ready.admin.get(`/api/reports/anomalies.csv?${RANGE}`);
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toContain('text/csv');
  expect(r.headers.get('content-disposition')).toContain('anomalies-2026-03-01-to-2026-03-31.csv');
  const rows = dsvFormat(',').parseRows(r.text.trim());
  expect(rows[0]).toEqual([
    'When (centre time)',
    'Flag',
    'Why',
    'Room',
    'Candidate',
    'Registration number',
    'PC',
    'Sitting',
  ]);
  expect(rows).toHaveLength(1 + 9);
  const extra = rows.find((row) => row[1] === 'Extra time over 25% without a reasonable adjustment');
  expect(extra?.[0]).toBe('2026-03-03 09:30');
  expect(extra?.[4]).toBe(`'${EVIL}`);
  expect(extra?.[2]?.startsWith(`'${EVIL}`)).toBe(true);
  expect(extra?.[7]).toBe(`${ready.proc.url}/#/sittings/${ids.extra}`);
  const bad = await ready.admin.get('/api/reports/anomalies?from=2026-03-31&to=2026-03-01');
  expect(bad.status).toBe(400);
  expect(bad.text).toContain('to: the range must start on or before its end');
  const notDate = await ready.admin.get('/api/reports/anomalies.csv?from=March&to=2026-03-31');
  expect(notDate.status).toBe(400);
  expect(notDate.text).toContain('from');
});

test("the coordinator's centre hours decide what is unusual", async () => {
  await page.goto(`${ready.proc.url}/#/report?${RANGE}`);
  await page.waitForSelector('#centre-hours.unset');
  await page.click('#edit-hours');
  await page.click('#hours-form input[name="day-6"]'); // open on Saturdays
  // 20:00, as the time box's own input event gives it (typing depends on the browser's 12/24-hour locale).
  await page.$eval('#hours-form input[name="closes"]', (el) => {
    const input = el as HTMLInputElement;
    input.value = '20:00';
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await page.click('#hours-form button[type="submit"]');
  await page.waitForFunction(() =>
    document.querySelector('#hours-text')?.textContent?.startsWith('Monday to Saturday, 08:00 to 20:00'),
  );
  await page.waitForSelector('#report-summary li[data-rule="unusual-time"][data-count="0"]');
  expect(await page.$('#centre-hours.unset')).toBeNull();
  // A bad setting is refused, naming the field.
  const bad = await ready.admin.put('/api/settings/centre-hours', {
    timeZone: 'Mars/Olympus',
    opens: '08:00',
    closes: '18:00',
    days: [1],
  });
  expect(bad.status).toBe(400);
  expect(bad.text).toContain('timeZone');
});
