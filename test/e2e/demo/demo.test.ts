/**
 * The demo in CI: `invigil demo --headless` as a real process (the built dist/cli/invigil.js) on a
 * machine without a display, driven through its own keys on stdin as a person would press them.
 * The invigilator opens the printed dashboard link in real Chromium (signed in by the link), sees
 * this PC's seat Ready beside the simulated ones; a program named like a password manager turns it
 * Not ready with the reason; a forbidden site becomes an incident; a second display turns it Not
 * ready; Ctrl-C stops every process the demo started and removes its folder.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { endProcessesMentioning, processesMentioning } from '../../../demo/processes.ts';
import { assertBuilt, INVIGIL, waitFor } from '../../helpers/agent-cli.ts';
import { launchDashboardBrowser, registerBrowser } from '../../helpers/chromium.ts';
import { SCREENSHOT_DIR, screenshot } from '../../helpers/extension-state.ts';
import { waitForMachinePolicyFree } from '../../helpers/machine-policy.ts';

const PC = 'THIS-PC';

let demo: ChildProcess;
let output = '';
let folder = '';
let link = '';
let dashboardBrowser: Browser;
let dashboard: Page;
let unregister: () => void = () => undefined;
const cwd = mkdtempSync(join(tmpdir(), 'invigil-demo-test-cwd-'));

/** Waits until the demo has printed something matching `re` (after `from`), and returns the match. */
async function printed(re: RegExp, timeoutMs = 60_000, from = 0): Promise<RegExpMatchArray> {
  try {
    return await waitFor(
      `the demo to print ${re}`,
      () => {
        if (demo.exitCode !== null) throw new Error(`the demo exited (${demo.exitCode})`);
        return output.slice(from).match(re);
      },
      timeoutMs,
      100,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; it printed:\n${output.slice(-4000)}`);
  }
}

/** Presses a key in the demo's terminal (a line on its stdin). */
function press(key: string): number {
  const at = output.length;
  demo.stdin?.write(`${key}\n`);
  return at;
}

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

/** The demo's own screenshot of the candidate's screen, kept with the test's screenshots; returns the tab's address. */
async function candidateScreenshot(name: string): Promise<string> {
  const at = press('s');
  const m = await printed(/Saved what the candidate sees \((\S*)\): (\S+\.png)/, 30_000, at);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  copyFileSync(m[2] ?? '', join(SCREENSHOT_DIR, `${name}.png`));
  return m[1] ?? '';
}

beforeAll(async () => {
  assertBuilt();
  // Another suite's machine policy would change the demo's browser: wait for it, then say ours runs.
  await waitForMachinePolicyFree();
  unregister = registerBrowser();
  const env = { ...process.env };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  demo = spawn(process.execPath, [INVIGIL, 'demo', '--headless', '--port', '0'], {
    cwd,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  demo.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  demo.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  folder = (await printed(/Throwaway folder (\S+)/, 30_000))[1] ?? '';
  link = (await printed(/^\s+(http:\/\/127\.0\.0\.1:\d+\/#\/link\/\S+)$/m, 300_000))[1] ?? '';
  await printed(/Things to try/);

  ({ browser: dashboardBrowser, page: dashboard } = await launchDashboardBrowser());
}, 420_000);

afterAll(async () => {
  await dashboardBrowser?.close();
  if (demo && demo.exitCode === null) {
    demo.kill('SIGINT');
    await Promise.race([new Promise((r) => demo.once('exit', r)), new Promise((r) => setTimeout(r, 30_000))]);
    if (demo.exitCode === null) demo.kill('SIGKILL');
  }
  // Safety net for a failed run: nothing of the demo's may outlive the test.
  if (folder) {
    await endProcessesMentioning(folder);
    rmSync(folder, { recursive: true, force: true });
  }
  rmSync(cwd, { recursive: true, force: true });
  unregister();
}, 60_000);

test('the printed dashboard link signs the invigilator in, and this PC shows Ready beside simulated seats', async () => {
  expect(output).toMatch(/Relaxed for this demo/);
  expect(output).toMatch(/extension-not-managed → info: /);
  await dashboard.goto(link);
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
  expect(await candidateScreenshot('demo-candidate-assessment')).toBe('https://www.theimi.org.uk/awarding');
});

test('the sign-in link works once: opened again, it says it has been used', async () => {
  const context = await dashboardBrowser.createBrowserContext();
  try {
    const page = await context.newPage();
    await page.setViewport({ width: 1440, height: 900 });
    await page.goto(link);
    await page.waitForSelector('#sign-in-link-refused', { timeout: 30_000 });
    expect(await page.$eval('#sign-in-link-refused', (e) => e.textContent)).toContain('already been used');
    expect(page.url()).not.toContain('/link/');
    await screenshot(page, 'demo-link-used');
  } finally {
    await context.close();
  }
});

test('a coordinator makes a sign-in link for another invigilator on the Invigilators page, and it signs them in', async () => {
  const origin = new URL(link).origin;
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
  press('p');
  const notReady = await waitSeat('not-ready');
  expect(notReady.reasons).toContain('KeePassXC');
  await screenshot(dashboard, 'demo-password-manager');
  press('p');
  await waitSeat('ready');
});

test('a forbidden site is blocked in the candidate browser and shows as an incident', async () => {
  const at = press('f');
  await printed(/Incident at THIS-PC: Site blocked/, 45_000, at);
  expect(await candidateScreenshot('demo-candidate-blocked')).toMatch(
    /^chrome-extension:\/\/lafjhoockmahiigmahjcfjehlcadimim\/.*blocked.*#https:\/\/www\.google\.com\/search/,
  );
  await dashboard.goto(`${new URL(link).origin}/#/incidents`);
  await dashboard.waitForSelector('#incident-table tr[data-kind="site-blocked"]', { timeout: 45_000 });
  const text = await dashboard.$eval('#incident-table', (e) => e.textContent ?? '');
  expect(text).toContain('www.google.com');
  expect(text).toContain(PC);
  await screenshot(dashboard, 'demo-incidents');
  await dashboard.goto(`${new URL(link).origin}/#/`);
});

test('a second display turns this PC Not ready; unplugged, it is Ready again', async () => {
  press('d');
  const notReady = await waitSeat('not-ready');
  expect(notReady.reasons).toMatch(/2 displays are connected/);
  press('d');
  await waitSeat('ready', 60_000);
});

test('Ctrl-C stops every process the demo started and removes its folder', async () => {
  // Something of every kind running first: the console, the agent, Chromium, Xorg, a started program.
  press('p');
  await waitSeat('not-ready');
  const running = processesMentioning(folder).map((p) => p.command);
  for (const part of ['console --port', 'agent --config', 'chromium', 'Xorg', 'KeePassXC'])
    expect(
      running.some((c) => c.includes(part)),
      `${part} in ${running.join('\n')}`,
    ).toBe(true);

  demo.kill('SIGINT');
  const code = await new Promise<number | null>((r) => {
    if (demo.exitCode !== null) r(demo.exitCode);
    else demo.once('exit', (c) => r(c));
  });
  expect(code, output.slice(-3000)).toBe(0);
  expect(output).toMatch(/Stopped\. Nothing left running; removed /);
  expect(processesMentioning(folder)).toEqual([]);
  expect(existsSync(folder)).toBe(false);
  // Each part stopped in its turn: the last sweep found nothing to end.
  expect(output).not.toMatch(/ended a leftover process/);
}, 90_000);
