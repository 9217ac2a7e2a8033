/**
 * The browser losing focus to another application, and for how long: a real X display with a window
 * manager (openbox), Chromium in a window on it, and another program's window (xmessage) activated
 * the way a candidate's click would (xdotool windowactivate). Headless Chromium never loses focus,
 * so this is the one extension test that needs a desktop. The outbox is read from the worker: a page
 * opened by the test harness would itself take part in the focus changes.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import type { WebWorker } from 'puppeteer-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { SeatEvent } from '../../../shared/schemas/events.ts';
import { waitFor } from '../../helpers/agent-cli.ts';
import { type LaunchedBrowser, launchWithExtension } from '../../helpers/chromium.ts';
import { startXDisplay, type XDisplay } from '../../helpers/x-displays.ts';

let x: XDisplay;
let wm: ChildProcess;
let other: ChildProcess | undefined;
let chromium: LaunchedBrowser;
let worker: WebWorker;

const xdotool = (...args: string[]) =>
  execFileSync('xdotool', args, { env: { ...process.env, DISPLAY: x.display }, encoding: 'utf8' }).trim();

/** The id of the last visible window of this X class, once it has one. */
function windowOf(cls: string): Promise<string> {
  return waitFor(`a visible ${cls} window`, () => {
    try {
      return xdotool('search', '--onlyvisible', '--class', cls).split('\n').filter(Boolean).at(-1);
    } catch {
      return undefined; // xdotool exits 1 while no window matches
    }
  });
}

/** The focus events in the extension's outbox (IndexedDB), read inside the worker. */
function focusEvents(): Promise<SeatEvent[]> {
  return worker.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((ok, fail) => {
      const q = indexedDB.open('invigil');
      q.onsuccess = () => ok(q.result);
      q.onerror = () => fail(q.error);
    });
    try {
      const all = await new Promise<SeatEvent[]>((ok, fail) => {
        const q = db.transaction('outbox').objectStore('outbox').getAll();
        q.onsuccess = () => ok(q.result as SeatEvent[]);
        q.onerror = () => fail(q.error);
      });
      return all.filter((e) => e.type === 'event/focus-lost' || e.type === 'event/focus-returned');
    } finally {
      db.close();
    }
  });
}

beforeAll(async () => {
  x = await startXDisplay(94);
  wm = spawn('openbox', [], { env: { ...process.env, DISPLAY: x.display }, stdio: 'ignore' });
  chromium = await launchWithExtension({
    headless: false,
    env: { DISPLAY: x.display },
    extraArgs: ['--window-size=640,480', '--window-position=0,0'],
  });
  worker = await chromium.worker();
  xdotool('windowactivate', '--sync', await windowOf('chromium'));
}, 120_000);

afterAll(async () => {
  other?.kill();
  await chromium?.close();
  wm?.kill();
  await x?.stop();
});

test('switching to another program is logged, and so is coming back, with how long the browser was away', async () => {
  const browserWindow = await windowOf('chromium');
  other = spawn('xmessage', ['-geometry', '300x80+700+500', 'Another program'], {
    env: { ...process.env, DISPLAY: x.display },
    stdio: 'ignore',
  });
  // The first switch since the browser started: the one Chromium's own event misses.
  xdotool('windowactivate', '--sync', await windowOf('xmessage'));
  const [lost] = await waitFor('the focus loss in the outbox', async () => {
    const events = await focusEvents();
    return events.length >= 1 ? events : null;
  });
  expect(lost?.type).toBe('event/focus-lost');

  // Away for at least a second and a half, then back to the browser.
  await new Promise((r) => setTimeout(r, 1500));
  xdotool('windowactivate', '--sync', browserWindow);
  const events = await waitFor('the return in the outbox', async () => {
    const e = await focusEvents();
    return e.length >= 2 ? e : null;
  });
  const back = events[1];
  if (back?.type !== 'event/focus-returned')
    throw new Error(`expected a return, got ${JSON.stringify(events)}`);
  expect(Date.parse(back.at)).toBeGreaterThan(Date.parse(lost?.at ?? ''));
  expect(back.awayMs).toBeGreaterThanOrEqual(1500);
  expect(back.awayMs).toBeLessThan(60_000);
});

test("a second switch (which Chromium's events do report) is logged once, not twice", async () => {
  const browserWindow = await windowOf('chromium');
  xdotool('windowactivate', '--sync', await windowOf('xmessage'));
  await waitFor('the second loss', async () => (await focusEvents()).length >= 3);
  await new Promise((r) => setTimeout(r, 1500));
  xdotool('windowactivate', '--sync', browserWindow);
  await waitFor('the second return', async () => (await focusEvents()).length >= 4);
  // Both the event and the once-a-second reading saw each change: still one entry per change.
  await new Promise((r) => setTimeout(r, 2500));
  expect((await focusEvents()).map((e) => e.type)).toEqual([
    'event/focus-lost',
    'event/focus-returned',
    'event/focus-lost',
    'event/focus-returned',
  ]);
});
