/**
 * Reading the extension's state in e2e tests the way its own pages do: from one of its pages
 * (our extension origin), through the worker's page channel and the real IndexedDB outbox.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { PAGES } from '../../extension/lib/pages.ts';
import type { SeatEvent } from '../../shared/schemas/events.ts';
import type { ComplianceReport } from '../../shared/schemas/report.ts';
import { extensionUrl } from './chromium.ts';

/** The extension's own pages (the extension's list, not a copy). */
export const PAGE_PATHS = PAGES;

export const SCREENSHOT_DIR = resolve(import.meta.dirname, '../../test-results/screenshots');

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`) as `${string}.png`;
  await page.screenshot({ path });
  return path;
}

/** An extension page kept open for queries (our origin, so the worker trusts it). */
export async function extensionPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(extensionUrl(PAGE_PATHS.popup));
  return page;
}

/** A fresh compliance report from the worker (`report/get`, as the popup asks for it). */
export async function readReport(page: Page): Promise<ComplianceReport> {
  const reply = await page.evaluate(() => chrome.runtime.sendMessage({ type: 'report/get' }));
  if (!reply?.ok) throw new Error(`report/get failed: ${JSON.stringify(reply)}`);
  return reply.result as ComplianceReport;
}

/** Polls the report until `predicate` holds; returns it. Timeouts are generous: the machine is shared. */
export async function waitForReport(
  page: Page,
  predicate: (r: ComplianceReport) => boolean,
  timeoutMs = 30_000,
): Promise<ComplianceReport> {
  const deadline = Date.now() + timeoutMs;
  let last: ComplianceReport | undefined;
  while (Date.now() < deadline) {
    last = await readReport(page).catch(() => undefined);
    if (last && predicate(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the report never matched; last: ${JSON.stringify(last, null, 1)?.slice(0, 4000)}`);
}

/** Every event waiting in the IndexedDB outbox, oldest first, read directly from the database. */
export async function readOutbox(page: Page): Promise<SeatEvent[]> {
  return page.evaluate(async () => {
    // Opening a database that does not exist yet would create an empty one and spoil the worker's upgrade.
    const dbs = await indexedDB.databases();
    if (!dbs.some((d) => d.name === 'invigil')) return [];
    const db = await new Promise<IDBDatabase>((ok, fail) => {
      const req = indexedDB.open('invigil');
      req.onsuccess = () => ok(req.result);
      req.onerror = () => fail(req.error);
    });
    try {
      if (!db.objectStoreNames.contains('outbox')) return [];
      return await new Promise<SeatEvent[]>((ok, fail) => {
        const req = db.transaction('outbox').objectStore('outbox').getAll();
        req.onsuccess = () => ok(req.result as SeatEvent[]);
        req.onerror = () => fail(req.error);
      });
    } finally {
      db.close();
    }
  });
}

export async function waitForEvent<T extends SeatEvent['type']>(
  page: Page,
  predicate: (e: SeatEvent) => e is Extract<SeatEvent, { type: T }>,
  timeoutMs = 20_000,
): Promise<Extract<SeatEvent, { type: T }>> {
  const deadline = Date.now() + timeoutMs;
  let events: SeatEvent[] = [];
  while (Date.now() < deadline) {
    events = await readOutbox(page);
    const found = events.find(predicate);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no such event in the outbox; it holds: ${JSON.stringify(events).slice(0, 3000)}`);
}

/** Waits until the page's URL satisfies `predicate` (navigations the extension makes are not awaited by goto). */
export async function waitForUrl(page: Page, predicate: (url: string) => boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (predicate(page.url())) return page.url();
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the page stayed on ${page.url()}`);
}

export const isBlockedPage = (url: string) => url.startsWith(extensionUrl(PAGE_PATHS.blocked));
