/**
 * `invigil demo --browser firefox --headless` as a real process (the built dist/cli/invigil.js) on a
 * machine without a display, with real Firefox ESR as the candidate's browser: the Firefox build of
 * the extension installed over WebDriver BiDi, the native host installed for the demo's Firefox user
 * by `invigil install-host --browser firefox --user`, a seat config naming Firefox. The invigilator
 * opens the printed dashboard link in real Chromium and sees this PC Ready; a forbidden site becomes a
 * "Site blocked" incident; the screenshot key saves a picture of Firefox's tab; Ctrl-C stops every
 * process the demo started (Firefox's too) and removes its folder.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { endProcessesMentioning, processesMentioning } from '../../../demo/processes.ts';
import { FIREFOX_EXTENSION_ID } from '../../../shared/catalogs/browser-policy.ts';
import { assertBuilt, INVIGIL, waitFor } from '../../helpers/agent-cli.ts';
import { launchDashboardBrowser, registerBrowser } from '../../helpers/chromium.ts';
import { SCREENSHOT_DIR, screenshot } from '../../helpers/extension-state.ts';
import { firefoxPath } from '../../helpers/firefox.ts';
import { waitForMachinePolicyFree } from '../../helpers/machine-policy.ts';

const PC = 'THIS-PC';

let demo: ChildProcess;
let output = '';
let folder = '';
let link = '';
let dashboardBrowser: Browser;
let dashboard: Page;
let unregister: () => void = () => undefined;
const cwd = mkdtempSync(join(tmpdir(), 'invigil-demo-firefox-test-cwd-'));

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

function press(key: string): number {
  const at = output.length;
  demo.stdin?.write(`${key}\n`);
  return at;
}

async function seatState(): Promise<{ state: string | null; reasons: string }> {
  return dashboard.evaluate((name) => {
    const el = document.querySelector(`[data-seat="${name}"]`);
    return {
      state: el?.querySelector('.badge')?.getAttribute('data-state') ?? null,
      reasons: el?.querySelector('.reasons')?.textContent ?? '',
    };
  }, PC);
}

/** The demo's own picture of the candidate's screen, kept with the test's screenshots; returns the tab's address. */
async function candidateScreenshot(name: string): Promise<{ address: string; png: Buffer }> {
  const at = press('s');
  const m = await printed(/Saved what the candidate sees \((\S*)\): (\S+\.png)/, 45_000, at);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const kept = join(SCREENSHOT_DIR, `${name}.png`);
  copyFileSync(m[2] ?? '', kept);
  return { address: m[1] ?? '', png: readFileSync(kept) };
}

beforeAll(async () => {
  assertBuilt();
  firefoxPath();
  await waitForMachinePolicyFree();
  unregister = registerBrowser();
  const env = { ...process.env };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  demo = spawn(process.execPath, [INVIGIL, 'demo', '--browser', 'firefox', '--headless', '--port', '0'], {
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
  if (folder) {
    await endProcessesMentioning(folder);
    rmSync(folder, { recursive: true, force: true });
  }
  rmSync(cwd, { recursive: true, force: true });
  unregister();
}, 60_000);

test('with Firefox as the candidate browser, this PC shows Ready on the dashboard', async () => {
  expect(output).toMatch(/install-host --browser firefox --user --socket /);
  expect(output).toMatch(/The candidate's browser: Firefox headless/);
  expect(output).toMatch(/extension-not-managed → info: .*dist\/extension-firefox/);
  // The seat config the agent runs with names Firefox.
  const seatConfig = JSON.parse(readFileSync(join(folder, 'agent', 'seat.json'), 'utf8'));
  expect(seatConfig.browser.name).toBe('firefox');
  // The native host went where Firefox reads it for the demo's user, allowing only the Firefox add-on.
  const manifest = JSON.parse(
    readFileSync(join(folder, 'home', '.mozilla', 'native-messaging-hosts', 'uk.invigil.agent.json'), 'utf8'),
  );
  expect(manifest.allowed_extensions).toEqual([FIREFOX_EXTENSION_ID]);

  await dashboard.goto(link);
  await dashboard.waitForSelector('.topbar .live-dot.on', { timeout: 30_000 });
  try {
    await dashboard.waitForSelector(`[data-seat="${PC}"] .badge[data-state="ready"]`, { timeout: 90_000 });
  } catch (error) {
    throw new Error(
      `${(error as Error).message}: ${JSON.stringify(await seatState())}\n${output.slice(-3000)}`,
    );
  }
  expect((await seatState()).reasons).toBe('');
  await screenshot(dashboard, 'demo-firefox-seat-map');

  // The candidate is on the stand-in assessment page, over https for the awarding body's name.
  const shot = await candidateScreenshot('demo-firefox-candidate-assessment');
  expect(shot.address).toBe('https://www.theimi.org.uk/awarding');
  expect(shot.png.subarray(1, 4).toString()).toBe('PNG');
});

test('a forbidden site is blocked in Firefox and shows as a Site blocked incident; s saves a picture of it', async () => {
  const at = press('f');
  await printed(/Incident at THIS-PC: Site blocked/, 60_000, at);
  const shot = await candidateScreenshot('demo-firefox-candidate-blocked');
  expect(shot.address).toMatch(/^moz-extension:\/\/[0-9a-f-]+\/.*blocked.*www\.google\.com/);
  expect(shot.png.subarray(1, 4).toString()).toBe('PNG');
  await dashboard.goto(`${new URL(link).origin}/#/incidents`);
  await dashboard.waitForSelector('#incident-table tr[data-kind="site-blocked"]', { timeout: 45_000 });
  const text = await dashboard.$eval('#incident-table', (e) => e.textContent ?? '');
  expect(text).toContain('www.google.com');
  expect(text).toContain(PC);
  await screenshot(dashboard, 'demo-firefox-incidents');
});

test('p: a program named like a password manager turns this PC Not ready with the reason, and Ready once it stops', async () => {
  await dashboard.goto(`${new URL(link).origin}/#/`);
  press('p');
  await dashboard.waitForSelector(`[data-seat="${PC}"] .badge[data-state="not-ready"]`, { timeout: 45_000 });
  expect((await seatState()).reasons).toContain('KeePassXC');
  press('p');
  await dashboard.waitForSelector(`[data-seat="${PC}"] .badge[data-state="ready"]`, { timeout: 45_000 });
});

test('Ctrl-C stops every process the demo started, Firefox included, and removes its folder', async () => {
  const running = processesMentioning(folder).map((p) => p.command);
  for (const part of ['console --port', 'agent --config', 'firefox', 'Xorg'])
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
  expect(output).not.toMatch(/ended a leftover process/);
}, 90_000);
