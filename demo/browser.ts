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
  /** Resolves with the address once the candidate's tab has left the blank page it starts on (or null). */
  firstPage(timeoutMs: number): Promise<string | null>;
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

  /** The candidate's tab: the first web or extension page (not a browser-internal one). */
  async function candidateTab(): Promise<string> {
    const { targetInfos } = (await cdp.send('Target.getTargets')) as {
      targetInfos: { targetId: string; type: string; url: string }[];
    };
    const page = targetInfos.find((t) => t.type === 'page' && !t.url.startsWith('chrome://'));
    if (page) return page.targetId;
    const created = (await cdp.send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
    return created.targetId;
  }
  async function withTab<T>(fn: (sessionId: string) => Promise<T>): Promise<T> {
    const targetId = await candidateTab();
    // A tab that is not the active one draws no frames, and a screenshot of it waits for one forever.
    await cdp.send('Target.activateTarget', { targetId });
    const { sessionId } = (await cdp.send('Target.attachToTarget', { targetId, flatten: true })) as {
      sessionId: string;
    };
    try {
      return await fn(sessionId);
    } finally {
      await cdp.send('Target.detachFromTarget', { sessionId }).catch(() => undefined);
    }
  }

  return {
    process: proc,
    navigate: (url) =>
      withTab(async (s) => {
        await cdp.send('Page.navigate', { url }, s);
      }),
    screenshot: (file) =>
      withTab(async (s) => {
        // Have the page draw a frame first: a headless page with nothing changing may have none for
        // the screenshot to copy, and the screenshot then waits for ever.
        const drawn = (await cdp.send(
          'Runtime.evaluate',
          {
            expression:
              'Promise.race([new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true)))), new Promise((r) => setTimeout(r, 2000))]).then(() => location.href)',
            awaitPromise: true,
            returnByValue: true,
          },
          s,
        )) as { result?: { value?: string } };
        const { data } = (await cdp.send('Page.captureScreenshot', { format: 'png' }, s)) as { data: string };
        writeFileSync(file, Buffer.from(data, 'base64'));
        return drawn.result?.value ?? '';
      }),
    async firstPage(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline && proc.running()) {
        const { targetInfos } = (await cdp.send('Target.getTargets').catch(() => ({ targetInfos: [] }))) as {
          targetInfos: { type: string; url: string }[];
        };
        const page = targetInfos.find((t) => t.type === 'page' && t.url && t.url !== 'about:blank');
        if (page) return page.url;
        await new Promise((r) => setTimeout(r, 100));
      }
      return null;
    },
    async stop() {
      if (proc.running()) await cdp.send('Browser.close', {}, undefined, 3000).catch(() => undefined);
      await proc.stop(5000);
    },
  };
}
