/**
 * The candidate's browser as Firefox ESR (`invigil demo --browser firefox`): a throwaway profile with
 * the few preferences a demo needs, the Firefox build of the extension, and a WebDriver BiDi session
 * (the W3C protocol Firefox speaks; puppeteer-core is its client) for what a headless browser cannot be
 * asked by hand: install the extension, go to an address, show what is on screen.
 *
 * - Unpacked extension: BiDi `webExtension.install` of dist/extension-firefox, as a temporary add-on.
 *   It needs no packaging step and no signature, and goes when the profile goes; a profile
 *   `extensions/` drop would need an .xpi named by its id plus `xpinstall.signatures.required` false
 *   and `extensions.autoDisableScopes` 0. Real seats force-install the signed .xpi by policy.
 * - Host names: Firefox has no --host-resolver-rules. Its proxy preferences send https to a small
 *   CONNECT proxy the demo runs, which tunnels the awarding body's names to the demo's assessment page
 *   and refuses every other address (the demo needs no other).
 * - The page's self-signed certificate: the BiDi session is opened with `acceptInsecureCerts`, which
 *   Firefox honours for this browser while the session lasts; nothing is added to any certificate store.
 * - The native host: Firefox reads native-messaging manifests only from fixed folders, so the demo's
 *   Firefox (and the `invigil install-host --browser firefox --user` that puts the manifest there)
 *   runs with HOME set to a folder inside the throwaway folder: ~/.mozilla/native-messaging-hosts.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import type { CandidateBrowser } from './browser.ts';
import { startChild } from './processes.ts';

/** FIREFOX_PATH when set (it must exist), else Debian's firefox-esr, else firefox. */
export function findFirefox(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.FIREFOX_PATH) return existsSync(env.FIREFOX_PATH) ? env.FIREFOX_PATH : null;
  for (const c of ['/usr/bin/firefox-esr', '/usr/bin/firefox', '/usr/lib/firefox-esr/firefox-esr'])
    if (existsSync(c)) return c;
  return null;
}

export interface FirefoxOptions {
  firefox: string;
  profile: string;
  /** HOME for Firefox: its ~/.mozilla/native-messaging-hosts holds the demo's native host. */
  home: string;
  extensionDir: string;
  headless: boolean;
  /** Host name -> 127.0.0.1:port. */
  hostMap: Record<string, string>;
  startUrl: string;
  logFile: string;
  env: NodeJS.ProcessEnv;
}

/** The command line the demo starts Firefox with (the launch audit reads the same list). */
export function firefoxArgs(o: { profile: string; headless: boolean }): string[] {
  return [
    '--profile',
    o.profile,
    '--no-remote',
    // WebDriver BiDi on a free port on 127.0.0.1; Firefox prints its address.
    '--remote-debugging-port',
    '0',
    ...(o.headless ? ['--headless'] : []),
    'about:blank',
  ];
}

/** The preferences of the demo's throwaway profile (user.js). */
export function firefoxPrefs(proxyPort: number | null): Record<string, string | number | boolean> {
  return {
    // Firefox ESR honours this (release builds do not): the unsigned build may be installed.
    'xpinstall.signatures.required': false,
    'browser.shell.checkDefaultBrowser': false,
    'browser.startup.homepage_override.mstone': 'ignore',
    'browser.startup.page': 0,
    'browser.aboutwelcome.enabled': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'toolkit.telemetry.reportingpolicy.firstRun': false,
    'browser.tabs.warnOnClose': false,
    'app.update.auto': false,
    // A closed network: no background fetching.
    'browser.safebrowsing.update.enabled': false,
    'extensions.update.enabled': false,
    'network.captive-portal-service.enabled': false,
    'network.connectivity-service.enabled': false,
    ...(proxyPort === null
      ? {}
      : {
          'network.proxy.type': 1,
          'network.proxy.ssl': '127.0.0.1',
          'network.proxy.ssl_port': proxyPort,
          'network.proxy.http': '127.0.0.1',
          'network.proxy.http_port': proxyPort,
        }),
  };
}

