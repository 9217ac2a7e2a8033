/**
 * Importing the awarding body's results (issue 13) in real Chromium on a real console process and
 * SQLite file: the coordinator chooses a CSV on the Results page; a good file sets each matched
 * candidate's outcome; a bad one is refused whole with every bad row named, and nothing changes.
 * Screenshots: test-results/screenshots/results-import-*.png.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, ElementHandle, Page } from 'puppeteer-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchDashboardBrowser } from '../../../../helpers/chromium.ts';
import { ConsoleClient } from '../../../../helpers/console-client.ts';
import { type ReadyConsole, startReadyConsole } from '../../../../helpers/console-process.ts';
import { signInWithLink } from '../../../../helpers/dashboard.ts';

const SHOTS = resolve(import.meta.dirname, '../../../../../test-results/screenshots');
let ready: ReadyConsole;
let browser: Browser;
let page: Page;
let dir: string;
let sittingIds: string[] = [];

interface Entry {
  registrationNumber: string;
  outcome: string;
}

const candidate = (name: string, reg: string, assessment: string) => ({
  candidateName: name,
  registrationNumber: reg,
  qualificationNumber: '603/0001/2',
  assessment,
  durationMinutes: 45,
});

async function outcomes(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const id of sittingIds) {
    const s = await ready.admin.get<{ sitting: { startsAt: string; entries: Entry[] } }>(
      `/api/sittings/${id}`,
    );
    for (const e of s.body.sitting.entries)
      out[`${e.registrationNumber}@${s.body.sitting.startsAt.slice(0, 10)}`] = e.outcome;
  }
  return out;
}

async function importFile(name: string, csv: string): Promise<void> {
  const file = join(dir, name);
  writeFileSync(file, csv);
  await page.goto(`${ready.proc.url}/#/results`);
  await page.waitForSelector('#results-form input[type="file"]');
  const input = (await page.$('#results-form input[type="file"]')) as ElementHandle<HTMLInputElement>;
  await input.uploadFile(file);
  await page.click('#results-form button[type="submit"]');
  await page.waitForSelector('#import-done, #import-refused, #import-error');
  const error = await page.$('#import-error');
  if (error) throw new Error(`import failed: ${await error.evaluate((el) => el.textContent)}`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'invigil-results-'));
  ready = await startReadyConsole();
  ({ browser, page } = await launchDashboardBrowser({ width: 1280, height: 900 }));
  await signInWithLink(page, ready.admin);
  for (const [startsAt, entries] of [
    [
      '2026-03-03T09:30:00+00:00',
      [candidate('Ann Example', 'R001', 'Unit 1 Safety'), candidate('Ben Sample', 'R002', 'Unit 1 Safety')],
    ],
    ['2026-03-05T13:00:00+00:00', [candidate('Ann Example', 'R001', 'Unit 2 Tools')]],
  ] as const) {
    const r = await ready.admin.post<{ sitting: { id: string } }>('/api/sittings', {
      room: 'Room 1',
      startsAt,
      invigilatorIds: [],
      entries,
    });
    expect(r.status).toBe(201);
    sittingIds = [...sittingIds, r.body.sitting.id];
  }
}, 120_000);

afterAll(async () => {
  await browser?.close();
  expect(await ready?.stop()).toBe(0);
  rmSync(dir, { recursive: true, force: true });
});

test('a bad file is refused whole, naming every bad row; nothing changes', async () => {
  const csv = [
    'Registration number,Assessment,Date,Result,Centre',
    'R001,Unit 1 Safety,2026-03-03,Pass,NG01', // good, but the file is refused as a whole
    'R009,Unit 1 Safety,2026-03-03,Fail,NG01', // no such candidate here
    'R002,Unit 1 Safety,31/02/2026,Pass,NG01', // no such day
    'R002,Unit 1 Safety,2026-03-03,Maybe,NG01', // not a result
    'R001,Unit 2 Tools,2026-03-06,Pass,NG01', // sat on the 5th, not the 6th
  ].join('\r\n');
  await importFile('bad-results.csv', csv);
  const rows = await page.$$eval('#import-problems tbody tr', (trs) =>
    trs.map((tr) => [tr.getAttribute('data-row'), (tr as HTMLElement).innerText.replace(/\s+/g, ' ').trim()]),
  );
  expect(rows.map((r) => r[0])).toEqual(['3', '4', '5', '6']);
  expect(rows[0]?.[1]).toContain('No candidate entry at this centre for R009 "Unit 1 Safety" on 2026-03-03');
  expect(rows[1]?.[1]).toMatch(/31\/02\/2026/);
  expect(rows[2]?.[1]).toMatch(/Maybe/);
  expect(rows[3]?.[1]).toContain('R001 "Unit 2 Tools" on 2026-03-06');
  expect(await page.$eval('#import-refused > strong', (el) => el.textContent)).toContain(
    'bad-results.csv: Nothing was imported: 4 problems in the file.',
  );
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, 'results-import-refused.png'), fullPage: true });
  expect(Object.values(await outcomes())).toEqual(['not-known', 'not-known', 'not-known']);
}, 60_000);

test('a good file sets each matched outcome (any column order, UK dates, spacing and case)', async () => {
  const csv = [
    'Result,Date,Assessment,Reg No',
    'Pass,03/03/2026,unit 1  safety,r001',
    'Fail,2026-03-03,Unit 1 Safety,R002',
    'Absent,5/3/2026,Unit 2 Tools,R001',
  ].join('\n');
  await importFile('results-march.csv', csv);
  expect(await page.$eval('#import-done strong', (el) => el.textContent)).toBe(
    'Imported results-march.csv: 3 outcomes set.',
  );
  await page.screenshot({ path: join(SHOTS, 'results-import-done.png'), fullPage: true });
  expect(await outcomes()).toEqual({
    'R001@2026-03-03': 'passed',
    'R002@2026-03-03': 'failed',
    'R001@2026-03-05': 'absent',
  });
  // The same results again (a copy: the browser will not re-read a chosen file that changed) change nothing, and say so.
  await importFile('results-march-copy.csv', csv);
  expect(await page.$eval('#import-done strong', (el) => el.textContent)).toBe(
    'Imported results-march-copy.csv: 0 outcomes set, 3 already recorded.',
  );
}, 60_000);

test('an invigilator may not import results; a body that is not CSV text is refused', async () => {
  const r = await ready.admin.post<{ invigilator: { id: string } }>('/api/invigilators', {
    name: 'Ivy Invigilator',
    pin: '77002',
    password: 'a long enough password',
    role: 'invigilator',
  });
  expect(r.status).toBe(201);
  const ivy = new ConsoleClient(ready.proc.url);
  await ivy.signIn('Ivy Invigilator', '77002', 'a long enough password');
  const refused = await ivy.post('/api/results/import', {
    csv: 'Registration number,Assessment,Date,Result\n',
  });
  expect(refused.status).toBe(403);
  const wrong = await ready.admin.post('/api/results/import', { csv: 42 });
  expect(wrong.status).toBe(400);
  expect(wrong.text).toMatch(/csv/);
  const empty = await ready.admin.post<{ problems: { row: number | null; message: string }[] }>(
    '/api/results/import',
    { csv: '' },
  );
  expect(empty.status).toBe(400);
  expect(empty.body.problems.length).toBeGreaterThan(0);
});
