/**
 * Password saving, autofill, translation, the spelling service and search suggestions off, read
 * back from the browser; downloads (from a server, a data: link or a blob) cancelled and erased,
 * leaving no file on disk.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page, WebWorker } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SeatEvent } from '../../../shared/schemas/events.ts';
import { type LaunchedBrowser, launchWithExtension } from '../../helpers/chromium.ts';
import { extensionPage, readOutbox, readReport, waitForReport } from '../../helpers/extension-state.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';

let server: TestServer;
let browser: LaunchedBrowser;
let worker: WebWorker;
let ext: Page;
let profile: string;
let downloads: string;

beforeAll(async () => {
  // A slow download too, so that one is caught while its bytes are still arriving.
  server = await startTestServer((req, res) => {
    if (!req.url?.startsWith('/slow-download')) return false;
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-disposition': 'attachment; filename="paper.pdf"',
      'content-length': String(40 * 64 * 1024),
    });
    let sent = 0;
    const timer = setInterval(() => {
      if (sent++ >= 40 || res.destroyed) {
        clearInterval(timer);
        res.end();
        return;
      }
      res.write(Buffer.alloc(64 * 1024, 1));
    }, 100);
    res.on('close', () => clearInterval(timer));
    return true;
  });
  profile = mkdtempSync(join(tmpdir(), 'invigil-downloads-'));
  downloads = mkdtempSync(join(tmpdir(), 'invigil-downloaded-'));
  // Where this profile saves files, without asking: as a candidate's browser would.
  mkdirSync(join(profile, 'Default'), { recursive: true });
  writeFileSync(
    join(profile, 'Default', 'Preferences'),
    JSON.stringify({
      download: { default_directory: downloads, prompt_for_download: false, directory_upgrade: true },
    }),
  );
  browser = await launchWithExtension({ userDataDir: profile, hostMap: { '*': server.target } });
  worker = await browser.worker();
  ext = await extensionPage(browser.browser);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  for (const dir of [profile, downloads]) if (dir) rmSync(dir, { recursive: true, force: true });
});

const SETTINGS = [
  'passwordSavingEnabled',
  'autofillAddressEnabled',
  'autofillCreditCardEnabled',
  'translationServiceEnabled',
  'spellingServiceEnabled',
  'searchSuggestEnabled',
] as const;
type Setting = (typeof SETTINGS)[number];

function readSetting(name: Setting) {
  return worker.evaluate(
    (n) =>
      chrome.privacy.services[n as Setting].get({}) as Promise<{ value: boolean; levelOfControl: string }>,
    name,
  );
}

async function waitForOutbox<T extends SeatEvent>(predicate: (e: SeatEvent) => e is T): Promise<T> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const found = (await readOutbox(ext)).find(predicate);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error('the expected event was not logged');
}

describe('password saving, autofill, translation, spelling and search suggestions', () => {
  test.each(SETTINGS)('%s reads false, set by Invigil', async (name) => {
    expect(await readSetting(name)).toEqual({
      value: false,
      levelOfControl: 'controlled_by_this_extension',
    });
  });

  test('the report says all six are off, with their level of control', async () => {
    const report = await waitForReport(ext, (r) => Object.values(r.privacy).every((s) => s?.off));
    expect(Object.keys(report.privacy).sort()).toEqual(
      [
        'autofillAddress',
        'autofillCreditCard',
        'passwordSaving',
        'searchSuggest',
        'spellingService',
        'translationService',
      ].sort(),
    );
    for (const s of Object.values(report.privacy)) {
      expect(s).toEqual({ value: false, levelOfControl: 'controlled_by_this_extension', off: true });
    }
    for (const id of ['password-saving', 'autofill', 'browser-services']) {
      expect(report.checks.find((c) => c.id === id)?.status).toBe('pass');
    }
  });

  test('translation turned back on is turned off again, and that is logged', async () => {
    await worker.evaluate(() => chrome.privacy.services.translationServiceEnabled.set({ value: true }));
    const event = await waitForOutbox(
      (e): e is Extract<SeatEvent, { type: 'event/setting-reverted' }> =>
        e.type === 'event/setting-reverted' && e.setting === 'translationService',
    );
    expect(event.restored).toBe(true);
    expect((await readSetting('translationServiceEnabled')).value).toBe(false);
  });

  test('a setting turned back on is turned off again, and that is logged', async () => {
    await worker.evaluate(() => chrome.privacy.services.autofillAddressEnabled.set({ value: true }));
    const event = await waitForOutbox(
      (e): e is Extract<SeatEvent, { type: 'event/setting-reverted' }> =>
        e.type === 'event/setting-reverted' && e.setting === 'autofillAddress',
    );
    expect(event.restored).toBe(true);
    expect((await readSetting('autofillAddressEnabled')).value).toBe(false);
  });
});

describe('downloads', () => {
  async function download(path: string, filename: string) {
    const page = await browser.browser.newPage();
    await page.goto(`http://awarding.theimi.org.uk/?for=${path}`);
    await page.evaluate((href) => {
      const a = document.createElement('a');
      a.href = href;
      a.id = 'go';
      document.body.append(a);
      a.click();
    }, path);
    const url = `http://awarding.theimi.org.uk${path}`;
    const event = await waitForOutbox(
      (e): e is Extract<SeatEvent, { type: 'event/download-blocked' }> =>
        e.type === 'event/download-blocked' && e.url === url,
    );
    // The download really started: the server was asked for the file.
    expect(server.requests.some((r) => r.url === path)).toBe(true);
    // Whatever was written (the file or its .crdownload) is gone, and stays gone.
    await new Promise((r) => setTimeout(r, 3000));
    expect(readdirSync(downloads)).toEqual([]);
    await page.close();
    return { event, filename };
  }

  test('a small download started on an allowed page leaves no file, and is logged', async () => {
    await download('/download', 'answers.bin');
  });

  test('a slow download is stopped while it arrives, and leaves no partial file', async () => {
    await download('/slow-download', 'paper.pdf');
  });

  test.each([
    ['a data: link', 'data'],
    ['a blob made by the page', 'blob'],
  ])('%s saved as a file leaves no file, and is logged', async (_, kind) => {
    const page = await browser.browser.newPage();
    await page.goto('http://awarding.theimi.org.uk/notes');
    await page.evaluate((k) => {
      const a = document.createElement('a');
      a.download = `answers-${k}.txt`;
      a.href =
        k === 'data'
          ? 'data:text/plain,the%20answers'
          : URL.createObjectURL(new Blob(['the answers'], { type: 'text/plain' }));
      document.body.append(a);
      a.click();
    }, kind);
    const event = await waitForOutbox(
      (e): e is Extract<SeatEvent, { type: 'event/download-blocked' }> =>
        e.type === 'event/download-blocked' && e.url.startsWith(`${kind}:`),
    );
    expect(
      event.url.startsWith(kind === 'data' ? 'data:text/plain' : 'blob:http://awarding.theimi.org.uk/'),
    ).toBe(true);
    await new Promise((r) => setTimeout(r, 2000));
    expect(readdirSync(downloads)).toEqual([]);
    await page.close();
  });

  test("the browser's download list is empty and the report counts what was stopped", async () => {
    const items = await worker.evaluate(() => chrome.downloads.search({}));
    expect(items).toEqual([]);
    const report = await waitForReport(ext, (r) => r.downloads.blockedCount >= 4);
    expect(report.downloads.blocked).toBe(true);
    expect(report.checks.find((c) => c.id === 'downloads')?.summary).toContain('downloads were stopped');
    expect((await readReport(ext)).policy.effective.allowDownloads).toBe(false);
  });
});
