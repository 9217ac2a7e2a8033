/**
 * Site blocking in real Chromium: the default allowlist (the awarding body's hosts), host names
 * mapped to a local test server. Everything else, frames included, and the browser's own pages
 * end on the blocked page, and every attempt is logged.
 */
import { resolve } from 'node:path';
import type { Frame, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SeatEvent } from '../../../shared/schemas/events.ts';
import { extensionUrl, type LaunchedBrowser, launchWithExtension } from '../../helpers/chromium.ts';
import {
  extensionPage,
  isBlockedPage,
  PAGE_PATHS,
  readOutbox,
  screenshot,
  waitForUrl,
} from '../../helpers/extension-state.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';

const LOOKALIKE = resolve(import.meta.dirname, 'fixtures/password-manager-lookalike');

let server: TestServer;
let browser: LaunchedBrowser;
let ext: Page;
let page: Page;

beforeAll(async () => {
  server = await startTestServer();
  // Every host name reaches the test server; only the extension decides what loads.
  browser = await launchWithExtension({ hostMap: { '*': server.target }, extraExtensions: [LOOKALIKE] });
  await browser.worker();
  ext = await extensionPage(browser.browser);
  page = await browser.browser.newPage();
  await page.setViewport({ width: 1100, height: 760 });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function blockedEvent(
  predicate: (e: Extract<SeatEvent, { type: 'event/blocked-navigation' }>) => boolean,
) {
  const deadline = Date.now() + 20_000;
  let events: SeatEvent[] = [];
  while (Date.now() < deadline) {
    events = await readOutbox(ext);
    const found = events.find((e) => e.type === 'event/blocked-navigation' && predicate(e));
    if (found) return found;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(
    `no such blocked navigation was logged; the outbox has ${JSON.stringify(events).slice(0, 2000)}`,
  );
}

async function hostShown(p: Page | Frame): Promise<string | null | undefined> {
  await p.waitForSelector('#host', { timeout: 15_000 });
  return p.$eval('#host', (e) => e.textContent);
}

describe('the allowed hosts', () => {
  test.each([
    'http://theimi.org.uk/',
    'http://awarding.theimi.org.uk/exam',
    'http://a.b.theimi.org.uk/deep',
    'http://AWARDING.THEIMI.ORG.UK/upper',
    'http://awarding.theimi.org.uk./trailing-dot',
    'http://awarding.theimi.org.uk:8443/port',
  ])('%s loads', async (url) => {
    await page.goto(url);
    expect(page.url().startsWith('http://')).toBe(true);
    expect((await hostShown(page))?.replace(/\.$/, '')).toBe(new URL(url).hostname.replace(/\.$/, ''));
  });
});

describe('everything else lands on the blocked page, which names it, and is logged', () => {
  test.each([
    ['another site', 'http://answers.example.net/search?q=unit+3+answers'],
    ['a look-alike with the allowed name as a prefix', 'http://theimi.org.uk.evil.test/'],
    ['a look-alike with the allowed name inside', 'http://badtheimi.org.uk/'],
    ['a look-alike with a dash', 'http://theimi-org.uk/login'],
    ['the allowed name in the user-info', 'http://awarding.theimi.org.uk@evil.test/'],
    ['an internationalised look-alike (Cyrillic e)', 'http://th\u0435imi.org.uk/'],
    ['https to another site', 'https://answers.example.net/'],
  ])('%s: %s', async (_, typed) => {
    await page.goto('about:blank');
    await page.goto(typed).catch(() => undefined);
    const landed = await waitForUrl(page, isBlockedPage);
    const blockedUrl = new URL(landed).hash.slice(1);
    // What Chromium requested: the typed address, normalised (punycode, user-info dropped).
    expect(new URL(blockedUrl).hostname).not.toMatch(/(^|\.)theimi\.org\.uk$/);
    await page.waitForSelector('#blocked-url');
    expect(await page.$eval('#blocked-url', (e) => e.textContent)).toBe(blockedUrl);
    expect(await page.$eval('h1', (e) => e.textContent)).toBe(
      "This page isn't available during your assessment",
    );
    expect(await page.$eval('#back', (e) => (e as HTMLAnchorElement).href)).toBe(
      'https://www.theimi.org.uk/awarding',
    );
    await blockedEvent((e) => e.url === blockedUrl && e.reason === 'not-allowed' && e.frame === 'main');
  });

  test('the blocked page looks calm and offers the way back', async () => {
    await page.goto('http://answers.example.net/search?q=unit+3+answers').catch(() => undefined);
    await waitForUrl(page, isBlockedPage);
    await page.waitForSelector('#back');
    await screenshot(page, 'extension-blocked');
  });
});

describe('frames', () => {
  test('a frame from an allowed host loads inside an allowed page', async () => {
    await page.goto('http://awarding.theimi.org.uk/frame?src=http://cdn.theimi.org.uk/widget');
    const frame = await (await page.waitForSelector('#f'))?.contentFrame();
    if (!frame) throw new Error('no frame');
    expect(await hostShown(frame)).toBe('cdn.theimi.org.uk');
  });

  test('a frame from another site shows the blocked note in its place, and is logged as a frame', async () => {
    await page.goto('http://awarding.theimi.org.uk/frame?src=http://answers.example.net/embedded');
    // The static frame note: the blocked page itself is not one web pages may load.
    const frameUrl = extensionUrl(PAGE_PATHS.blockedFrame);
    const deadline = Date.now() + 15_000;
    let frame: Frame | undefined;
    while (!frame && Date.now() < deadline) {
      frame = page.frames().find((f) => f.url() === frameUrl);
      if (!frame) await new Promise((r) => setTimeout(r, 100));
    }
    if (!frame)
      throw new Error(`the frame did not land on the blocked page: ${page.frames().map((f) => f.url())}`);
    await frame.waitForSelector('.frame-note');
    expect(await frame.$eval('.frame-note strong', (e) => e.textContent)).toBe(
      "This part of the page isn't available during your assessment.",
    );
    // The page around it is still the allowed one.
    expect(await page.$eval('#host', (e) => e.textContent)).toBe('awarding.theimi.org.uk');
    await blockedEvent((e) => e.url === 'http://answers.example.net/embedded' && e.frame === 'sub');
    await screenshot(page, 'extension-blocked-frame');
  });
});

describe('browser internals are taken away and logged', () => {
  let lookalikeId = '';
  beforeAll(async () => {
    const report = await ext.evaluate(() => chrome.runtime.sendMessage({ type: 'report/get' }));
    lookalikeId =
      (report.result.extensions as { id: string; name: string }[]).find(
        (e) => e.name === 'Bitwarden Password Manager',
      )?.id ?? '';
  });

  test.each([
    ['settings', 'chrome://settings/'],
    ['saved passwords', 'chrome://settings/passwords'],
    ['autofill settings', 'chrome://settings/autofill'],
    ['the password manager', 'chrome://password-manager/passwords'],
    ['extensions', 'chrome://extensions/'],
    ['flags', 'chrome://flags/'],
    ['developer tools', 'devtools://devtools/bundled/inspector.html'],
    ['view-source of the assessment', 'view-source:http://awarding.theimi.org.uk/exam'],
    ['a local file', 'file:///etc/hostname'],
    ['a data: page', 'data:text/html,<textarea>notes</textarea>'],
    ['the Chrome Web Store', 'https://chromewebstore.google.com/category/extensions'],
    ['the old Web Store', 'https://chrome.google.com/webstore/'],
  ])('%s (%s)', async (_, url) => {
    // From a blank page, so that the previous test's blocked page cannot pass for this one.
    await page.goto('about:blank');
    await page.goto(url).catch(() => undefined);
    const landed = await waitForUrl(page, isBlockedPage);
    expect(new URL(landed).searchParams.get('reason')).toBe('browser-internal');
    await page.waitForSelector('h1');
    expect(await page.$eval('h1', (e) => e.textContent)).toBe(
      "Browser settings and tools aren't available during your assessment",
    );
    // The hash carries the address (percent-encoded where a fragment must be); the browser may add a
    // trailing slash or settle on a sub-page.
    const shown = decodeURIComponent(new URL(landed).hash.slice(1));
    const prefix = url.replace(/\/$/, '').slice(0, 18);
    expect(shown.startsWith(prefix)).toBe(true);
    await blockedEvent((e) => e.reason === 'browser-internal' && e.url === shown);
  });

  test("another extension's page", async () => {
    expect(lookalikeId).toMatch(/^[a-p]{32}$/);
    const url = `chrome-extension://${lookalikeId}/vault.html`;
    await page.goto('about:blank');
    await page.goto(url).catch(() => undefined);
    await waitForUrl(page, isBlockedPage);
    await blockedEvent((e) => e.reason === 'browser-internal' && e.url === url);
  });

  test('the browser-internal page says so', async () => {
    await page.goto('chrome://settings/passwords').catch(() => undefined);
    await waitForUrl(page, isBlockedPage);
    await page.waitForSelector('#back');
    await screenshot(page, 'extension-blocked-internal');
  });
});

describe('new tabs', () => {
  test("a new tab shows the way to the assessment, not the browser's search page; opening it is logged", async () => {
    const before = (await readOutbox(ext)).filter((e) => e.type === 'event/tab-opened').length;
    const tab = await browser.browser.newPage();
    await tab.setViewport({ width: 1100, height: 760 });
    await tab.goto('chrome://newtab/').catch(() => undefined);
    await tab.waitForSelector('#go', { timeout: 15_000 });
    expect(await tab.$eval('h1', (e) => e.textContent)).toBe('Your assessment');
    expect(await tab.$eval('#go', (e) => (e as HTMLAnchorElement).href)).toBe(
      'https://www.theimi.org.uk/awarding',
    );
    expect(await tab.$('input[type=search], input[name=q]')).toBeNull();
    await screenshot(tab, 'extension-newtab');
    // The new tab was not taken for a browser-internal page.
    expect(isBlockedPage(tab.url())).toBe(false);
    const after = (await readOutbox(ext)).filter((e) => e.type === 'event/tab-opened').length;
    expect(after).toBeGreaterThan(before);
    await tab.close();
  });

  test('a new window opened by a page is logged', async () => {
    await page.goto('http://awarding.theimi.org.uk/');
    await page.evaluate(() => {
      window.open('http://awarding.theimi.org.uk/popup', 'extra', 'popup,width=400,height=300');
    });
    const event = await (async () => {
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        const found = (await readOutbox(ext)).find((e) => e.type === 'event/window-opened');
        if (found) return found;
        await new Promise((r) => setTimeout(r, 150));
      }
      throw new Error('no window-opened event');
    })();
    expect(event).toMatchObject({ type: 'event/window-opened', windowType: 'popup' });
  });
});
