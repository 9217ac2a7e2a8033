/**
 * Raise a hand and pause, end to end, every part real: `invigil console` (process, SQLite file), an
 * exam PC made of a real X display with a window manager, `invigil agent` enrolled with `invigil
 * enrol`, Chromium in a window on that display with the built extension linked through the real
 * `invigil native-host`, and the invigilator's dashboard in a second Chromium. The candidate raises a
 * hand with the popup's button and with the keyboard shortcut (the manifest's command, pressed with
 * xdotool on the X display as a candidate's keyboard would); the invigilator sees it on the seat map,
 * answers it with a reason, pauses the seat and then the room (the candidate's browser shows the
 * holding page), resumes, and the record holds all of it. Screenshots in test-results/screenshots/.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { HAND_REPEAT_MS, RAISE_HAND_KEYS } from '../../../extension/features/raise-hand/constants.ts';
import type { InvigilationRecord, SeatView } from '../../../shared/schemas/console-api.ts';
import { assertBuilt, waitFor } from '../../helpers/agent-cli.ts';
import { ASSESSMENT, type ChainSeat, seatCandidate, startChainSeat } from '../../helpers/chain-seat.ts';
import { extensionUrl, type LaunchedBrowser } from '../../helpers/chromium.ts';
import type { ReadyConsole } from '../../helpers/console-process.ts';
import { signedInDashboard } from '../../helpers/dashboard.ts';
import { PAGE_PATHS, screenshot, waitForUrl } from '../../helpers/extension-state.ts';

const PC = 'EXAM-PC-12';
const SHOTS = join(import.meta.dirname, '../../../test-results/screenshots');

let seat: ChainSeat;
let console_: ReadyConsole;
let seatBrowser: LaunchedBrowser;
let candidate: Page;
let dashboardBrowser: Browser;
let dashboard: Page;
let sittingId = '';
let seatId = '';
let firstRaise = 0;

const xdotool = (...args: string[]) =>
  execFileSync('xdotool', args, {
    env: { ...process.env, DISPLAY: seat.x.display },
    encoding: 'utf8',
  }).trim();

async function seatView(): Promise<SeatView> {
  const r = await console_.admin.get<{ seats: SeatView[] }>('/api/seats');
  const v = r.body.seats.find((s) => s.id === seatId);
  if (!v) throw new Error(`no seat ${PC}`);
  return v;
}

/** The hand line on the seat's card, as the invigilator reads it. */
const handText = () =>
  dashboard.$eval(`[data-seat="${PC}"] .seat-hand`, (e) => e.textContent ?? '').catch(() => null);

beforeAll(async () => {
  assertBuilt();
  // A browser in a window on the exam PC's display: a keyboard shortcut needs a focused window.
  seat = await startChainSeat({ display: 93, pc: PC, place: 'Row C, seat 2', windowed: true });
  console_ = seat.console;
  seatBrowser = seat.seatBrowser;
  candidate = await seatBrowser.browser.newPage();
  await candidate.goto(ASSESSMENT).catch(() => undefined);

  // The candidate and the seat in a sitting, identity confirmed: the candidate is in the assessment.
  seatId = await seat.seatId();
  ({ sittingId } = await seatCandidate(console_, seatId, {
    name: 'Tomasz Nowak',
    registrationNumber: 'IMI-300871',
    room: 'Room 3 (IT suite)',
  }));
  await waitForUrl(candidate, (u) => u.startsWith(ASSESSMENT), 45_000);

  ({ browser: dashboardBrowser, page: dashboard } = await signedInDashboard(console_));
  await dashboard.waitForSelector(`[data-seat="${PC}"]`, { timeout: 30_000 });
}, 300_000);

afterAll(async () => {
  await dashboardBrowser?.close();
  await seat?.stop();
});

test('Raise hand in the toolbar popup reaches the seat map through the real agent and native host, in words', async () => {
  const popup = await seatBrowser.browser.newPage();
  await popup.goto(extensionUrl(PAGE_PATHS.popup));
  await popup.waitForSelector('#raise-hand');
  firstRaise = Date.now();
  await popup.click('#raise-hand');
  await popup.waitForSelector('#hand-state');
  expect(await popup.$eval('#hand-state', (e) => e.textContent)).toContain('Your hand is raised');
  await dashboard.waitForSelector(`[data-seat="${PC}"] .seat-hand`, { timeout: 10_000 });
  const shownAfter = Date.now() - firstRaise;
  console.log(`[raise-hand] button press → seat map: ${shownAfter} ms`);
  expect(await handText()).toMatch(/Hand raised \d\d:\d\d/);
  await screenshot(popup, 'raise-hand-popup');
  await popup.close();
  // The card rose to the top of the map.
  expect(await dashboard.$eval('.seat-grid > li', (e) => e.getAttribute('data-seat'))).toBe(PC);
  await dashboard.screenshot({ path: join(SHOTS, 'raise-hand-seat-map-chain.png') });
  expect((await seatView()).hand?.via).toBe('button');
}, 60_000);

test('the invigilator answers the hand with a reason from the catalog', async () => {
  await dashboard.click(`[data-seat="${PC}"] .hand-answer`);
  await dashboard.waitForSelector('#answer-hand-form');
  await dashboard.click('#answer-hand-form input[value="explanation-or-pronunciation"]');
  await dashboard.type('#answer-hand-form input[name=note]', 'Pronounced "torque"');
  await dashboard.click('#answer-hand');
  await dashboard.waitForFunction((pc) => !document.querySelector(`[data-seat="${pc}"] .seat-hand`), {}, PC);
  expect((await seatView()).hand).toBeNull();
});

