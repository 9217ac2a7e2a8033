/**
 * Nobody but the extension can put a "site blocked" incident on the candidate's record.
 *
 * The attack (issue 9, part D): an allowed page embeds the extension's blocked page 25 times, each
 * with a made-up address after `#`, and the worker logged 25 blocked navigations the candidate never
 * made. The same with the holding page, and with an address typed into the address bar. Every one of
 * them must leave the record untouched, while a real block (a frame from another site) is still
 * logged: it is the control that proves the worker was listening.
 */
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EXTENSION_ID } from '../../../shared/constants.ts';
import type { SeatEvent } from '../../../shared/schemas/events.ts';
import { extensionUrl, type LaunchedBrowser, launchWithExtension } from '../../helpers/chromium.ts';
import { extensionPage, PAGE_PATHS, readOutbox, screenshot } from '../../helpers/extension-state.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';

const FORGED = 25;

let server: TestServer;
let browser: LaunchedBrowser;
let ext: Page;
let page: Page;

/** An allowed page that embeds one of our pages with made-up addresses, then one real forbidden frame. */
function forgeryPage(path: string, tag: string, realFrame: string): string {
  const frames = Array.from(
    { length: FORGED },
    (_, i) =>
      `<iframe width="120" height="60" src="chrome-extension://${EXTENSION_ID}${path}#http://made-up-${tag}-${i}.example/answers"></iframe>`,
  ).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>forgery</title></head><body><h1 id="host">forgery</h1>${frames}<iframe id="real" src="${realFrame}"></iframe></body></html>`;
}

beforeAll(async () => {
  server = await startTestServer((req, res, host) => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    if (url.pathname !== '/forge') return false;
    const page = url.searchParams.get('page') as keyof typeof PAGE_PATHS;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(forgeryPage(PAGE_PATHS[page] ?? PAGE_PATHS.blocked, page, url.searchParams.get('real') ?? ''));
    return true;
  });
  browser = await launchWithExtension({ hostMap: { '*': server.target } });
  await browser.worker();
  ext = await extensionPage(browser.browser);
  page = await browser.browser.newPage();
  await page.setViewport({ width: 1100, height: 900 });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

type Blocked = Extract<SeatEvent, { type: 'event/blocked-navigation' }>;

async function blockedEvents(): Promise<Blocked[]> {
  return (await readOutbox(ext)).filter((e): e is Blocked => e.type === 'event/blocked-navigation');
}

/** Waits until a real block is logged; by then the worker has seen everything the page did before it. */
async function waitForReal(url: string): Promise<Blocked[]> {
  const deadline = Date.now() + 20_000;
  let events: Blocked[] = [];
  while (Date.now() < deadline) {
    events = await blockedEvents();
    if (events.some((e) => e.url === url)) {
      // A little longer, for any forged commit that is still on its way to the worker.
      await new Promise((r) => setTimeout(r, 1500));
      return blockedEvents();
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`the real block of ${url} was never logged: ${JSON.stringify(events).slice(0, 1500)}`);
}

const madeUp = (events: Blocked[], tag: string) => events.filter((e) => e.url.includes(`made-up-${tag}`));

describe('a page cannot create "site blocked" incidents', () => {
  test.each([
    ['the blocked page', 'blocked'],
    ['the holding page', 'hold'],
    ['the frame note (the one page web pages may load)', 'blockedFrame'],
  ])(
    `an allowed page embedding %s ${FORGED} times with made-up addresses logs none of them`,
    async (_, which) => {
      const real = `http://answers.example.net/real-frame-${which}`;
      await page.goto(`http://awarding.theimi.org.uk/forge?page=${which}&real=${encodeURIComponent(real)}`);
      const events = await waitForReal(real);
      await screenshot(page, `extension-forged-${which}-frames`);
      expect(madeUp(events, which)).toEqual([]);
      // The real one is there, once, as a frame.
      expect(events.filter((e) => e.url === real).map((e) => [e.reason, e.frame])).toEqual([
        ['not-allowed', 'sub'],
      ]);
    },
  );
});

describe('a typed address cannot create one either', () => {
  test.each([
    ['the blocked page', 'blocked'],
    ['the holding page', 'hold'],
  ] as const)('%s typed with a made-up address', async (_, which) => {
    await page.goto('about:blank');
    await page
      .goto(extensionUrl(`${PAGE_PATHS[which]}#http://made-up-typed-${which}.example/`))
      .catch(() => undefined);
    // The control: a real attempt after it, in the same tab.
    const real = `http://answers.example.net/typed-after-${which}`;
    await page.goto(real).catch(() => undefined);
    const events = await waitForReal(real);
    expect(madeUp(events, `typed-${which}`)).toEqual([]);
  });
});
