/**
 * The candidate's browser: Chromium with the built extension in the demo's throwaway profile (the
 * native host is installed into that profile), in a window when there is a display, headless
 * otherwise. The demo keeps a private DevTools pipe to it (`--remote-debugging-pipe`: fds 3 and 4,
 * which no other process can open, unlike a debugging port) for the few things a headless browser
 * cannot be asked by hand: go to an address, show what is on screen. Three DevTools commands do not
 * warrant puppeteer, which is a development dependency only.
 */
import { existsSync, writeFileSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { type DemoChild, startChild } from './processes.ts';

/**
 * CHROMIUM_PATH when set (it must exist), else Debian's real binary (its /usr/bin/chromium is a
 * wrapper script), else the usual other places.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.CHROMIUM_PATH) return existsSync(env.CHROMIUM_PATH) ? env.CHROMIUM_PATH : null;
  const candidates = [
    '/usr/lib/chromium/chromium',
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/snap/bin/chromium',
  ];
  for (const c of candidates) if (c && existsSync(c)) return c;
  return null;
}

export interface CandidateBrowserOptions {
  chromium: string;
  profile: string;
  extensionDir: string;
  headless: boolean;
  /** Host name -> 127.0.0.1:port. */
  hostMap: Record<string, string>;
  /** Trust certificates with this public key (the demo assessment site's) in this profile only. */
  spkiHash?: string;
  startUrl: string;
  logFile: string;
  env: NodeJS.ProcessEnv;
}

export interface CandidateBrowser {
  process: DemoChild;
  /** The candidate's tab goes to `url` (as if typed in the address bar). */
  navigate(url: string): Promise<void>;
  /** A PNG of the candidate's tab; resolves with the tab's address. */
  screenshot(file: string): Promise<string>;
  /**
   * Resolves once the candidate's tab has loaded its first page, with its address (or null), and a
   * note when the demo had to open that page again.
   */
  firstPage(timeoutMs: number): Promise<{ address: string | null; note?: string }>;
  /** Asks Chromium to close, then ends what is left. */
  stop(): Promise<void>;
}

export function chromiumArgs(o: Omit<CandidateBrowserOptions, 'chromium' | 'logFile' | 'env'>): string[] {
  const rules = Object.entries(o.hostMap).map(([host, target]) => `MAP ${host} ${target}`);
  return [
    `--user-data-dir=${o.profile}`,
    `--load-extension=${o.extensionDir}`,
    `--disable-extensions-except=${o.extensionDir}`,
    '--remote-debugging-pipe',
    '--no-first-run',
    '--no-default-browser-check',
    // A closed network in most demos: no background fetching, no component downloads, no sync.
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-features=Translate,MediaRouter,OptimizationHints',
    // A throwaway profile: never ask the desktop's keyring to unlock.
    '--password-store=basic',
    '--window-size=1280,800',
    ...(rules.length > 0 ? [`--host-resolver-rules=${rules.join(', ')}`] : []),
    ...(o.spkiHash ? [`--ignore-certificate-errors-spki-list=${o.spkiHash}`] : []),
    ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
    // Headless, nobody looks at the window: without these Chromium may count it as hidden, throttle
    // it, and draw no frames (a screenshot then waits for one).
    ...(o.headless
      ? [
          '--headless',
          '--disable-gpu',
          '--disable-backgrounding-occluded-windows',
          '--disable-renderer-backgrounding',
          '--disable-background-timer-throttling',
        ]
      : []),
    o.startUrl,
  ];
}

interface CdpMessage {
  id?: number;
  result?: Record<string, unknown>;
  error?: { message: string };
}

/** A DevTools connection over Chromium's pipe: NUL-terminated JSON messages. */
class CdpPipe {
  private nextId = 1;
  private buffer = '';
  private pending = new Map<number, { resolve: (m: CdpMessage) => void; reject: (e: Error) => void }>();

  constructor(
    private readonly out: Writable,
    input: Readable,
  ) {
    input.on('data', (d: Buffer) => {
      this.buffer += d.toString();
      for (let end = this.buffer.indexOf('\0'); end >= 0; end = this.buffer.indexOf('\0')) {
        const text = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 1);
        let message: CdpMessage;
        try {
          message = JSON.parse(text) as CdpMessage;
        } catch {
          continue;
        }
        const waiter = message.id === undefined ? undefined : this.pending.get(message.id);
        if (!waiter || message.id === undefined) continue;
        this.pending.delete(message.id);
        if (message.error) waiter.reject(new Error(message.error.message));
        else waiter.resolve(message);
      }
    });
    const closed = () => {
      for (const w of this.pending.values()) w.reject(new Error('the browser has closed'));
      this.pending.clear();
    };
    input.on('close', closed);
    input.on('error', closed);
    out.on('error', closed);
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string, timeoutMs = 15_000) {
    const id = this.nextId++;
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`the browser did not answer ${method}`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m.result ?? {});
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.out.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  }
}

