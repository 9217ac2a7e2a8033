/**
 * The extension's side of native messaging, against a small real host process registered for the
 * test profile (test/helpers/fixture-native-host.mjs), speaking the real framing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EXTENSION_ID } from '../../../shared/constants.ts';
import type { SeatEvent } from '../../../shared/schemas/events.ts';
import type { ExtensionToHost } from '../../../shared/schemas/native.ts';
import { ComplianceReportSchema } from '../../../shared/schemas/report.ts';
import { extensionUrl, type LaunchedBrowser, launchWithExtension } from '../../helpers/chromium.ts';
import {
  extensionPage,
  isBlockedPage,
  PAGE_PATHS,
  readOutbox,
  screenshot,
  waitForReport,
  waitForUrl,
} from '../../helpers/extension-state.ts';
import { type FixtureHost, installFixtureHost } from '../../helpers/fixture-native-host.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';

let server: TestServer;
let browser: LaunchedBrowser;
let host: FixtureHost;
let profile: string;
let ext: Page;
let page: Page;
const workerLog: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
  profile = mkdtempSync(join(tmpdir(), 'invigil-native-'));
  host = await installFixtureHost(profile);
  browser = await launchWithExtension({ userDataDir: profile, hostMap: { '*': server.target } });
  const worker = await browser.worker();
  worker.on('console', (m) => workerLog.push(m.text()));
  ext = await extensionPage(browser.browser);
  page = await browser.browser.newPage();
  await page.setViewport({ width: 1100, height: 760 });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await host?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await server?.close();
});

/**
 * Navigates to a site that is not allowed and returns the event the extension logged for it,
 * wherever it is by now: still in the outbox, or already delivered to the host.
 */
async function blockedVisit(path: string): Promise<SeatEvent> {
  const url = `http://answers.example.net/${path}`;
  await page.goto(url).catch(() => undefined);
  await waitForUrl(page, isBlockedPage);
  return loggedEvent((e) => e.type === 'event/blocked-navigation' && e.url === url);
}

/** An event the extension logged: still in its outbox, or already delivered to the host. */
async function loggedEvent(matches: (e: SeatEvent) => boolean): Promise<SeatEvent> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const found = [...host.eventsById().values()].find(matches) ?? (await readOutbox(ext)).find(matches);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the expected event was never logged');
}

const isBatchWith =
  (id: string) =>
  (m: ExtensionToHost): m is Extract<ExtensionToHost, { type: 'event/batch' }> =>
    m.type === 'event/batch' && m.events.some((e) => e.id === id);

async function waitUntilGone(id: string) {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (!(await readOutbox(ext)).some((e) => e.id === id)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`event ${id} is still in the outbox`);
}

