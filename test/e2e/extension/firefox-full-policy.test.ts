/**
 * Firefox ESR under the policy exactly as `invigil policy --browser firefox` writes it, nothing left
 * out: DisableDeveloperTools too, which turns Firefox's remote agent off (`remote.policy.disabled`),
 * so no WebDriver BiDi client can drive this Firefox (firefox.test.ts shows puppeteer refused). So
 * Firefox runs in a window on a real X display (Xorg's dummy driver, openbox), started as a seat
 * starts it, with no remote control at all, and the test acts as the candidate does: with the
 * keyboard (xdotool), typing addresses into the address bar. What happened is read from outside:
 * the window's title, a picture of the window (xwd), Firefox's own console output (the policy errors
 * about:policies would list; about:policies itself is one of the pages the extension blocks), the
 * agent's report and the console's incidents.
 *
 * The about: pages that would help a candidate (about:config, about:addons, about:profiles,
 * about:debugging, about:support, about:preferences...) each end on the extension's blocked page,
 * and each attempt reaches the console as an incident. The ones Firefox's policy blocks itself
 * (BlockAboutConfig and the rest) are refused by Firefox first; the extension hears of the refusal
 * (webNavigation.onErrorOccurred) and puts its blocked page, with the way back, in place of Firefox's.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { agentStatus, waitFor } from '../../helpers/agent-cli.ts';
import { FIREFOX_POLICY_FILE, launchWindowedFirefox, type WindowedFirefox } from '../../helpers/firefox.ts';
import {
  FIREFOX_ASSESSMENT as ASSESSMENT,
  type FirefoxSeat,
  startFirefoxSeat,
} from '../../helpers/firefox-seat.ts';
import { screenshotXWindow } from '../../helpers/x-screenshot.ts';

/** The blocked page's title for a browser page, as the window's title shows it. */
const BLOCKED_TITLE = /^Browser settings are not available during your assessment/;

/** The holding page's title (the seat waits for the identity check). */
const HOLD_TITLE = /^Please wait for your invigilator/;

let rig: FirefoxSeat;
let firefox: WindowedFirefox | undefined;

const xdotool = (...args: string[]) =>
  execFileSync('xdotool', args, {
    env: { ...process.env, DISPLAY: rig.x.display },
    encoding: 'utf8',
  }).trim();

/** Firefox's window on the display, once it has one. */
function firefoxWindow(): Promise<string> {
  return waitFor(
    "Firefox's window",
    () => {
      try {
        return xdotool('search', '--onlyvisible', '--class', 'firefox').split('\n').filter(Boolean).at(-1);
      } catch {
        return undefined; // xdotool exits 1 while no window matches
      }
    },
    60_000,
    250,
  );
}

beforeAll(async () => {
  // Firefox's policy installed as generated, byte for byte: nothing left out for a harness.
  rig = await startFirefoxSeat({
    pc: 'FIREFOX-PC-02',
    place: 'Row B, seat 4',
    // --profile is the one rig flag: a fresh profile for each run.
    allowFlags: ['--profile'],
    // This test machine is a virtual machine, and other engineers' browsers may run on it.
    severity: { 'virtual-machine': 'info', 'other-browser': 'info' },
    windowManager: true,
  });
  firefox = launchWindowedFirefox({ proxyPort: rig.server.port, display: rig.x.display, url: ASSESSMENT });
  xdotool('windowactivate', '--sync', await firefoxWindow());
}, 600_000);

afterAll(async () => {
  await firefox?.close();
  await rig?.stop();
});

/** Types an address into the address bar and presses Enter, as the candidate would. */
async function typeAddress(url: string): Promise<void> {
  xdotool('windowactivate', '--sync', await firefoxWindow());
  xdotool('key', '--clearmodifiers', 'ctrl+l');
  await new Promise((r) => setTimeout(r, 300));
  xdotool('type', '--delay', '30', url);
  await new Promise((r) => setTimeout(r, 300));
  xdotool('key', 'Return');
}

