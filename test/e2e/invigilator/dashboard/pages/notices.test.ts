/**
 * The Notices page in real Chromium against `invigil console` as a real process: a PC that enrolled
 * an enrolled name waits there with where it came from (its user agent shown as text, however hostile);
 * a coordinator approves it, which disconnects the PC reporting as that seat; refused connections show
 * and can be dismissed. Screenshots: test-results/screenshots/console-notices-*.png.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchDashboardBrowser } from '../../../../helpers/chromium.ts';
import { type ReadyConsole, startReadyConsole } from '../../../../helpers/console-process.ts';
import { openRawSeat, type RawSeat } from '../../../../helpers/console-raw-seat.ts';
import { enrolTestSeat, type SeatCredentials } from '../../../../helpers/console-seat.ts';

const SHOTS = resolve(import.meta.dirname, '../../../../../test-results/screenshots');
const HOSTILE_UA = '<img src=x onerror="document.title=\'pwned\'">Mozilla/5.0 (X11; Linux x86_64)';

let ready: ReadyConsole;
let browser: Browser;
let page: Page;
let original: SeatCredentials;
let oldSocket: RawSeat;
let replacement: { seatId: string; credential: string };

async function shot(name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `console-notices-${name}.png`), fullPage: true });
}

beforeAll(async () => {
  ready = await startReadyConsole();
  ({ browser, page } = await launchDashboardBrowser());
  // The browser signs in as the coordinator with a one-time link.
  const me = await ready.admin.get<{ invigilator: { id: string } }>('/api/me');
  const link = await ready.admin.post<{ url: string }>(
    `/api/invigilators/${me.body.invigilator.id}/sign-in-links`,
    {},
  );
  await page.goto(link.body.url);
  await page.waitForSelector('.topbar');

  original = await enrolTestSeat(ready.admin, 'PC-07', ready.code);
  oldSocket = await openRawSeat(ready.proc.url, original);
  await oldSocket.hello('PC-07');
  // Another PC, with a fresh code, enrols the same name and sends a hostile user agent.
  const code = await ready.admin.post<{ code: string }>('/api/enrolment-codes', {});
  const res = await fetch(`${ready.proc.url}/api/seats/enrol`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': HOSTILE_UA },
    body: JSON.stringify({ code: code.body.code, pcName: 'PC-07' }),
  });
  expect(res.status).toBe(202);
  replacement = (await res.json()) as { seatId: string; credential: string };
  // And something keeps trying a wrong credential for another seat.
  const other = await enrolTestSeat(ready.admin, 'PC-12', ready.code);
  for (let i = 0; i < 6; i++) {
    await openRawSeat(ready.proc.url, { seatId: other.seatId, credential: 'w'.repeat(43) }).catch(
      () => undefined,
    );
  }
}, 120_000);

afterAll(async () => {
  oldSocket?.close();
  await browser?.close();
  expect(await ready?.stop()).toBe(0);
});

test('the request and the refused connections are on the Notices page, counted in the menu; what the PC sent is text', async () => {
  await page.goto(`${ready.proc.url}/#/notices`);
  await page.waitForSelector('#replacement-requests tbody tr');
  await page.waitForSelector('#refused-connections tbody tr', { timeout: 20_000 });
  await page.waitForFunction(
    () => document.querySelector('#notice-count')?.textContent === '2 need attention',
  );
  const row = await page.$eval('#replacement-requests tbody tr', (tr) => ({
    text: tr.textContent ?? '',
    images: tr.querySelectorAll('img').length,
  }));
  expect(row.text).toContain('PC-07');
  expect(row.text).toContain('127.0.0.1');
  expect(row.text).toContain(HOSTILE_UA);
  expect(row.images).toBe(0);
  expect(await page.title()).not.toBe('pwned');
  const refused = await page.$eval('#refused-connections tbody tr', (tr) => tr.textContent ?? '');
  expect(refused).toMatch(/PC-12.*\d+ times/);
  // Every button says what it does to whom.
  const unnamed = await page.$$eval(
    '#notices button',
    (bs) => bs.filter((b) => !(b.getAttribute('aria-label') ?? b.textContent ?? '').trim()).length,
  );
  expect(unnamed).toBe(0);
  await shot('01-waiting');
}, 60_000);

test('a coordinator approves it: the PC reporting as that seat is disconnected, the new one reports', async () => {
  await page.click('#replacement-requests button[data-action="approve"]');
  await page.waitForSelector('dialog[open] #confirm-decision');
  const dialog = await page.$eval('dialog[open]', (d) => d.textContent ?? '');
  expect(dialog).toContain('PC-07');
  expect(dialog).toContain(HOSTILE_UA);
  await shot('02-confirm');
  await page.click('#confirm-decision');
  await page.waitForSelector('.banner.ok');
  expect(await page.$eval('.banner.ok', (e) => e.textContent)).toContain('reports as PC-07 now');
  expect((await oldSocket.waitClosed()).code).toBe(4001);
  const fresh = await openRawSeat(ready.proc.url, replacement);
  await fresh.hello('PC-07');
  fresh.close();
  await page.waitForSelector('#decided-requests tbody tr');
  expect(await page.$eval('#decided-requests tbody tr', (tr) => tr.textContent)).toMatch(
    /Approved by Dana Okafor/,
  );
  await page.waitForFunction(
    () => document.querySelector('#notice-count')?.textContent === '1 need attention',
  );
  await shot('03-approved');
}, 60_000);

test('dismissing the refused-connections notice clears it', async () => {
  await page.click('#refused-connections button');
  await page.waitForFunction(() => !document.querySelector('#refused-connections'));
  await page.waitForFunction(() => !document.querySelector('#notice-count'));
  const audit = await ready.admin.get<{ audit: { action: string }[] }>('/api/audit');
  expect(audit.body.audit.map((a) => a.action)).toContain('notice.dismiss');
  await shot('04-dismissed');
}, 60_000);

test('the incidents page shows the replacement and the refusals on those seats', async () => {
  await page.goto(`${ready.proc.url}/#/incidents`);
  await page.waitForSelector('#incident-table tbody tr');
  const kinds = await page.$$eval('#incident-table tbody tr', (trs) =>
    trs.map((tr) => tr.getAttribute('data-kind')),
  );
  expect(kinds.filter((k) => k === 'seat-replacement')).toHaveLength(2);
  expect(kinds).toContain('seat-connection-refused');
  expect(await page.$$eval('#incident-table img', (i) => i.length)).toBe(0);
  await shot('05-incidents');
}, 60_000);
