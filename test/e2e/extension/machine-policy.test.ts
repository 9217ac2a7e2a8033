/**
 * The extension configured the way IT would: a machine policy file in /etc/chromium/policies/managed/
 * (held under a machine-wide lock, removed afterwards). Changes to the file apply live; a dangerous
 * value is rejected, reported, and the last good policy stays in force; `requireRelease` holds the
 * seat until the invigilator releases it (through a fixture native host standing in for the agent).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EXTENSION_ID } from '../../../shared/constants.ts';
import { readiness } from '../../../shared/rules/readiness.ts';
import type { SeatEvent } from '../../../shared/schemas/events.ts';
import type { ComplianceReport } from '../../../shared/schemas/report.ts';
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
import { installMachinePolicy, type MachinePolicy } from '../../helpers/machine-policy.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';

let server: TestServer;
let policy: MachinePolicy | undefined;
let browser: LaunchedBrowser | undefined;
let host: FixtureHost | undefined;
let profile: string;
let ext: Page;
let page: Page;

/** The machine policy: browser settings, and the extension's own under 3rdparty. */
function machinePolicy(extension: Record<string, unknown>, browserPolicy: Record<string, unknown> = {}) {
  return { ...browserPolicy, '3rdparty': { extensions: { [EXTENSION_ID]: extension } } };
}

const CENTRE = { allowedHosts: ['exams.example.net'], assessmentUrl: 'http://exams.example.net/start' };
const CHANGED = { allowedHosts: ['theimi.org.uk', 'cdn.example.org'] };

beforeAll(async () => {
  server = await startTestServer();
  profile = mkdtempSync(join(tmpdir(), 'invigil-policy-'));
  host = await installFixtureHost(profile);
  policy = await installMachinePolicy('extension', machinePolicy(CENTRE, { PasswordManagerEnabled: true }));
  browser = await launchWithExtension({
    userDataDir: profile,
    hostMap: { '*': server.target },
    allowMachinePolicy: true,
  });
  await browser.worker();
  ext = await extensionPage(browser.browser);
  page = await browser.browser.newPage();
  await page.setViewport({ width: 1100, height: 760 });
}, 600_000);

