/**
 * Nothing lost: events wait in the IndexedDB outbox until a receiver acknowledges them. Here no
 * agent is installed, so they must survive Chromium stopping the idle service worker, and a
 * browser restart on the same profile.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { EXTENSION_ID } from '../../../shared/constants.ts';
import type { SeatEvent } from '../../../shared/schemas/events.ts';
import { type LaunchedBrowser, launchWithExtension } from '../../helpers/chromium.ts';
import { extensionPage, isBlockedPage, readOutbox, waitForUrl } from '../../helpers/extension-state.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';

let server: TestServer;
let browser: LaunchedBrowser | undefined;
let profile: string;

beforeAll(async () => {
  server = await startTestServer();
  profile = mkdtempSync(join(tmpdir(), 'invigil-outbox-'));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

function launch() {
  return launchWithExtension({ userDataDir: profile, hostMap: { '*': server.target } });
}

async function visitBlocked(b: LaunchedBrowser, path: string): Promise<string> {
  const url = `http://answers.example.net/${path}`;
  const page = await b.browser.newPage();
  await page.goto(url).catch(() => undefined);
  await waitForUrl(page, isBlockedPage);
  await page.close();
  return url;
}

async function eventFor(ext: Page, url: string): Promise<SeatEvent> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const found = (await readOutbox(ext)).find((e) => e.type === 'event/blocked-navigation' && e.url === url);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`no event for ${url}`);
}

const workerRunning = (b: LaunchedBrowser) =>
  b.browser
    .targets()
    .some((t) => t.type() === 'service_worker' && t.url().startsWith(`chrome-extension://${EXTENSION_ID}/`));

test('events logged before the service worker is stopped are still in the outbox after it restarts', async () => {
  browser = await launch();
  const worker = await browser.worker();
  const ext = await extensionPage(browser.browser);
  const url = await visitBlocked(browser, 'before-worker-stop');
  const before = await eventFor(ext, url);

  // What Chromium does to an idle MV3 worker.
  await worker.close();
  const deadline = Date.now() + 15_000;
  while (workerRunning(browser) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(workerRunning(browser)).toBe(false);

  // A blocked navigation wakes it (webNavigation); it logs again, and the old event is still there.
  const after = await visitBlocked(browser, 'after-worker-restart');
  await browser.worker();
  const events = await readOutbox(ext);
  expect(events.find((e) => e.id === before.id)).toEqual(before);
  await eventFor(ext, after);
  // Oldest first: the order they happened in.
  const ids = (await readOutbox(ext)).map((e) => e.id);
  expect(ids.indexOf(before.id)).toBeLessThan(ids.indexOf((await eventFor(ext, after)).id));
});

test('and after the browser restarts on the same profile', async () => {
  if (!browser) throw new Error('the first test did not start a browser');
  const ext = await extensionPage(browser.browser);
  const waiting = await readOutbox(ext);
  expect(waiting.length).toBeGreaterThan(0);
  await browser.close();

  browser = await launch();
  await browser.worker();
  const again = await extensionPage(browser.browser);
  const survived = await readOutbox(again);
  for (const event of waiting) expect(survived).toContainEqual(event);
});