export async function startCandidateBrowser(o: CandidateBrowserOptions): Promise<CandidateBrowser> {
  const proc = await startChild('Chromium', o.chromium, chromiumArgs(o), o.logFile, {
    env: o.env,
    extraStdio: ['pipe', 'pipe'],
    termLeaderOnly: true,
  });
  const toBrowser = proc.child.stdio[3] as Writable | null;
  const fromBrowser = proc.child.stdio[4] as Readable | null;
  if (!toBrowser || !fromBrowser) throw new Error('Chromium started without its DevTools pipe');
  const cdp = new CdpPipe(toBrowser, fromBrowser);

  /**
   * The candidate's tab: a web or extension page (not a browser-internal one), preferring one that
   * has left about:blank (a tab being navigated can show a blank document for a moment).
   */
  async function candidateTab(): Promise<{ targetId: string; url: string }> {
    const { targetInfos } = (await cdp.send('Target.getTargets')) as {
      targetInfos: { targetId: string; type: string; url: string }[];
    };
    const pages = targetInfos.filter((t) => t.type === 'page' && !t.url.startsWith('chrome://'));
    const page = pages.find((t) => t.url !== 'about:blank') ?? pages[0];
    if (page) return page;
    const created = (await cdp.send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
    return { targetId: created.targetId, url: 'about:blank' };
  }
  async function withTab<T>(fn: (sessionId: string, url: string) => Promise<T>): Promise<T> {
    const { targetId, url } = await candidateTab();
    // A tab that is not the active one draws no frames, and a screenshot of it waits for one forever.
    await cdp.send('Target.activateTarget', { targetId });
    const { sessionId } = (await cdp.send('Target.attachToTarget', { targetId, flatten: true })) as {
      sessionId: string;
    };
    try {
      return await fn(sessionId, url);
    } finally {
      await cdp.send('Target.detachFromTarget', { sessionId }).catch(() => undefined);
    }
  }
  let version = '';
  async function browserVersion(): Promise<string> {
    if (!version) {
      const v = (await cdp.send('Browser.getVersion', {}, undefined, 3000).catch(() => ({}))) as {
        product?: string;
      };
      version = v.product ?? 'Chromium (version unknown)';
    }
    return version;
  }

  /**
   * Runs `expression` (an async function's body) in the extension's service worker and returns its
   * value. The demo reads and captures the candidate's tab through the extension's own APIs and never
   * attaches to the page itself: on Chromium 156, under load, a DevTools session attached to a page
   * that had been open a while could leave it blank, and `Page.captureScreenshot` then waited for ever.
   */
  async function inWorker<T>(expression: string): Promise<T> {
    const { targetInfos } = (await cdp.send('Target.getTargets')) as {
      targetInfos: { targetId: string; type: string; url: string }[];
    };
    const worker = targetInfos.find(
      (t) =>
        t.type === 'service_worker' &&
        t.url.startsWith('chrome-extension://') &&
        t.url.includes('service-worker'),
    );
    if (!worker) throw new Error("the extension's worker is not running");
    const { sessionId } = (await cdp.send('Target.attachToTarget', {
      targetId: worker.targetId,
      flatten: true,
    })) as {
      sessionId: string;
    };
    try {
      // A worker that is still starting when a session attaches waits for that debugger to let it run,
      // for ever if nobody does: the extension would then never start. Always let it run.
      await cdp.send('Runtime.runIfWaitingForDebugger', {}, sessionId, 5000).catch(() => undefined);
      const answer = (await cdp.send(
        'Runtime.evaluate',
        { expression: `(async () => {${expression}})()`, awaitPromise: true, returnByValue: true },
        sessionId,
        10_000,
      )) as { result?: { value?: T }; exceptionDetails?: { exception?: { description?: string } } };
      if (answer.exceptionDetails)
        throw new Error(answer.exceptionDetails.exception?.description ?? 'it failed');
      return answer.result?.value as T;
    } finally {
      await cdp.send('Target.detachFromTarget', { sessionId }).catch(() => undefined);
    }
  }

  /**
   * The candidate's active tab has a page in it (a committed address), or is sent to `fallback` again.
   * Headless Chromium 156 under load sometimes leaves the very first page of a new browser unloaded:
   * the tab names the address but shows an empty document. Resolves with what was done.
   */
  async function repairBlankTab(fallback: string): Promise<'fine' | 'reloaded' | 'no-tab'> {
    return inWorker(`
      const [tab] = await chrome.tabs.query({ active: true, lastFocusedWindow: true });
      if (!tab || tab.id === undefined) return 'no-tab';
      if (tab.url) return 'fine';
      await chrome.tabs.update(tab.id, { url: tab.pendingUrl || ${JSON.stringify(fallback)} });
      return 'reloaded';
    `);
  }

  /** One attempt: `chrome.tabs.captureVisibleTab` copies what the candidate's window shows. */
  async function tryScreenshot(file: string): Promise<{ address: string; saved: boolean; problem?: string }> {
    const v = await inWorker<{ address?: string; image?: string; problem?: string }>(`
      const [tab] = await chrome.tabs.query({ active: true, lastFocusedWindow: true });
      if (!tab) return { problem: 'no window is open' };
      const address = tab.url || tab.pendingUrl || '';
      if (!tab.url) return { address, problem: 'the tab has no page in it yet' };
      try {
        return { address, image: await chrome.tabs.captureVisibleTab(tab.windowId, { format: 'png' }) };
      } catch (e) {
        return { address, problem: String((e && e.message) || e) };
      }
    `);
    const png = v?.image?.startsWith('data:image/png;base64,') ? v.image.slice(22) : '';
    if (!png)
      return { address: v?.address ?? '', saved: false, problem: v?.problem ?? 'no picture came back' };
    writeFileSync(file, Buffer.from(png, 'base64'));
    return { address: v?.address ?? '', saved: true };
  }

  async function activeAddress(): Promise<string | null> {
    return inWorker<string | null>(`
      const [tab] = await chrome.tabs.query({ active: true, lastFocusedWindow: true });
      return (tab && tab.url) || null;
    `).catch(() => null);
  }

  /** Waits until the active tab has a committed page (true), or gives up (false). */
  async function waitForPage(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    do {
      const state = await inWorker<string>(`
        const [tab] = await chrome.tabs.query({ active: true, lastFocusedWindow: true });
        return tab && tab.url && tab.status === 'complete' ? 'loaded' : 'waiting';
      `).catch(() => 'waiting');
      if (state === 'loaded') return true;
      await new Promise((r) => setTimeout(r, 200));
    } while (Date.now() < deadline && proc.running());
    return false;
  }

  return {
    process: proc,
    navigate: (url) =>
      withTab(async (s) => {
        await cdp.send('Page.navigate', { url }, s);
      }),
    async screenshot(file) {
      let last: { address: string; saved: boolean; problem?: string } = { address: '', saved: false };
      for (let attempt = 0; attempt < 3; attempt++) {
        last = await tryScreenshot(file).catch((e: Error) => ({
          address: '',
          saved: false,
          problem: e.message,
        }));
        if (last.saved) return last.address;
        if ((await repairBlankTab(o.startUrl).catch(() => 'fine')) === 'reloaded') await waitForPage(10_000);
        else await new Promise((r) => setTimeout(r, 1000));
      }
      throw new Error(
        `no picture of the candidate's screen (${last.address || 'address unknown'}): ${await browserVersion()} ` +
          `said "${last.problem ?? 'nothing'}" three times; try again in a moment`,
      );
    },
    async firstPage(timeoutMs) {
      const half = Date.now() + timeoutMs / 2;
      // The worker appears a moment after the browser: until then there is nothing to ask.
      while (Date.now() < half && proc.running() && !(await waitForPage(1000))) {}
      if (await waitForPage(0)) return { address: await activeAddress() };
      const repaired = await repairBlankTab(o.startUrl).catch(() => 'no-tab');
      const loaded = await waitForPage(timeoutMs / 2);
      return {
        address: loaded ? await activeAddress() : null,
        ...(repaired === 'reloaded'
          ? { note: `${await browserVersion()} left the first page unloaded; the demo opened it again` }
          : {}),
      };
    },
    async stop() {
      if (proc.running()) await cdp.send('Browser.close', {}, undefined, 3000).catch(() => undefined);
      await proc.stop(5000);
    },
  };
}
