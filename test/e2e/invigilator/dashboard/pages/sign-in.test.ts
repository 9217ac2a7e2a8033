/**
 * The sign-in link page in real Chromium against a real console process. Opening a link fires two
 * requests at once: the page's first "who am I?" (no session yet, so 401) and the link's own sign-in.
 * The first answer can arrive last on a busy machine (CI saw it once: the page fell back to the sign-in
 * form and never went live). A stale 401, asked before the sign-in, must not sign the invigilator out;
 * a 401 for the session the page is in still must.
 */
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchDashboardBrowser } from '../../../../helpers/chromium.ts';
import { ConsoleClient } from '../../../../helpers/console-client.ts';
import { type ReadyConsole, startReadyConsole } from '../../../../helpers/console-process.ts';

let ready: ReadyConsole;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  ready = await startReadyConsole();
  ({ browser, page } = await launchDashboardBrowser());
}, 120_000);

afterAll(async () => {
  await browser?.close();
  expect(await ready?.stop()).toBe(0);
});

test("the page's first 401, answered after the link has signed the invigilator in, does not sign them out", async () => {
  const me = await ready.admin.api.call('me', {});
  const link = await ready.admin.api.call('createSignInLink', {
    params: { id: me.invigilator.id },
    body: {},
  });
  const isMe = (r: { url(): string }) => new URL(r.url()).pathname === '/api/me';
  // The first "who am I?" goes to the console at once, as the page sent it (no session yet), and the
  // console's real answer is held back until the link's sign-in has finished and its own "who am I?"
  // has been answered. (Letting the request itself wait would send it later, with the new cookie.)
  let first: Promise<{ status: number; body: string; type: string }> | undefined;
  let delivered: Promise<number> | undefined;
  let release: () => void = () => undefined;
  const signedIn = new Promise<void>((done) => {
    release = done;
  });
  await page.setRequestInterception(true);
  page.on('request', (req) => {
    if (!isMe(req) || first) {
      void req.continue();
      return;
    }
    first = fetch(req.url()).then(async (res) => ({
      status: res.status,
      body: await res.text(),
      type: res.headers.get('content-type') ?? 'application/json',
    }));
    delivered = first.then(async (answer) => {
      await signedIn;
      await req.respond({ status: answer.status, contentType: answer.type, body: answer.body });
      return answer.status;
    });
  });
  page.on('response', (res) => {
    if (isMe(res) && res.status() === 200) release();
  });
  await page.goto(link.url);
  await signedIn;
  expect(await delivered).toBe(401);
  // Given time to act on the stale answer, the page is still signed in, and goes live.
  await new Promise((r) => setTimeout(r, 500));
  expect(await page.$('#sign-in')).toBeNull();
  expect(await page.$eval('.topbar .who-name', (e) => e.textContent)).toContain(me.invigilator.name);
  await page.waitForSelector('.topbar .live-dot.on');
}, 60_000);

test('a 401 for the session the page is in (ended elsewhere) still brings back the sign-in form', async () => {
  // The page is signed in and live (the test above). Its session is ended on the console, as signing
  // out in another tab would: the page's next request is refused and it says so.
  page.removeAllListeners('request');
  page.removeAllListeners('response');
  await page.setRequestInterception(false);
  const session = new ConsoleClient(ready.proc.url);
  session.cookie = (await page.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  expect((await session.api.call('signOut', {})).signedOut).toBe(true);
  await page.goto(`${ready.proc.url}/#/sittings`);
  await page.waitForSelector('#sign-in');
  expect(await page.$('.topbar')).toBeNull();
}, 60_000);
