/**
 * Sites on the dashboard (issue 12), on a real console process with a real SQLite file, real seats
 * speaking the protocol and real Chromium: the centre coordinator's Sites page (kinds in words, rooms,
 * adding a site and a room), the coordinator's site filter on the seat map, sittings and records, and an
 * invigilator at a satellite site who sees only that site (their site named in the top bar, no filter).
 * Screenshots: test-results/screenshots/sites-*.png.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { SiteView } from '../../../../../shared/schemas/sites.ts';
import { launchDashboardBrowser } from '../../../../helpers/chromium.ts';
import { type ReadyConsole, startReadyConsole } from '../../../../helpers/console-process.ts';
import { enrolTestSeat, type SimulatedSeat, startSimulatedSeat } from '../../../../helpers/console-seat.ts';
import { signInWithLink } from '../../../../helpers/dashboard.ts';

const SHOTS = resolve(import.meta.dirname, '../../../../../test-results/screenshots');
let ready: ReadyConsole;
let browser: Browser;
let page: Page;
let riverside: SiteView;
const seats: SimulatedSeat[] = [];
const sittingIds: Record<string, string> = {};

const entry = (name: string, reg: string, seatId: string) => ({
  candidateName: name,
  registrationNumber: reg,
  qualificationNumber: '601/8928/9',
  qualificationType: 'other' as const,
  assessment: 'Health and Safety',
  durationMinutes: 60,
  seatId,
});

async function texts(p: Page, selector: string): Promise<string[]> {
  return p.$$eval(selector, (els) => els.map((e) => (e.textContent ?? '').trim()));
}

async function until<T>(fn: () => Promise<T | undefined | false>, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const seatNames = (p: Page) => p.$$eval('[data-seat]', (els) => els.map((e) => e.getAttribute('data-seat')));

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  ready = await startReadyConsole();
  const admin = ready.admin.api;
  riverside = (
    await admin.call('createSite', {
      body: { name: 'Riverside Campus', kind: 'satellite', rooms: ['Lab 1', 'Lab 2'] },
    })
  ).site;
  const east = (
    await admin.call('createSite', {
      body: { name: 'Eastgate Training', kind: 'sub-contracted', rooms: ['East 1'] },
    })
  ).site;
  const codes = {
    'PC-MAIN-01': ready.code,
    'PC-RIV-01': (await admin.call('createEnrolmentCode', { body: { uses: 1, siteId: riverside.id } })).code,
    'PC-EAST-01': (await admin.call('createEnrolmentCode', { body: { uses: 1, siteId: east.id } })).code,
  };
  for (const [pc, code] of Object.entries(codes)) {
    const seat = startSimulatedSeat(ready.proc.url, await enrolTestSeat(ready.admin, pc, code));
    seats.push(seat);
    await seat.waitFor(() => seat.link.connected);
  }
  const startsAt = new Date(Date.now() + 1_800_000).toISOString();
  const [main, river] = seats as [SimulatedSeat, SimulatedSeat];
  sittingIds.main = (
    await admin.call('createSitting', {
      body: {
        room: 'Room 4',
        startsAt,
        invigilatorIds: [],
        entries: [entry('Main Candidate', 'IMI-1', main.seatId)],
      },
    })
  ).sitting.id;
  sittingIds.river = (
    await admin.call('createSitting', {
      body: {
        room: 'Lab 1',
        startsAt,
        invigilatorIds: [],
        siteId: riverside.id,
        entries: [entry('River Candidate', 'IMI-2', river.seatId)],
      },
    })
  ).sitting.id;
  ({ browser, page } = await launchDashboardBrowser());
  await signInWithLink(page, ready.admin);
}, 120_000);

afterAll(async () => {
  for (const s of seats) await s.stop();
  await browser?.close();
  expect(await ready?.stop()).toBe(0);
});

test('the Sites page: kinds in words and rooms; the coordinator adds a site and a room', async () => {
  await page.goto(`${ready.proc.url}/#/sites`);
  await page.waitForSelector('#sites-table tr[data-site="Riverside Campus"]');
  const rows = await texts(page, '#sites-table tbody tr');
  expect(rows.find((r) => r.startsWith('Main site'))).toContain('Lead site');
  expect(rows.find((r) => r.startsWith('Riverside Campus'))).toMatch(/Satellite site.*Lab 1.*Lab 2/s);
  expect(rows.find((r) => r.startsWith('Eastgate Training'))).toContain('Sub-contracted delivery site');

  await page.click('#add-site');
  await page.waitForSelector('#add-site-form');
  await page.type('#site-name', 'Northfield');
  await page.select('#site-kind', 'multi-site');
  await page.type('#site-rooms', 'N1, N2');
  await page.click('#add-site-save');
  await page.waitForSelector('#sites-table tr[data-site="Northfield"]');
  expect((await texts(page, '#sites-table tr[data-site="Northfield"]'))[0]).toMatch(/Multi-site.*N1.*N2/s);

  await page.click('button[aria-label="Add a room to Riverside Campus"]');
  await page.waitForSelector('#name-form');
  await page.type('#name-input', 'Lab 3');
  await page.click('#name-save');
  await until(
    async () => (await texts(page, '#sites-table tr[data-site="Riverside Campus"]'))[0]?.includes('Lab 3'),
    'the new room',
  );
  const sites = (await ready.admin.api.call('listSites', {})).sites;
  expect(sites.find((s) => s.name === 'Riverside Campus')?.rooms.map((r) => r.name)).toEqual([
    'Lab 1',
    'Lab 2',
    'Lab 3',
  ]);
  await page.screenshot({ path: join(SHOTS, 'sites-page.png'), fullPage: true });
});

test('the coordinator’s site filter: seat map, sittings and records show one site, or all', async () => {
  await page.goto(`${ready.proc.url}/#/`);
  await page.waitForSelector('#site-filter');
  const pcs = () => seatNames(page);
  await until(async () => (await pcs()).length === 3, 'three seats on the map');
  await page.select('#site-filter', riverside.id);
  await until(async () => (await pcs()).length === 1, 'only Riverside’s seat');
  expect(await pcs()).toEqual(['PC-RIV-01']);
  await page.screenshot({ path: join(SHOTS, 'sites-seat-map-filtered.png'), fullPage: true });

  // The filter follows to the sittings (kept for the tab).
  await page.goto(`${ready.proc.url}/#/sittings`);
  await page.waitForSelector('table.table tbody tr');
  await until(async () => (await texts(page, 'table.table tbody tr')).length === 1, 'one sitting');
  expect((await texts(page, 'table.table tbody tr'))[0]).toMatch(/Riverside Campus.*Lab 1/);
  expect(await page.$eval('#site-filter', (e) => (e as HTMLSelectElement).value)).toBe(riverside.id);

  await page.goto(`${ready.proc.url}/#/records`);
  await page.waitForSelector('#records-heading');
  expect(await page.$eval('#records-heading', (e) => e.textContent)).toContain(
    'Riverside Campus (Satellite site)',
  );
  expect(await texts(page, '.record .record-site')).toEqual(['Riverside Campus (Satellite site)']);
  const csvHref = await page.$eval('#records-csv', (e) => e.getAttribute('href'));
  expect(csvHref).toContain(`siteId=${riverside.id}`);
  await page.screenshot({ path: join(SHOTS, 'sites-records-riverside.png'), fullPage: true });

  await page.select('#site-filter', '');
  // The page reloads the records (the heading is away while it does): wait for the whole centre's.
  await page.waitForFunction(
    () => document.querySelector('#records-heading')?.textContent?.includes('All sites'),
    { timeout: 10_000 },
  );

  expect((await texts(page, '.record .record-site')).sort()).toEqual([
    'Main site (Lead site)',
    'Riverside Campus (Satellite site)',
  ]);
});

test('an invigilator at Riverside sees only Riverside, with the site named in the top bar', async () => {
  const rita = await ready.admin.api.call('createInvigilator', {
    body: { name: 'Rita Banks', pin: '80001', password: 'a long enough password', siteId: riverside.id },
  });
  const context = await browser.createBrowserContext();
  const ritaPage = await context.newPage();
  await ritaPage.setViewport({ width: 1440, height: 900 });
  await signInWithLink(ritaPage, ready.admin, rita.invigilator.id);
  expect(await ritaPage.$eval('#my-site', (e) => e.textContent)).toBe(
    'Your site: Riverside Campus · Satellite site',
  );
  await until(async () => (await seatNames(ritaPage)).length === 1, 'Rita’s one seat');
  expect(await seatNames(ritaPage)).toEqual(['PC-RIV-01']);
  expect(await ritaPage.$('#site-filter')).toBeNull();
  await ritaPage.screenshot({ path: join(SHOTS, 'sites-invigilator-seat-map.png'), fullPage: true });

  await ritaPage.goto(`${ready.proc.url}/#/sittings`);
  await ritaPage.waitForSelector('table.table tbody tr');
  expect((await texts(ritaPage, 'table.table tbody tr')).join('\n')).not.toContain('Room 4');
  // Another site's sitting by its address: the console answers as if it did not exist.
  await ritaPage.goto(`${ready.proc.url}/#/sittings/${sittingIds.main}`);
  await ritaPage.waitForSelector('.error');
  expect(await ritaPage.$eval('.error', (e) => e.textContent)).toContain('No such sitting');
  await ritaPage.screenshot({ path: join(SHOTS, 'sites-invigilator-other-site.png'), fullPage: true });
  await context.close();
});