describe('the link to the agent', () => {
  test('the extension says hello, from its own origin, and its compliance report reaches the agent', async () => {
    const hello = await host.waitFor((m) => m.type === 'link/hello');
    expect(hello).toMatchObject({ type: 'link/hello', protocol: 1, extensionId: EXTENSION_ID });
    expect(host.lastArgs[0]).toBe(`chrome-extension://${EXTENSION_ID}/`);
    const sent = await host.waitFor(
      (m) => m.type === 'report/compliance' && m.report.agentLinked && m.report.checks.length > 0,
    );
    if (sent.type !== 'report/compliance') throw new Error('unreachable');
    // The agent and the console use this schema unchanged: what arrives must pass it.
    expect(ComplianceReportSchema.safeParse(sent.report).success).toBe(true);
    expect(sent.report.checks.find((c) => c.id === 'agent-link')?.status).toBe('pass');
  });

  test('events reach the agent and leave the outbox once it acknowledges them', async () => {
    const event = await blockedVisit('native-acked');
    const batch = await host.waitFor(isBatchWith(event.id));
    expect(batch.events.find((e) => e.id === event.id)).toEqual(event);
    await waitUntilGone(event.id);
    expect(host.acked.has(event.id)).toBe(true);
  });

  test('heartbeat reports keep coming while the agent is linked', async () => {
    const before = host.received.filter(
      (m) => m.type === 'report/compliance' && m.report.trigger === 'heartbeat',
    );
    await host.waitFor(
      (m) =>
        m.type === 'report/compliance' &&
        m.report.trigger === 'heartbeat' &&
        !before.includes(m as (typeof before)[number]),
      20_000,
    );
  });

  test('while the agent is unavailable, events stay in the outbox; they are sent once it is back', async () => {
    host.setAgent('unavailable');
    await waitForReport(ext, (r) => !r.agentLinked);
    const event = await blockedVisit('native-agent-away');
    // Give the extension every chance to (wrongly) send or drop it.
    await new Promise((r) => setTimeout(r, 2000));
    expect(host.eventsById().has(event.id)).toBe(false);
    expect((await readOutbox(ext)).some((e) => e.id === event.id)).toBe(true);

    host.setAgent('connected');
    await host.waitFor(isBatchWith(event.id));
    await waitUntilGone(event.id);
  });

  test('when the host process exits, the extension starts it again and carries on', async () => {
    const starts = host.starts;
    const hellos = host.received.filter((m) => m.type === 'link/hello').length;
    host.exitHost(1);
    await host.waitForStarts(starts + 1);
    await host.waitFor(() => host.received.filter((m) => m.type === 'link/hello').length > hellos);
    const event = await blockedVisit('native-after-restart');
    await host.waitFor(isBatchWith(event.id));
    await waitUntilGone(event.id);
  });

  test('a message that fails the schema is dropped and logged, and the link keeps working', async () => {
    host.send({ type: 'seat/gate', state: 'open-sesame' });
    host.send({ type: 'event/ack', ids: ['not an id!'] });
    host.send({ type: 'nonsense/verb', hello: 1 });
    const deadline = Date.now() + 10_000;
    while (workerLog.filter((l) => l.includes('dropped a message from the native host')).length < 3) {
      if (Date.now() > deadline) throw new Error(`not logged; the worker said: ${workerLog.join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(workerLog.some((l) => l.includes('seat/gate') && l.includes('state'))).toBe(true);
    const report = await waitForReport(ext, (r) => r.agentLinked);
    expect(report.gate).toBe('open');
    const event = await blockedVisit('native-after-bad-input');
    await host.waitFor(isBatchWith(event.id));
    await waitUntilGone(event.id);
  });
});

describe('the identity-check gate', () => {
  test('a held seat shows the holding page, with the candidate named as text, until it is released', async () => {
    await page.goto('http://awarding.theimi.org.uk/exam/start');
    host.send({
      type: 'seat/gate',
      state: 'held',
      candidateName: 'Jane <b>Doe</b>',
      seatLabel: 'Row B, seat 4',
    });
    await waitForUrl(page, (u) => u.startsWith(extensionUrl(PAGE_PATHS.hold)));
    await page.waitForSelector('#candidate-name');
    expect(await page.$eval('#candidate-name', (e) => e.textContent)).toBe('Jane <b>Doe</b>');
    expect(await page.$('#candidate-name b')).toBeNull();
    expect(await page.$eval('#seat-label', (e) => e.textContent)).toBe('Row B, seat 4');
    expect(await page.$eval('#hold-title', (e) => e.textContent)).toBe('Please wait for your invigilator');
    await screenshot(page, 'extension-hold');
    expect((await waitForReport(ext, (r) => r.gate === 'held')).gate).toBe('held');

    // An allowed site is held too, and the attempt is logged.
    await page.goto('http://awarding.theimi.org.uk/elsewhere').catch(() => undefined);
    await waitForUrl(page, (u) => u.startsWith(extensionUrl(PAGE_PATHS.hold)) && u.includes('elsewhere'));
    await loggedEvent(
      (e) => e.type === 'event/blocked-navigation' && e.reason === 'held' && e.url.endsWith('/elsewhere'),
    );

    host.send({ type: 'seat/gate', state: 'released' });
    await waitForUrl(page, (u) => u === 'http://awarding.theimi.org.uk/elsewhere');
    await page.waitForSelector('#host');
    expect(await page.$eval('#host', (e) => e.textContent)).toBe('awarding.theimi.org.uk');
    expect((await waitForReport(ext, (r) => r.gate === 'released')).gate).toBe('released');
  });
});

describe("the invigilator's message", () => {
  test('is shown to the candidate as text and acknowledged once shown, once', async () => {
    const instructionId = 'msg-0001-stop-writing';
    const text = 'Please stop writing and put your pen down.\n<script>alert(1)</script>';
    host.send({ type: 'seat/message', instructionId, text });
    const target = await browser.browser.waitForTarget(
      (t) => t.url() === `${extensionUrl(PAGE_PATHS.message)}#${instructionId}`,
      { timeout: 20_000 },
    );
    const shown = await target.page();
    if (!shown) throw new Error('the message window has no page');
    await shown.waitForSelector('#message-text');
    expect(await shown.$eval('#message-text', (e) => e.textContent)).toBe(text);
    expect(await shown.$('#message-text script')).toBeNull();
    await shown.setViewport({ width: 560, height: 520 });
    await screenshot(shown, 'extension-message');
    await host.waitFor((m) => m.type === 'instruction/ack' && m.instructionId === instructionId);

    // The agent resends until it hears the ack: the message is acknowledged again, not shown again.
    const acks = () =>
      host.received.filter((m) => m.type === 'instruction/ack' && m.instructionId === instructionId).length;
    const before = acks();
    host.send({ type: 'seat/message', instructionId, text });
    await host.waitFor(() => acks() > before);
    await new Promise((r) => setTimeout(r, 1000));
    const windows = browser.browser.targets().filter((t) => t.url().includes(`#${instructionId}`));
    expect(windows).toHaveLength(1);
  });
});