export function userJs(prefs: Record<string, string | number | boolean>): string {
  return Object.entries(prefs)
    .map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});\n`)
    .join('');
}

/**
 * A CONNECT proxy that tunnels the mapped host names (on port 443) to their local targets, and
 * answers everything else 403.
 */
export async function startHostMapProxy(
  hostMap: Record<string, string>,
): Promise<{ port: number; close(): void }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    let head = '';
    const onData = (d: Buffer) => {
      head += d.toString('latin1');
      if (head.length > 8192) return client.destroy();
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      client.off('data', onData);
      const m = /^CONNECT ([^\s:]+):(\d+) HTTP\/1\.[01]\r\n/i.exec(head);
      const target = m && m[2] === '443' ? hostMap[(m[1] ?? '').toLowerCase()] : undefined;
      if (!target) {
        client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        return;
      }
      const [host, port] = target.split(':');
      const upstream = netConnect(Number(port), host ?? '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        const rest = Buffer.from(head.slice(end + 4), 'latin1');
        if (rest.length > 0) upstream.write(rest);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      sockets.add(upstream);
      upstream.on('close', () => {
        sockets.delete(upstream);
        client.destroy();
      });
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
    };
    client.on('data', onData);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** Waits for Firefox to print its WebDriver BiDi address in its log. */
async function bidiAddress(logFile: string, running: () => boolean, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && running()) {
    const text = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
    const m = /WebDriver BiDi listening on (ws:\/\/\S+)/.exec(text);
    if (m?.[1]) return m[1];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    running()
      ? `Firefox did not open WebDriver BiDi within ${timeoutMs / 1000} s; see ${logFile}`
      : `Firefox stopped at start; see ${logFile}`,
  );
}

export async function startFirefoxBrowser(o: FirefoxOptions): Promise<CandidateBrowser> {
  const proxy = Object.keys(o.hostMap).length > 0 ? await startHostMapProxy(o.hostMap) : null;
  writeFileSync(join(o.profile, 'user.js'), userJs(firefoxPrefs(proxy?.port ?? null)));
  const proc = await startChild('Firefox', o.firefox, firefoxArgs(o), o.logFile, {
    env: { ...o.env, HOME: o.home, MOZ_CRASHREPORTER_DISABLE: '1' },
  });
  let browser: Browser | null = null;
  try {
    const address = await bidiAddress(o.logFile, () => proc.running(), 60_000);
    // Loaded here, not at the top: the Chromium demo never needs it.
    const { default: puppeteer } = await import('puppeteer-core');
    browser = await puppeteer.connect({
      browserWSEndpoint: `${address}/session`,
      protocol: 'webDriverBiDi',
      acceptInsecureCerts: true,
      defaultViewport: null,
    });
    await browser.installExtension(o.extensionDir);
  } catch (error) {
    await browser?.disconnect().catch(() => undefined);
    await proc.stop(3000);
    proxy?.close();
    throw new Error(`Firefox: ${(error as Error).message}`);
  }
  const b = browser;
  let version = '';
  const browserVersion = async () => {
    if (!version) version = await b.version().catch(() => 'Firefox (version unknown)');
    return version;
  };
  /** What the tab shows, read from the page (puppeteer's page.url() lags an extension's redirect). */
  async function shownAddress(page: Page): Promise<string> {
    const href = await page.evaluate('location.href').catch(() => null);
    return typeof href === 'string' && href ? href : page.url();
  }
  async function candidatePage(): Promise<Page> {
    const pages = await b.pages();
    const page = pages.find((p) => p.url() !== 'about:blank') ?? pages[0];
    return page ?? (await b.newPage());
  }
  const go = async (url: string) => {
    const page = await candidatePage();
    // A blocked address ends on the extension's blocked page: a navigation error here is expected.
    await page.goto(url, { timeout: 15_000, waitUntil: 'load' }).catch(() => undefined);
  };
  // The first page, now that the extension is in.
  void go(o.startUrl);

  return {
    process: proc,
    navigate: go,
    async screenshot(file) {
      let problem = '';
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          const page = await candidatePage();
          const png = await page.screenshot({ type: 'png' });
          writeFileSync(file, png);
          return await shownAddress(page);
        } catch (e) {
          problem = (e as Error).message;
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
      throw new Error(
        `no picture of the candidate's screen: ${await browserVersion()} said "${problem}" three times; try again in a moment`,
      );
    },
    async firstPage(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline && proc.running()) {
        const page = await candidatePage().catch(() => null);
        const url = page ? await shownAddress(page) : 'about:blank';
        if (page && url !== 'about:blank') {
          const ready = await page.evaluate('document.readyState').catch(() => '');
          if (ready === 'complete') return { address: url };
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      return { address: null };
    },
    async stop() {
      if (proc.running()) await b.close().catch(() => undefined);
      await proc.stop(5000);
      proxy?.close();
    },
  };
}