afterAll(async () => {
  policy?.remove();
  await browser?.close();
  await host?.close();
  await server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

const sameHosts = (r: ComplianceReport, hosts: string[]) =>
  JSON.stringify(r.siteBlocking.allowedHosts) === JSON.stringify(hosts) &&
  JSON.stringify(r.policy.effective.allowedHosts) === JSON.stringify(hosts);

async function expectBlocked(url: string) {
  await page.goto('about:blank');
  await page.goto(url).catch(() => undefined);
  await waitForUrl(page, isBlockedPage);
}

async function expectLoads(url: string) {
  await page.goto(url);
  await page.waitForSelector('#host');
  expect(await page.$eval('#host', (e) => e.textContent)).toBe(new URL(url).hostname);
}

/** Events go to the (fixture) agent as soon as they are logged: look there and in the outbox. */
async function logged(predicate: (e: SeatEvent) => boolean): Promise<SeatEvent> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const found =
      [...(host?.eventsById().values() ?? [])].find(predicate) ?? (await readOutbox(ext)).find(predicate);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error('the expected event was not logged');
}

describe("the centre's policy", () => {
  test('replaces the default allowlist: its host loads, the awarding body default is blocked', async () => {
    // Chromium hands extension policy over a few seconds after start-up: wait, without navigating.
    const report = await waitForReport(
      ext,
      (r) => r.policy.source === 'managed' && sameHosts(r, ['exams.example.net']),
      90_000,
    );
    expect(report.policy.valid).toBe(true);
    await expectLoads('http://exams.example.net/start');
    await expectBlocked('http://awarding.theimi.org.uk/');
    await page.waitForSelector('#back');
    expect(await page.$eval('#back', (e) => (e as HTMLAnchorElement).href)).toBe(
      'http://exams.example.net/start',
    );
    await logged(
      (e) =>
        e.type === 'event/policy-applied' &&
        e.source === 'managed' &&
        e.allowedHosts[0] === 'exams.example.net',
    );
  });

  test('password saving forced on by the browser policy is reported, not hidden', async () => {
    const report = await waitForReport(ext, (r) => r.privacy.passwordSaving.value === true);
    expect(report.privacy.passwordSaving).toMatchObject({
      value: true,
      levelOfControl: 'not_controllable',
      off: false,
    });
    const check = report.checks.find((c) => c.id === 'password-saving');
    expect(check?.status).toBe('fail');
    expect(check?.findings[0]?.message).toContain("the browser's policy forces it on");
    expect(readiness(report.checks.flatMap((c) => c.findings)).state).toBe('not-ready');
  });

  test('a change to the policy file changes the allowlist live, without a restart', async () => {
    policy?.update(machinePolicy(CHANGED, { PasswordManagerEnabled: false }));
    const report = await waitForReport(ext, (r) => sameHosts(r, CHANGED.allowedHosts), 90_000);
    expect(report.policy.errors).toEqual([]);
    await expectLoads('http://cdn.example.org/lib');
    await expectLoads('http://awarding.theimi.org.uk/');
    await expectBlocked('http://exams.example.net/start');
    // With the browser policy now off, password saving reads off, held by policy.
    const settled = await waitForReport(ext, (r) => r.privacy.passwordSaving.off);
    expect(settled.privacy.passwordSaving.levelOfControl).toBe('not_controllable');
  });

  test('a dangerous policy keeps the seat locked on the last good allowlist, and is reported', async () => {
    policy?.update(
      machinePolicy(
        { allowedHosts: ['*'], heartbeatSeconds: 0, assessmentUrl: 'javascript:alert(1)' },
        { PasswordManagerEnabled: false },
      ),
    );
    const report = await waitForReport(ext, (r) => !r.policy.valid && r.policy.errors.length >= 3, 90_000);
    const byField = Object.fromEntries(report.policy.errors.map((e) => [e.field, e.reason]));
    expect(byField.allowedHosts).toMatch(/would allow every site/);
    expect(byField.heartbeatSeconds).toMatch(/at least 1/);
    expect(byField.assessmentUrl).toMatch(/http/);
    // Never open: the last good allowlist is still what the browser enforces.
    expect(sameHosts(report, CHANGED.allowedHosts)).toBe(true);
    expect(report.policy.effective.heartbeatSeconds).toBe(5);
    await expectBlocked('http://answers.example.net/');
    await expectLoads('http://cdn.example.org/lib');
    const check = report.checks.find((c) => c.id === 'policy');
    expect(check?.findings.map((f) => [f.code, f.subject])).toContainEqual([
      'policy-invalid',
      'allowedHosts',
    ]);
    await logged(
      (e) => e.type === 'event/policy-rejected' && e.errors.some((x) => x.field === 'allowedHosts'),
    );
    const popup = await browser?.browser.newPage();
    if (!popup) throw new Error('no browser');
    await popup.setViewport({ width: 420, height: 900 });
    await popup.goto(extensionUrl(PAGE_PATHS.popup));
    await popup.waitForSelector('[data-check="policy"][data-status="fail"]');
    expect(await popup.$eval('[data-check="policy"] .check-word', (e) => e.textContent)).toBe(
      'Needs attention',
    );
    await screenshot(popup, 'extension-popup-policy-rejected');
    await popup.close();
  });

  test('allowDownloads: true lets downloads through, and the report records it', async () => {
    policy?.update(machinePolicy({ ...CHANGED, allowDownloads: true }));
    const report = await waitForReport(ext, (r) => !r.downloads.blocked, 90_000);
    expect(report.policy.errors).toEqual([]);
    expect(report.checks.find((c) => c.id === 'downloads')?.findings[0]?.code).toBe('downloads-allowed');
  });

  test('requireRelease holds every page until the invigilator releases the seat', async () => {
    await expectLoads('http://awarding.theimi.org.uk/exam');
    policy?.update(machinePolicy({ ...CHANGED, requireRelease: true }));
    await waitForReport(ext, (r) => r.gate === 'held', 90_000);
    await waitForUrl(page, (u) => u.startsWith(extensionUrl(PAGE_PATHS.hold)), 20_000);
    await page.goto('http://cdn.example.org/other').catch(() => undefined);
    await waitForUrl(
      page,
      (u) => u.startsWith(extensionUrl(PAGE_PATHS.hold)) && u.includes('cdn.example.org'),
    );
    host?.send({ type: 'seat/gate', state: 'released' });
    await waitForUrl(page, (u) => u === 'http://cdn.example.org/other', 20_000);
    expect((await waitForReport(ext, (r) => r.gate === 'released')).gate).toBe('released');
  });

  test("removing the extension's policy brings back the built-in default, not an open browser", async () => {
    policy?.update({});
    const report = await waitForReport(
      ext,
      (r) => r.policy.source === 'default' && sameHosts(r, ['theimi.org.uk']),
      90_000,
    );
    expect(report.policy.errors).toEqual([]);
    expect(report.downloads.blocked).toBe(true);
    await expectBlocked('http://cdn.example.org/lib');
    await expectLoads('http://awarding.theimi.org.uk/');
  });
});
