/**
 * Other extensions on the seat, loaded unpacked beside Invigil: listed in the report, the
 * password manager flagged (by name: a test cannot reproduce a store id without the vendor's
 * signing key; the ids are unit-tested against the catalog), and both turned off, as the default
 * policy (`otherExtensions: disable`) asks. The one that turned password saving on loses its hold.
 */
import { resolve } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { readiness } from '../../../shared/rules/readiness.ts';
import type { SeatEvent } from '../../../shared/schemas/events.ts';
import { type LaunchedBrowser, launchWithExtension } from '../../helpers/chromium.ts';
import { extensionPage, readOutbox, screenshot, waitForReport } from '../../helpers/extension-state.ts';

const FIXTURES = resolve(import.meta.dirname, 'fixtures');

let browser: LaunchedBrowser;
let ext: Page;

beforeAll(async () => {
  browser = await launchWithExtension({
    extraExtensions: [join('password-manager-lookalike'), join('settings-changer')],
  });
  await browser.worker();
  ext = await extensionPage(browser.browser);
}, 300_000);

afterAll(async () => {
  await browser?.close();
});

function join(name: string) {
  return resolve(FIXTURES, name);
}

test('every other extension is listed, the password manager flagged, and both are turned off', async () => {
  const report = await waitForReport(
    ext,
    (r) => r.extensions.length >= 2 && r.extensions.every((e) => !e.enabled),
  );
  const pm = report.extensions.find((e) => e.name === 'Bitwarden Password Manager');
  const other = report.extensions.find((e) => e.name === 'Helpful Settings');
  expect(pm).toMatchObject({
    passwordManager: 'Bitwarden',
    installType: 'development',
    enabled: false,
    action: 'disabled',
  });
  expect(other).toMatchObject({ passwordManager: null, enabled: false, action: 'disabled' });
  const check = report.checks.find((c) => c.id === 'other-extensions');
  expect(check?.status).toBe('pass');
  expect(check?.summary).toContain('Bitwarden Password Manager (a password manager)');
  expect(check?.summary).toContain('Helpful Settings');

  // The browser agrees: they are really off.
  const states = await ext.evaluate(async () =>
    (await chrome.management.getAll()).filter((e) => e.id !== chrome.runtime.id).map((e) => e.enabled),
  );
  expect(states).toEqual([false, false]);
});

test('turning them off is logged, naming the password manager', async () => {
  const events = (await readOutbox(ext)).filter(
    (e): e is Extract<SeatEvent, { type: 'event/extension-disabled' }> =>
      e.type === 'event/extension-disabled',
  );
  expect(events.map((e) => [e.name, e.passwordManager]).sort()).toEqual([
    ['Bitwarden Password Manager', 'Bitwarden'],
    ['Helpful Settings', null],
  ]);
});

test("password saving stays off and under Invigil's control with that extension present", async () => {
  const report = await waitForReport(ext, (r) => r.privacy.passwordSaving.off);
  expect(report.privacy.passwordSaving.levelOfControl).toBe('controlled_by_this_extension');
});

test('re-enabling an extension (as a candidate might) is undone and logged again', async () => {
  const before = (await readOutbox(ext)).filter((e) => e.type === 'event/extension-disabled').length;
  const id = await ext.evaluate(async () => {
    const all = await chrome.management.getAll();
    const target = all.find((e) => e.name === 'Bitwarden Password Manager');
    if (!target) throw new Error('not installed');
    await chrome.management.setEnabled(target.id, true);
    return target.id;
  });
  const deadline = Date.now() + 20_000;
  let enabled = true;
  while (enabled && Date.now() < deadline) {
    enabled = await ext.evaluate(async (x) => (await chrome.management.get(x)).enabled, id);
    if (enabled) await new Promise((r) => setTimeout(r, 150));
  }
  expect(enabled).toBe(false);
  // The event is written just after the extension is switched off: wait for it, then check it is one.
  const count = async () =>
    (await readOutbox(ext)).filter((e) => e.type === 'event/extension-disabled').length;
  const until = Date.now() + 20_000;
  while ((await count()) < before + 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 150));
  await new Promise((r) => setTimeout(r, 500));
  expect(await count()).toBe(before + 1);
});

test('the popup shows the checklist in words', async () => {
  const popup = await browser.browser.newPage();
  await popup.setViewport({ width: 420, height: 900 });
  await popup.goto(ext.url());
  await popup.waitForSelector('#readiness');
  const report = await waitForReport(ext, (r) => r.extensions.length >= 2);
  const state = readiness(report.checks.flatMap((c) => c.findings)).state;
  // Unpacked, so not installed by policy: attention, said in words.
  expect(state).toBe('attention');
  expect(await popup.$eval('#readiness', (e) => e.textContent)).toBe('Attention');
  expect(await popup.$eval('#readiness-reason', (e) => e.textContent)).toContain(
    'not force-installed by IT policy',
  );
  const rows = await popup.$$eval('.check', (els) =>
    els.map((e) => ({
      id: e.getAttribute('data-check'),
      word: e.querySelector('.check-word')?.textContent,
      summary: e.querySelector('.check-summary')?.textContent,
    })),
  );
  expect(rows.map((r) => r.id)).toEqual(report.checks.map((c) => c.id));
  expect(rows.find((r) => r.id === 'site-blocking')?.word).toBe('Passed');
  expect(rows.find((r) => r.id === 'managed-install')?.word).toBe('Needs attention');
  expect(rows.find((r) => r.id === 'other-extensions')?.summary).toContain('Invigil turned off 2 extensions');
  await screenshot(popup, 'extension-popup');
});
