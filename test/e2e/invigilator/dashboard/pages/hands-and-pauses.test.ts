/**
 * Raised hands and pauses on the dashboard in real Chromium, live, against `invigil console` as a real
 * process with seats speaking the real seat protocol (the agent's console link): a raised hand rises to
 * the top of the map in words, the longest-waiting first; the sound is off until turned on; answering
 * needs a reason (and a note for "other"); a seat is paused and resumed from its card. Screenshots:
 * test-results/screenshots/hands-seat-map.png, hands-answer-dialog.png, pause-dialog.png.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { SeatView } from '../../../../../shared/schemas/console-api.ts';
import { launchDashboardBrowser } from '../../../../helpers/chromium.ts';
import { type ReadyConsole, startReadyConsole } from '../../../../helpers/console-process.ts';
import {
  enrolTestSeat,
  event,
  type SimulatedSeat,
  startSimulatedSeat,
} from '../../../../helpers/console-seat.ts';
import { signInWithLink } from '../../../../helpers/dashboard.ts';

const SHOTS = resolve(import.meta.dirname, '../../../../../test-results/screenshots');
const PCS = ['PC-01', 'PC-02', 'PC-03', 'PC-04', 'PC-05', 'PC-06', 'PC-07', 'PC-08'];
const NAMES = [
  'Amara Obi',
  'Ben Carter',
  'Chen Wei',
  'Dylan Hughes',
  'Eva Novak',
  'Farah Ali',
  'Gus Reid',
  'Hana Ito',
];
let ready: ReadyConsole;
let browser: Browser;
let page: Page;
const seats = new Map<string, SimulatedSeat>();

const cardOrder = () => page.$$eval('.seat-grid > li', (li) => li.map((e) => e.getAttribute('data-seat')));
const lastGate = (s: SimulatedSeat) => s.instructions.filter((i) => i.type === 'instruction/gate').at(-1);

beforeAll(async () => {
  ready = await startReadyConsole();
  for (const pc of PCS) {
    const s = startSimulatedSeat(ready.proc.url, await enrolTestSeat(ready.admin, pc, ready.code), {
      place: `Row A, seat ${pc.slice(-1)}`,
    });
    seats.set(pc, s);
  }
  for (const s of seats.values()) await s.waitFor(() => s.link.connected);
  const created = await ready.admin.post<{ sitting: { id: string; entries: { id: string }[] } }>(
    '/api/sittings',
    {
      room: 'Room 1 (IT suite)',
      startsAt: new Date().toISOString(),
      invigilatorIds: [],
      entries: PCS.map((pc, i) => ({
        candidateName: NAMES[i],
        registrationNumber: `IMI-40${i}10${i}`,
        qualificationNumber: '601/8928/9',
        assessment: 'MOT Testing Classes 4 and 7',
        durationMinutes: 60,
        seatId: seats.get(pc)?.seatId,
      })),
    },
  );
  expect(created.status, created.text).toBe(201);
  const sittingId = created.body.sitting.id;
  for (const e of created.body.sitting.entries)
    await ready.admin.post(`/api/sittings/${sittingId}/entries/${e.id}/identity`, { method: 'photo-id' });
  ({ browser, page } = await launchDashboardBrowser());
  await signInWithLink(page, ready.admin);
  await page.waitForFunction(
    (n) => document.querySelectorAll('.seat-grid > li').length === n,
    {},
    PCS.length,
  );
}, 120_000);

afterAll(async () => {
  await browser?.close();
  for (const s of seats.values()) await s.stop();
  expect(await ready?.stop()).toBe(0);
});

test('a raised hand rises to the top of the map in words, the longest waiting first; the sound is off until turned on', async () => {
  expect(await cardOrder()).toEqual(PCS);
  expect(await page.$eval('#hand-sound', (e) => (e as HTMLInputElement).checked)).toBe(false);
  const sent = Date.now();
  seats.get('PC-05')?.outbox.add(event('event/hand-raised', { via: 'shortcut' }));
  await page.waitForSelector('[data-seat="PC-05"] .seat-hand');
  console.log(`[hands] hand raised → on the dashboard: ${Date.now() - sent} ms`);
  expect(await page.$eval('[data-seat="PC-05"] .seat-hand', (e) => e.textContent)).toMatch(
    /^Hand raised \d\d:\d\d/,
  );
  expect((await cardOrder())[0]).toBe('PC-05');
  seats.get('PC-02')?.outbox.add(event('event/hand-raised', { via: 'button' }));
  await page.waitForSelector('[data-seat="PC-02"] .seat-hand');
  expect((await cardOrder()).slice(0, 3)).toEqual(['PC-05', 'PC-02', 'PC-01']);
  // Raised again while open: the same hand, counted.
  seats.get('PC-05')?.outbox.add(event('event/hand-raised', { via: 'button' }));
  await page.waitForFunction(() =>
    document.querySelector('[data-seat="PC-05"] .seat-hand')?.textContent?.includes('(2 times)'),
  );
  await page.click('#hand-sound');
  await page.reload();
  await page.waitForSelector('[data-seat="PC-05"] .seat-hand');
  expect(await page.$eval('#hand-sound', (e) => (e as HTMLInputElement).checked)).toBe(true);
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, 'hands-seat-map.png') });
});

test('answering needs a reason; "other" needs a note; the card goes back to its place', async () => {
  await page.click('[data-seat="PC-05"] .hand-answer');
  await page.waitForSelector('#answer-hand-form');
  expect(await page.$eval('#answer-hand-form', (e) => e.textContent)).toContain(
    'Explanation or pronunciation requested',
  );
  await page.screenshot({ path: join(SHOTS, 'hands-answer-dialog.png') });
  await page.click('#answer-hand-form input[value="other"]');
  await page.click('#answer-hand');
  await page.waitForSelector('#answer-hand-form .error');
  expect(await page.$eval('#answer-hand-form .error', (e) => e.textContent)).toContain('note');
  await page.type('#answer-hand-form input[name=note]', 'Asked for a tissue');
  await page.click('#answer-hand');
  await page.waitForFunction(() => !document.querySelector('[data-seat="PC-05"] .seat-hand'));
  expect((await cardOrder()).slice(0, 2)).toEqual(['PC-02', 'PC-01']);
  const seatsNow = await ready.admin.get<{ seats: SeatView[] }>('/api/seats');
  expect(seatsNow.body.seats.find((s) => s.pcName === 'PC-05')?.hand).toBeNull();
});

test('a seat is paused from its card with a reason, shown Held (paused), and resumed', async () => {
  const s = seats.get('PC-07') as SimulatedSeat;
  expect(lastGate(s)?.state).toBe('released');
  await page.click('[data-seat="PC-07"] button[aria-label^="Pause"]');
  await page.waitForSelector('#pause-form');
  await page.click('#pause-form input[value="candidate-unwell"]');
  await page.screenshot({ path: join(SHOTS, 'pause-dialog.png') });
  await page.click('#start-pause');
  await s.waitFor(() => lastGate(s)?.state === 'held' && lastGate(s)?.paused === true);
  await page.waitForSelector('[data-seat="PC-07"] .seat-pause');
  expect(await page.$eval('[data-seat="PC-07"] .seat-pause', (e) => e.textContent)).toContain(
    'Candidate unwell',
  );
  expect(await page.$eval('[data-seat="PC-07"] .gate', (e) => e.textContent)).toBe('Held (paused)');
  await page.click('[data-seat="PC-07"] .seat-pause button');
  await s.waitFor(() => lastGate(s)?.state === 'released');
  await page.waitForFunction(() => !document.querySelector('[data-seat="PC-07"] .seat-pause'));
});