const title = async () => xdotool('getwindowname', await firefoxWindow());
const incidents = () => rig.incidents();

describe('Firefox ESR in a window, under the whole generated policy, no remote control', () => {
  test('Firefox takes the policy with no errors (its remote agent off), the add-on is force-installed and reports to the agent, and the policy reads back whole', async () => {
    expect(rig.generated.policies.DisableDeveloperTools).toBe(true);
    expect(readFileSync(FIREFOX_POLICY_FILE, 'utf8')).toBe(`${JSON.stringify(rig.generated, null, 2)}\n`);
    await waitFor(
      'the agent to hear from the Firefox add-on',
      async () => (await agentStatus(rig.ws.socket)).extension.reportAgeSeconds !== null,
      120_000,
      500,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; Firefox said: ${firefox?.output().slice(-2000)}`);
    });
    // Firefox prints what about:policies lists as errors ("console.error: Enterprise Policies: Unknown
    // policy: ...", "Invalid parameters specified for ..."; seen with a broken file): none, and it says
    // that the policy turned its remote agent off (DisableDeveloperTools).
    const output = firefox?.output() ?? '';
    expect(output.match(/Enterprise Policies:\s*\n?.*/g) ?? []).toEqual([]);
    expect(output).toContain('Remote Agent is disabled by enterprise policy');
    const status = await agentStatus(rig.ws.socket);
    const line = status.checks.find((c) => c.id === 'browser-policy');
    expect(line?.findings ?? []).toEqual([]);
    expect(line?.status).toBe('pass');
  }, 180_000);

  const ABOUT_PAGES = [
    'about:config',
    'about:addons',
    'about:profiles',
    'about:debugging',
    'about:support',
    'about:preferences',
    'about:policies',
  ];

  test.each(ABOUT_PAGES)('%s typed into the address bar ends on the blocked page', async (url) => {
    // From a page that is not the blocked page, so that its title cannot be the last attempt's.
    await typeAddress(ASSESSMENT);
    // The seat is held (no candidate confirmed here), so the assessment address shows the holding page.
    const settled = await waitFor(
      'the holding page in the window',
      async () => {
        const now = await title();
        return HOLD_TITLE.test(now) ? now : null;
      },
      20_000,
      250,
    );
    // Settled: still the same page a moment later, so the next keys reach the address bar.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await title()).toBe(settled);
    await typeAddress(url);
    await waitFor(
      `the blocked page in place of ${url}`,
      async () => (BLOCKED_TITLE.test(await title()) ? true : null),
      20_000,
      250,
    ).catch(async (error: Error) => {
      screenshotXWindow(
        rig.x.display,
        await firefoxWindow(),
        `firefox-window-${url.replace(':', '-')}-failed`,
      );
      throw new Error(`${error.message}; the window's title is ${JSON.stringify(await title())}`);
    });
    // And it stays there: nothing (Firefox's own error page, a late load) takes its place.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await title()).toMatch(BLOCKED_TITLE);
    screenshotXWindow(rig.x.display, await firefoxWindow(), `firefox-window-${url.replace(':', '-')}`);
  });

  test('each attempt reaches the console as an incident', async () => {
    const logged = await waitFor(
      'every about: attempt as an incident',
      async () => {
        const all = (await incidents()).map((i) => i.description);
        return ABOUT_PAGES.every((u) => all.some((d) => d.endsWith(u))) ? all : null;
      },
      60_000,
      500,
    ).catch(async (error: Error) => {
      throw new Error(
        `${error.message}; incidents: ${JSON.stringify((await incidents()).map((i) => i.description))}`,
      );
    });
    for (const u of ABOUT_PAGES) {
      expect(logged).toContain(`Tried to open a browser page that is not allowed: ${u}`);
    }
  }, 90_000);
});
