/**
 * The demo in CI: `invigil demo --headless` as a real process (the built dist/cli/invigil.js) on a
 * machine without a display, driven through its own keys on stdin as a person would press them.
 * The invigilator opens the printed dashboard link in real Chromium (signed in by the link), sees
 * this PC's seat Ready beside the simulated ones; a program named like a password manager turns it
 * Not ready with the reason; a forbidden site becomes an incident; a second display turns it Not
 * ready; Ctrl-C stops every process the demo started and removes its folder.
 */
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { processesMentioning } from '../../../demo/processes.ts';
import { assertBuilt } from '../../helpers/agent-cli.ts';
import { launchDashboardBrowser } from '../../helpers/chromium.ts';
import { type DemoProcess, startDemo } from '../../helpers/demo-process.ts';
import { screenshot } from '../../helpers/extension-state.ts';

const PC = 'THIS-PC';

let demo: DemoProcess;
let dashboardBrowser: Browser;
let dashboard: Page;

async function seat(pc = PC): Promise<{ state: string | null; reasons: string; place: string }> {
  return dashboard.evaluate((name) => {
    const el = document.querySelector(`[data-seat="${name}"]`);
    return {
      state: el?.querySelector('.badge')?.getAttribute('data-state') ?? null,
      reasons: el?.querySelector('.reasons')?.textContent ?? '',
      place: el?.querySelector('.seat-place')?.textContent ?? '',
    };
  }, pc);
}

async function waitSeat(state: string, timeout = 45_000) {
  await dashboard.waitForSelector(`[data-seat="${PC}"] .badge[data-state="${state}"]`, { timeout });
  return seat();
}

beforeAll(async () => {
  assertBuilt();
  demo = await startDemo([]);
  ({ browser: dashboardBrowser, page: dashboard } = await launchDashboardBrowser());
}, 420_000);

afterAll(async () => {
  await dashboardBrowser?.close();
  await demo?.stop();
}, 60_000);

test('the printed dashboard link signs the invigilator in, and this PC shows Ready beside simulated seats', async () => {
  expect(demo.output).toMatch(/Relaxed for this demo/);
  expect(demo.output).toMatch(/extension-not-managed → info: /);
  await dashboard.goto(demo.link);
  await dashboard.waitForSelector('.topbar .live-dot.on', { timeout: 30_000 });
  // The token has left the address bar.
  expect(dashboard.url()).not.toContain('/link/');
  expect(await dashboard.$eval('.who-name', (e) => e.textContent)).toContain('Dana Okafor');

  const ready = await waitSeat('ready', 90_000);
  expect(ready.reasons).toBe('');
  expect(ready.place).toContain('this PC');
  for (const sim of ['SIM-02', 'SIM-03', 'SIM-04', 'SIM-05', 'SIM-06']) {
    await dashboard.waitForSelector(`[data-seat="${sim}"] .badge`, { timeout: 30_000 });
    expect((await seat(sim)).place).toContain('simulated');
  }
  await dashboard.waitForSelector('[data-seat="SIM-04"] .badge[data-state="attention"]', {
    timeout: 30_000,
  });
  expect((await seat('SIM-04')).reasons).toContain('Firefox');
  // Identity checked at start for this PC's candidate; the candidate at SIM-03 waits for "Check ID".
  expect(await dashboard.$eval(`[data-seat="${PC}"] .seat-candidate-name`, (e) => e.textContent)).toBe(
    'Amira Hussain',
  );
  expect(await dashboard.$('[data-seat="SIM-03"] .seat-actions .button.primary')).not.toBeNull();
  await screenshot(dashboard, 'demo-seat-map');

  // The candidate is on the stand-in assessment page (served over https for the awarding body's name).
  expect((await demo.candidateScreenshot('demo-candidate-assessment')).address).toBe(
    'https://www.theimi.org.uk/awarding',
  );
});

test('the sign-in link works once: opened again, it says it has been used', async () => {
  const context = await dashboardBrowser.createBrowserContext();
  try {
    const page = await context.newPage();
    await page.setViewport({ width: 1440, height: 900 });
    await page.goto(demo.link);
    await page.waitForSelector('#sign-in-link-refused', { timeout: 30_000 });
    expect(await page.$eval('#sign-in-link-refused', (e) => e.textContent)).toContain('already been used');
    expect(page.url()).not.toContain('/link/');
    await screenshot(page, 'demo-link-used');
  } finally {
    await context.close();
  }
});

