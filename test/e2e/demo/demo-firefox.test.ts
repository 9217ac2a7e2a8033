/**
 * `invigil demo --browser firefox --headless` as a real process (the built dist/cli/invigil.js) on a
 * machine without a display, with real Firefox ESR as the candidate's browser: the Firefox build of
 * the extension installed over WebDriver BiDi, the native host installed for the demo's Firefox user
 * by `invigil install-host --browser firefox --user`, a seat config naming Firefox. The invigilator
 * opens the printed dashboard link in real Chromium and sees this PC Ready; a forbidden site becomes a
 * "Site blocked" incident; the screenshot key saves a picture of Firefox's tab; Ctrl-C stops every
 * process the demo started (Firefox's too) and removes its folder.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { processesMentioning } from '../../../demo/processes.ts';
import { FIREFOX_EXTENSION_ID } from '../../../shared/catalogs/browser-policy.ts';
import { assertBuilt } from '../../helpers/agent-cli.ts';
import { launchDashboardBrowser } from '../../helpers/chromium.ts';
import { type DemoProcess, startDemo } from '../../helpers/demo-process.ts';
import { screenshot } from '../../helpers/extension-state.ts';
import { firefoxPath } from '../../helpers/firefox.ts';

const PC = 'THIS-PC';

let demo: DemoProcess;
let dashboardBrowser: Browser;
let dashboard: Page;

async function seatState(): Promise<{ state: string | null; reasons: string }> {
  return dashboard.evaluate((name) => {
    const el = document.querySelector(`[data-seat="${name}"]`);
    return {
      state: el?.querySelector('.badge')?.getAttribute('data-state') ?? null,
      reasons: el?.querySelector('.reasons')?.textContent ?? '',
    };
  }, PC);
}

beforeAll(async () => {
  assertBuilt();
  firefoxPath();
  demo = await startDemo(['--browser', 'firefox']);
  ({ browser: dashboardBrowser, page: dashboard } = await launchDashboardBrowser());
}, 420_000);

afterAll(async () => {
  await dashboardBrowser?.close();
  await demo?.stop();
}, 60_000);

test('with Firefox as the candidate browser, this PC shows Ready on the dashboard', async () => {
  expect(demo.output).toMatch(/install-host --browser firefox --user --socket /);
  expect(demo.output).toMatch(/The candidate's browser: Firefox headless/);
  expect(demo.output).toMatch(/extension-not-managed → info: .*dist\/extension-firefox/);
  // The seat config the agent runs with names Firefox.
  const seatConfig = JSON.parse(readFileSync(join(demo.folder, 'agent', 'seat.json'), 'utf8'));
  expect(seatConfig.browser.name).toBe('firefox');
  // The native host went where Firefox reads it for the demo's user, allowing only the Firefox add-on.
  const manifest = JSON.parse(
    readFileSync(
      join(demo.folder, 'home', '.mozilla', 'native-messaging-hosts', 'uk.invigil.agent.json'),
      'utf8',
    ),
  );
  expect(manifest.allowed_extensions).toEqual([FIREFOX_EXTENSION_ID]);

  await dashboard.goto(demo.link);
  await dashboard.waitForSelector('.topbar .live-dot.on', { timeout: 30_000 });
  try {
    await dashboard.waitForSelector(`[data-seat="${PC}"] .badge[data-state="ready"]`, { timeout: 90_000 });
  } catch (error) {
    throw new Error(
      `${(error as Error).message}: ${JSON.stringify(await seatState())}\n${demo.output.slice(-3000)}`,
    );
  }
  expect((await seatState()).reasons).toBe('');
  await screenshot(dashboard, 'demo-firefox-seat-map');

  // The candidate is on the stand-in assessment page, over https for the awarding body's name.
  const shot = await demo.candidateScreenshot('demo-firefox-candidate-assessment', 45_000);
  expect(shot.address).toBe('https://www.theimi.org.uk/awarding');
  expect(shot.png.subarray(1, 4).toString()).toBe('PNG');
});

test('a forbidden site is blocked in Firefox and shows as a Site blocked incident; s saves a picture of it', async () => {
  const at = demo.press('f');
  await demo.printed(/Incident at THIS-PC: Site blocked/, 60_000, at);
  const shot = await demo.candidateScreenshot('demo-firefox-candidate-blocked', 45_000);
  expect(shot.address).toMatch(/^moz-extension:\/\/[0-9a-f-]+\/.*blocked.*www\.google\.com/);
  expect(shot.png.subarray(1, 4).toString()).toBe('PNG');
  await dashboard.goto(`${new URL(demo.link).origin}/#/incidents`);
  await dashboard.waitForSelector('#incident-table tr[data-kind="site-blocked"]', { timeout: 45_000 });
  const text = await dashboard.$eval('#incident-table', (e) => e.textContent ?? '');
  expect(text).toContain('www.google.com');
  expect(text).toContain(PC);
  await screenshot(dashboard, 'demo-firefox-incidents');
});

test('p: a program named like a password manager turns this PC Not ready with the reason, and Ready once it stops', async () => {
  await dashboard.goto(`${new URL(demo.link).origin}/#/`);
  demo.press('p');
  await dashboard.waitForSelector(`[data-seat="${PC}"] .badge[data-state="not-ready"]`, { timeout: 45_000 });
  expect((await seatState()).reasons).toContain('KeePassXC');
  demo.press('p');
  await dashboard.waitForSelector(`[data-seat="${PC}"] .badge[data-state="ready"]`, { timeout: 45_000 });
});

test('Ctrl-C stops every process the demo started, Firefox included, and removes its folder', async () => {
  const running = processesMentioning(demo.folder).map((p) => p.command);
  for (const part of ['console --port', 'agent --config', 'firefox', 'Xorg'])
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
  expect(demo.output).not.toMatch(/ended a leftover process/);
}, 90_000);