test('the keyboard shortcut raises a hand from the assessment page, without leaving it', async () => {
  // The browser gave the command its suggested keys (a conflict would leave it without any).
  const worker = await seatBrowser.worker();
  const shortcut = await worker.evaluate(async () => {
    const all = await chrome.commands.getAll();
    return all.find((c) => c.name === 'raise-hand')?.shortcut ?? '';
  });
  expect(shortcut).toBe(RAISE_HAND_KEYS);
  // The same hand for a few seconds after the first press: wait until a new one counts.
  await new Promise((r) => setTimeout(r, Math.max(0, firstRaise + HAND_REPEAT_MS + 500 - Date.now())));
  await candidate.bringToFront();
  const win = await waitFor('the browser window', () => {
    try {
      return xdotool('search', '--onlyvisible', '--class', 'chromium').split('\n').filter(Boolean).at(-1);
    } catch {
      return undefined;
    }
  });
  xdotool('windowactivate', '--sync', win);
  const pressed = Date.now();
  xdotool('key', '--clearmodifiers', 'alt+shift+h');
  await dashboard.waitForSelector(`[data-seat="${PC}"] .seat-hand`, { timeout: 10_000 });
  console.log(`[raise-hand] shortcut → seat map: ${Date.now() - pressed} ms`);
  expect((await seatView()).hand?.via).toBe('shortcut');
  // The candidate stayed in the assessment.
  expect(candidate.url()).toMatch(/^http:\/\/awarding\.theimi\.org\.uk\/assessment/);
  await dashboard.click(`[data-seat="${PC}"] .hand-answer`);
  await dashboard.waitForSelector('#answer-hand-form');
  await dashboard.click('#answer-hand-form input[value="question-issue"]');
  await dashboard.click('#answer-hand');
  await dashboard.waitForFunction((pc) => !document.querySelector(`[data-seat="${pc}"] .seat-hand`), {}, PC);
}, 60_000);

test('pausing the seat shows the candidate the holding page; resuming returns to the assessment', async () => {
  await dashboard.click(`[data-seat="${PC}"] button[aria-label^="Pause"]`);
  await dashboard.waitForSelector('#pause-form');
  await dashboard.click('#pause-form input[value="exam-froze"]');
  await dashboard.click('#start-pause');
  await waitForUrl(candidate, (u) => u.includes('/pages/hold/'), 30_000);
  await candidate.waitForFunction(
    () =>
      document.querySelector('#hold-title')?.textContent === 'Your invigilator has paused your assessment',
    { timeout: 15_000 },
  );
  await screenshot(candidate, 'pause-hold-page');
  await dashboard.waitForSelector(`[data-seat="${PC}"] .seat-pause`);
  expect(await dashboard.$eval(`[data-seat="${PC}"] .seat-pause`, (e) => e.textContent)).toContain(
    'The assessment froze',
  );
  await dashboard.screenshot({ path: join(SHOTS, 'pause-seat-map.png') });
  await new Promise((r) => setTimeout(r, 1200));
  await dashboard.click(`[data-seat="${PC}"] .seat-pause button`);
  await waitForUrl(candidate, (u) => u.startsWith(ASSESSMENT), 30_000);
  await dashboard.waitForFunction((pc) => !document.querySelector(`[data-seat="${pc}"] .seat-pause`), {}, PC);
}, 90_000);

test('pausing the whole room holds the seat until the room is resumed', async () => {
  await dashboard.select('#seat-filter', sittingId);
  await dashboard.waitForSelector('#pause-room');
  await dashboard.click('#pause-room');
  await dashboard.waitForSelector('#pause-form');
  await dashboard.click('#pause-form input[value="fire-alarm"]');
  await dashboard.click('#start-pause');
  await waitForUrl(candidate, (u) => u.includes('/pages/hold/'), 30_000);
  await dashboard.waitForSelector('#resume-room');
  expect(await dashboard.$eval(`[data-seat="${PC}"] .seat-pause`, (e) => e.textContent)).toContain(
    'Room paused',
  );
  await dashboard.click('#resume-room');
  await waitForUrl(candidate, (u) => u.startsWith(ASSESSMENT), 30_000);
}, 90_000);

test('the record holds both hands with their answers and each pause with its length', async () => {
  const record = (
    await console_.admin.get<{ record: InvigilationRecord }>(`/api/sittings/${sittingId}/record`)
  ).body.record;
  expect(record.hands?.map((h) => [h.via, h.reasonLabel, h.answeredBy])).toEqual([
    ['button', 'Explanation or pronunciation requested', 'Dana Okafor'],
    ['shortcut', 'Possible issue with a question or diagram', 'Dana Okafor'],
  ]);
  expect(record.pauses?.map((p) => [p.scope, p.reasonLabel, p.endedAt !== null])).toEqual([
    ['seat', 'The assessment froze', true],
    ['room', 'Fire alarm', true],
  ]);
  expect(record.pauses?.[0]?.durationSeconds).toBeGreaterThanOrEqual(1);
  expect(record.incidents.filter((i) => i.kind === 'hand-raised')).toHaveLength(2);
  await dashboard.goto(`${console_.proc.url}/#/sittings/${sittingId}/record`);
  await dashboard.waitForSelector('#record-pauses');
  const text = await dashboard.$eval('body', (e) => e.textContent ?? '');
  for (const s of [
    'Raised hands (2)',
    'Pronounced "torque"',
    'keyboard shortcut',
    'Pauses (2)',
    'Fire alarm',
  ])
    expect(text).toContain(s);
  await dashboard.screenshot({ path: join(SHOTS, 'raise-hand-record.png'), fullPage: true });
});
