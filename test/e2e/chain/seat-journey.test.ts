/**
 * The whole product on one machine, every part real: `invigil console` (process, SQLite file), an
 * exam PC made of a real X display, `invigil agent` (process) enrolled with `invigil enrol`, and
 * Chromium with the built extension linked through the real native host; the invigilator watches in
 * a second Chromium. The seat turns Ready, is held until the identity check releases it, turns Not
 * ready when a password manager starts (with the reason), records a blocked site, turns Offline when
 * the agent stops, and the exported record holds all of it.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type AgentProcess, assertBuilt } from '../../helpers/agent-cli.ts';
import {
  killAllNamedProcesses,
  type NamedProcess,
  startNamedProcess,
} from '../../helpers/agent-processes.ts';
import { ASSESSMENT, type ChainSeat, startChainSeat } from '../../helpers/chain-seat.ts';
import { launchDashboardBrowser } from '../../helpers/chromium.ts';
import type { ReadyConsole } from '../../helpers/console-process.ts';
import { isBlockedPage, screenshot, waitForUrl } from '../../helpers/extension-state.ts';

const PC = 'EXAM-PC-07';

let seat: ChainSeat;
let console_: ReadyConsole;
let agent: AgentProcess;
let candidate: Page;
let dashboardBrowser: Browser;
let dashboard: Page;
let passwordManager: NamedProcess | undefined;
let sittingId = '';

async function seatBadge(): Promise<{ state: string | null; reasons: string }> {
  return dashboard.evaluate((pc) => {
    const seat = document.querySelector(`[data-seat="${pc}"]`);
    return {
      state: seat?.querySelector('.badge')?.getAttribute('data-state') ?? null,
      reasons: seat?.querySelector('.reasons')?.textContent ?? '',
    };
  }, PC);
}

async function waitSeat(state: string, timeout = 45_000): Promise<{ state: string | null; reasons: string }> {
  await dashboard.waitForSelector(`[data-seat="${PC}"] .badge[data-state="${state}"]`, { timeout });
  return seatBadge();
}

beforeAll(async () => {
  assertBuilt();
  seat = await startChainSeat({
    display: 93,
    pc: PC,
    place: 'Row B, seat 7',
    extraHosts: ['answers.example.net'],
  });
  console_ = seat.console;
  agent = seat.agent;
  // `invigil enrol` wrote the seat's credential readable by root only.
  expect(statSync(seat.ws.configFile).mode & 0o777).toBe(0o600);
  candidate = await seat.seatBrowser.browser.newPage();
  await candidate.goto(ASSESSMENT).catch(() => undefined);

  ({ browser: dashboardBrowser, page: dashboard } = await launchDashboardBrowser());
  await dashboard.goto(console_.proc.url);
  await dashboard.waitForSelector('#sign-in');
  await dashboard.type('input[name=name]', 'Dana Okafor');
  await dashboard.type('input[name=pin]', '40213');
  await dashboard.type('input[name=password]', 'correct horse battery');
  await dashboard.click('#sign-in button[type=submit]');
  await dashboard.waitForSelector('.topbar .live-dot.on');
}, 300_000);

afterAll(async () => {
  killAllNamedProcesses();
  await passwordManager?.stop();
  await dashboardBrowser?.close();
  await seat?.stop();
});

test('a real agent enrolled with the code turns its seat Ready on the seat map', async () => {
  const seat = await waitSeat('ready', 90_000);
  expect(seat.reasons).toBe('');
  expect(await dashboard.$eval(`[data-seat="${PC}"] .seat-place`, (e) => e.textContent)).toBe(
    'Row B, seat 7',
  );
});

test('the seat is held until the invigilator confirms the identity; then the candidate reaches the assessment', async () => {
  // No candidate yet: the console holds the seat, and the candidate's browser shows the holding page.
  await waitForUrl(candidate, (u) => u.includes('/pages/hold/'), 30_000);

  const invigilators = await console_.admin.get<{ invigilators: { id: string }[] }>('/api/invigilators');
  const seats = await console_.admin.get<{ seats: { id: string; pcName: string }[] }>('/api/seats');
  const seatId = seats.body.seats.find((s) => s.pcName === PC)?.id;
  expect(seatId).toBeDefined();
  const created = await console_.admin.post<{ sitting: { id: string } }>('/api/sittings', {
    room: 'Room 4 (IT suite)',
    startsAt: new Date().toISOString(),
    invigilatorIds: invigilators.body.invigilators.map((i) => i.id),
    entries: [
      {
        candidateName: 'Amira Hussain',
        registrationNumber: 'IMI-100234',
        qualificationNumber: '601/8928/9',
        assessment: 'MOT Testing Classes 4 and 7',
        durationMinutes: 60,
        seatId,
      },
    ],
  });
  expect(created.status, created.text).toBe(201);
  sittingId = created.body.sitting.id;

  // The holding page names the candidate expected at this PC (as text).
  await candidate.waitForFunction(() => document.body.textContent?.includes('Amira Hussain'), {
    timeout: 30_000,
  });
  await screenshot(candidate, 'journey-hold');

  await dashboard.goto(`${console_.proc.url}/#/`);
  await dashboard.waitForSelector(`[data-seat="${PC}"] .seat-actions .button.primary`, { timeout: 30_000 });
  await dashboard.click(`[data-seat="${PC}"] .seat-actions .button.primary`);
  await dashboard.waitForSelector('#identity-form');
  await dashboard.type('#identity-form input[name=note]', 'College ID card 4471');
  await dashboard.click('#confirm-identity');

  // Released: the candidate's tab goes on to the assessment.
  await waitForUrl(candidate, (u) => u.startsWith(ASSESSMENT), 30_000);
  expect(await candidate.$eval('#host', (e) => e.textContent)).toBe('awarding.theimi.org.uk');
  await dashboard.waitForFunction(
    (pc) => document.querySelector(`[data-seat="${pc}"] .gate`)?.textContent === 'Released',
    { timeout: 30_000 },
    PC,
  );
});

test('a password manager started on the PC turns the seat Not ready with the reason, and Ready once it quits', async () => {
  passwordManager = await startNamedProcess('KeePassXC');
  const seat = await waitSeat('not-ready');
  expect(seat.reasons).toContain('KeePassXC');
  await dashboard.screenshot({
    path: join(import.meta.dirname, '../../../test-results/screenshots/journey-not-ready.png'),
  });
  await passwordManager.stop();
  passwordManager = undefined;
  await waitSeat('ready');
});

test('a site the candidate tries is blocked in the browser and becomes an incident', async () => {
  await candidate.goto('http://answers.example.net/mot-answers').catch(() => undefined);
  await waitForUrl(candidate, isBlockedPage);
  await dashboard.goto(`${console_.proc.url}/#/incidents`);
  await dashboard.waitForSelector('#incident-table tr[data-kind="site-blocked"]', { timeout: 45_000 });
  const text = await dashboard.$eval('#incident-table', (e) => e.textContent ?? '');
  expect(text).toContain('answers.example.net');
  expect(text).toContain(PC);
});

test('stopping the agent turns the seat Offline', async () => {
  await dashboard.goto(`${console_.proc.url}/#/`);
  await waitSeat('ready');
  const code = await agent.stop();
  expect(code, agent.logs().slice(-3000)).toBe(0);
  const seat = await waitSeat('offline');
  expect(seat.reasons).toContain('stopped reporting');
});

test('the exported record holds the candidate, the PC, the identity check and every incident', async () => {
  const csv = await console_.admin.get(`/api/sittings/${sittingId}/record.csv`);
  expect(csv.status).toBe(200);
  for (const expected of [
    'Dana Okafor,40213',
    'Amira Hussain',
    'IMI-100234',
    PC,
    'College ID card 4471',
    'Password manager started',
    'KeePassXC',
    'Site blocked',
    'http://answers.example.net/mot-answers',
    'Seat offline',
  ]) {
    expect(csv.text).toContain(expected);
  }
  // Each incident once, although events may have been sent more than once along the way.
  const siteBlocked = csv.text
    .split('\n')
    .filter((l) => l.includes('http://answers.example.net/mot-answers'));
  expect(siteBlocked).toHaveLength(1);
});
