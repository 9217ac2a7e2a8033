/**
 * The displays the browser sees (chrome.system.display, in the report) against the agent's own
 * listing, on real X servers (Xorg's dummy driver): Chromium (headful) runs on one with two monitors,
 * then three, and the agent's listing (`listDisplays`, the function the daemon uses) reads the same
 * one, or, as a candidate would arrange it, another one with a single monitor.
 */
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startVirtualDisplay, type VirtualDisplay } from '../../../demo/virtual-display.ts';
import { listDisplays } from '../../../kiosk-agent/checks/displays.ts';
import { compareDisplays } from '../../../kiosk-agent/checks/extension-report.ts';
import type { ComplianceReport } from '../../../shared/schemas/report.ts';
import { type LaunchedBrowser, launchWithExtension } from '../../helpers/chromium.ts';
import { extensionPage, waitForReport } from '../../helpers/extension-state.ts';

let seat: VirtualDisplay;
let other: VirtualDisplay;
let browser: LaunchedBrowser;
let ext: Page;

beforeAll(async () => {
  seat = await startVirtualDisplay();
  seat.plug(1);
  // The dummy driver updates what it tells clients only when a client asks it to probe (a real
  // monitor's hot-plug makes the kernel and the server do that); xrandr's query is that probe.
  seat.xrandr('--listmonitors');
  other = await startVirtualDisplay();
  browser = await launchWithExtension({ headless: false, env: { DISPLAY: seat.display } });
  await browser.worker();
  ext = await extensionPage(browser.browser);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await seat?.stop();
  await other?.stop();
});

/** The agent's listing of one X display, as the daemon makes it. */
async function agentSees(display: VirtualDisplay) {
  const saved = process.env.DISPLAY;
  process.env.DISPLAY = display.display;
  try {
    return await listDisplays('systeminformation');
  } finally {
    if (saved === undefined) delete process.env.DISPLAY;
    else process.env.DISPLAY = saved;
  }
}

const counted = (n: number) => (r: ComplianceReport) => r.displays?.count === n;

describe('the browser and the agent looking at the same screens agree', () => {
  test('two monitors side by side: both see two', async () => {
    const report = await waitForReport(ext, counted(2));
    expect(compareDisplays(report, await agentSees(seat))).toMatchObject({
      status: 'pass',
      summary: 'The browser and the agent both see 2 displays.',
    });
  });

  test('a third monitor plugged in while the browser runs: both see three', async () => {
    seat.plug(2);
    // Placed right of DUMMY0 too, it overlaps DUMMY1: move it right of DUMMY1.
    seat.xrandr('--output', 'DUMMY2', '--right-of', 'DUMMY1');
    seat.xrandr('--listmonitors');
    const report = await waitForReport(ext, counted(3));
    expect(compareDisplays(report, await agentSees(seat))?.status).toBe('pass');
  });
});

describe('a browser on screens the agent does not check', () => {
  test('is a finding that names both counts', async () => {
    // The agent checks another display (one monitor) while the browser shows on two.
    const report = await waitForReport(ext, counted(3));
    const line = compareDisplays(report, await agentSees(other));
    expect(line?.status).toBe('fail');
    expect(line?.findings[0]).toMatchObject({
      code: 'display-count-mismatch',
      severity: 'block',
      subject: 'browser 3, agent 1',
    });
  });
});
