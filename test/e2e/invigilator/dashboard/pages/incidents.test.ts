/**
 * The Incidents page in real Chromium, live: a seat repeating itself is one row whose count grows as
 * the repeats arrive, with the first and last times. Screenshot: test-results/screenshots/console-incidents-repeats.png.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchDashboardBrowser } from '../../../../helpers/chromium.ts';
import { type ReadyConsole, startReadyConsole } from '../../../../helpers/console-process.ts';
import { openRawSeat } from '../../../../helpers/console-raw-seat.ts';
import { enrolTestSeat } from '../../../../helpers/console-seat.ts';
import { signInWithLink } from '../../../../helpers/dashboard.ts';

const SHOTS = resolve(import.meta.dirname, '../../../../../test-results/screenshots');
let ready: ReadyConsole;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  ready = await startReadyConsole();
  ({ browser, page } = await launchDashboardBrowser());
  await signInWithLink(page, ready.admin);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  expect(await ready?.stop()).toBe(0);
});

test('a seat repeating itself is one row whose count grows live', async () => {
  const seat = await openRawSeat(ready.proc.url, await enrolTestSeat(ready.admin, 'PC-09', ready.code));
  await seat.hello('PC-09');
  await page.goto(`${ready.proc.url}/#/incidents`);
  await page.waitForSelector('.empty, #incident-table');
  const t0 = Date.now();
  const send = async (n: number, from: number) => {
    const events = Array.from({ length: n }, (_, i) => ({
      id: randomUUID(),
      type: 'event/blocked-navigation',
      at: new Date(t0 + (from + i) * 1000).toISOString(),
      url: 'https://www.google.com/',
      reason: 'not-allowed',
      frame: 'main',
    }));
    seat.send(JSON.stringify({ type: 'seat/events', batchId: randomUUID(), events }));
    await seat.waitFor((m) =>
      m.type === 'event/ack' && m.ids.includes(events[0]?.id ?? '') ? m : undefined,
    );
  };
  await send(1, 0);
  await page.waitForSelector('#incident-table tr[data-kind="site-blocked"]');
  expect(await page.$('#incident-table tr[data-kind="site-blocked"] .repeats')).toBeNull();
  await send(4, 10);
  await page.waitForFunction(() =>
    document
      .querySelector('#incident-table tr[data-kind="site-blocked"] .repeats')
      ?.textContent?.startsWith('5 times, '),
  );
  expect(await page.$$eval('#incident-table tr[data-kind="site-blocked"]', (rows) => rows.length)).toBe(1);
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, 'console-incidents-repeats.png'), fullPage: true });
  seat.close();
}, 60_000);
