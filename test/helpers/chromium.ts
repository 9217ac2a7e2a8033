/**
 * Real Chromium (Debian's package) with the built extension, driven by puppeteer-core.
 * Every launch gets a fresh profile unless one is passed in.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer, { type Browser, type Page, type WebWorker } from 'puppeteer-core';
import { EXTENSION_ID } from '../../shared/constants.ts';
import { BROWSER_USERS_DIR, waitForMachinePolicyFree } from './machine-policy.ts';

export const EXTENSION_DIR = resolve(import.meta.dirname, '../../dist/extension');

/** The real Chromium binary (not Debian's /usr/bin/chromium wrapper script). */
export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/lib/chromium/chromium', '/usr/bin/chromium'];
  for (const c of candidates) if (c && existsSync(c)) return c;
  throw new Error('Chromium is not installed: run `apt-get install -y chromium` (as root).');
}

/** Flags that keep Chromium quiet on a closed network and fast to start (see docs/testing notes). */
export const BASE_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--no-default-browser-check',
  // HttpsUpgrades would retry the plain-http test server over https first.
  '--disable-features=Translate,OptimizationHints,MediaRouter,HttpsUpgrades',
];

export interface LaunchOptions {
  /** Map these host names to the local test server (host:port). */
  hostMap?: Record<string, string>;
  userDataDir?: string;
  /** Keep the profile after close (to restart the browser on it). */
  keepProfile?: boolean;
  extraArgs?: string[];
  headless?: boolean;
  env?: Record<string, string>;
  /** Set by tests that installed machine policy themselves (they hold the lock). */
  allowMachinePolicy?: boolean;
  /**
   * Start with extensions enabled but without the unpacked test build: for a test in which machine
   * policy force-installs the extension (a packaged CRX), as on a real seat.
   */
  withoutTestBuild?: boolean;
  /** Let the browser fetch in the background: its extension updater needs it to force-install. */
  backgroundNetworking?: boolean;
  /** More unpacked extensions to load beside Invigil's (other extensions a seat might have). */
  extraExtensions?: string[];
}

export interface LaunchedBrowser {
  browser: Browser;
  userDataDir: string;
  /** The extension's service worker, once its module has evaluated. */
  worker(): Promise<WebWorker>;
  close(): Promise<void>;
}

/** Browsers this process has running (registered in BROWSER_USERS_DIR). */
let runningHere = 0;

/**
 * Registers a running browser, so that a test about to write machine policy waits for it to close
 * (policy written under a running browser changes it mid-test: an `ExtensionSettings` block unloads
 * the extension under test). Returns the unregister function.
 */
export function registerBrowser(): () => void {
  mkdirSync(BROWSER_USERS_DIR, { recursive: true });
  const file = join(BROWSER_USERS_DIR, `${process.pid}-${randomUUID()}`);
  writeFileSync(file, String(process.pid));
  runningHere++;
  let done = false;
  return () => {
    if (done) return;
    done = true;
    runningHere--;
    rmSync(file, { force: true });
  };
}

export async function launchWithExtension(options: LaunchOptions = {}): Promise<LaunchedBrowser> {
  if (!options.withoutTestBuild && !existsSync(join(EXTENSION_DIR, 'manifest.json'))) {
    throw new Error(`The extension is not built (${EXTENSION_DIR}): run \`npm run build\` first.`);
  }
  // Another test's machine policy would change this browser's behaviour: wait for it to be removed.
  // (Not when this process already runs a browser: the policy writer is waiting for that one to close.)
  if (!options.allowMachinePolicy && runningHere === 0) await waitForMachinePolicyFree();
  const unregister = registerBrowser();
  const userDataDir = options.userDataDir ?? mkdtempSync(join(tmpdir(), 'invigil-profile-'));
  const rules = Object.entries(options.hostMap ?? {}).map(([host, target]) => `MAP ${host} ${target}`);
  const base = options.backgroundNetworking
    ? BASE_ARGS.filter((a) => a !== '--disable-background-networking')
    : BASE_ARGS;
  const args = [...base, ...(options.extraArgs ?? [])];
  if (rules.length > 0) args.push(`--host-resolver-rules=${rules.join(', ')}`);
  const browser = await puppeteer
    .launch({
      executablePath: chromiumPath(),
      headless: options.headless ?? true,
      pipe: true,
      enableExtensions: options.withoutTestBuild
        ? (options.extraExtensions ?? true)
        : [EXTENSION_DIR, ...(options.extraExtensions ?? [])],
      // puppeteer adds this flag itself; the option above removes it from ours only.
      ...(options.backgroundNetworking ? { ignoreDefaultArgs: ['--disable-background-networking'] } : {}),
      userDataDir,
      args,
      env: { ...process.env, ...(options.env ?? {}) } as Record<string, string>,
    })
    .catch((e: unknown) => {
      unregister();
      throw e;
    });
  return {
    browser,
    userDataDir,
    worker: () => extensionWorker(browser),
    async close() {
      await browser.close().catch(() => undefined);
      unregister();
      if (!options.keepProfile && !options.userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Waits for the extension's service worker and for its module to have finished evaluating. */
export async function extensionWorker(
  browser: Browser,
  timeout = 15_000,
  extensionId = EXTENSION_ID,
): Promise<WebWorker> {
  const target = await browser.waitForTarget(
    (t) => t.type() === 'service_worker' && t.url().startsWith(`chrome-extension://${extensionId}/`),
    { timeout },
  );
  const worker = await target.worker();
  if (!worker) throw new Error('the extension service worker target has no worker');
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const ready = await worker
      .evaluate(() => (globalThis as unknown as { invigilReady?: boolean }).invigilReady === true)
      .catch(() => false);
    if (ready) return worker;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the extension service worker did not finish starting');
}

export const extensionUrl = (path: string) => `chrome-extension://${EXTENSION_ID}${path}`;

/**
 * The invigilator's browser: plain Chromium without the extension (which would keep it off the
 * console's address), one page at a desktop size, for the dashboard. Without puppeteer's
 * --disable-extensions: in the demo and the seat journey it runs beside a seat's agent, whose launch
 * audit counts that flag on any Chromium as a candidate's way round the extension.
 */
export async function launchDashboardBrowser(
  viewport = { width: 1440, height: 900 },
): Promise<{ browser: Browser; page: Page }> {
  await waitForMachinePolicyFree();
  const browser = await puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    pipe: true,
    ignoreDefaultArgs: ['--disable-extensions'],
    args: [...BASE_ARGS, `--window-size=${viewport.width},${viewport.height}`],
  });
  const page = await browser.newPage();
  await page.setViewport(viewport);
  return { browser, page };
}