test('a coordinator makes a sign-in link for another invigilator on the Invigilators page, and it signs them in', async () => {
  const origin = new URL(demo.link).origin;
  await dashboard.goto(`${origin}/#/invigilators`);
  const tom = await dashboard.waitForSelector(
    'button[aria-label="Make a one-time sign-in link for Tom Reyes"]',
  );
  await tom?.click();
  await dashboard.waitForSelector('#sign-in-link input', { timeout: 15_000 });
  const tomsLink = await dashboard.$eval('#sign-in-link input', (e) => (e as HTMLInputElement).value);
  expect(tomsLink).toMatch(new RegExp(`^${origin}/#/link/`));
  expect(await dashboard.$eval('#sign-in-link', (e) => e.textContent)).toContain('Give it to them only');
  await screenshot(dashboard, 'demo-invigilators-sign-in-link');

  const context = await dashboardBrowser.createBrowserContext();
  try {
    const page = await context.newPage();
    await page.goto(tomsLink);
    await page.waitForSelector('.topbar .live-dot.on', { timeout: 30_000 });
    expect(await page.$eval('.who-name', (e) => e.textContent)).toContain('Tom Reyes');
    await page.waitForSelector(`[data-seat="${PC}"] .badge`, { timeout: 30_000 });
  } finally {
    await context.close();
  }
  await dashboard.goto(`${origin}/#/`);
});

test('a program named like a password manager turns this PC Not ready with the reason, and Ready once it stops', async () => {
  demo.press('p');
  const notReady = await waitSeat('not-ready');
  expect(notReady.reasons).toContain('KeePassXC');
  await screenshot(dashboard, 'demo-password-manager');
  demo.press('p');
  await waitSeat('ready');
});

test('a forbidden site is blocked in the candidate browser and shows as an incident', async () => {
  const at = demo.press('f');
  await demo.printed(/Incident at THIS-PC: Site blocked/, 45_000, at);
  expect((await demo.candidateScreenshot('demo-candidate-blocked')).address).toMatch(
    /^chrome-extension:\/\/lafjhoockmahiigmahjcfjehlcadimim\/.*blocked.*#https:\/\/www\.google\.com\/search/,
  );
  await dashboard.goto(`${new URL(demo.link).origin}/#/incidents`);
  await dashboard.waitForSelector('#incident-table tr[data-kind="site-blocked"]', { timeout: 45_000 });
  const text = await dashboard.$eval('#incident-table', (e) => e.textContent ?? '');
  expect(text).toContain('www.google.com');
  expect(text).toContain(PC);
  await screenshot(dashboard, 'demo-incidents');
  await dashboard.goto(`${new URL(demo.link).origin}/#/`);
});

test('a second display turns this PC Not ready; unplugged, it is Ready again', async () => {
  demo.press('d');
  const notReady = await waitSeat('not-ready');
  expect(notReady.reasons).toMatch(/2 displays are connected/);
  demo.press('d');
  await waitSeat('ready', 60_000);
});

test('Ctrl-C stops every process the demo started and removes its folder', async () => {
  // Something of every kind running first: the console, the agent, Chromium, Xorg, a started program.
  demo.press('p');
  await waitSeat('not-ready');
  const running = processesMentioning(demo.folder).map((p) => p.command);
  for (const part of ['console --port', 'agent --config', 'chromium', 'Xorg', 'KeePassXC'])
    expect(
      running.some((c) => c.includes(part)),
      `${part} in ${running.join('\n')}`,
    ).toBe(true);

  demo.proc.kill('SIGINT');
  const code = await new Promise<number | null>((r) => {
    if (demo.proc.exitCode !== null) r(demo.proc.exitCode);
    else demo.proc.once('exit', (c) => r(c));
  });
  expect(code, demo.output.slice(-3000)).toBe(0);
  expect(demo.output).toMatch(/Stopped\. Nothing left running; removed /);
  expect(processesMentioning(demo.folder)).toEqual([]);
  expect(existsSync(demo.folder)).toBe(false);
  // Each part stopped in its turn: the last sweep found nothing to end.
  expect(demo.output).not.toMatch(/ended a leftover process/);
}, 90_000);
