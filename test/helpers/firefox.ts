/**
 * Real Firefox ESR (Debian's firefox-esr) driven by puppeteer-core over WebDriver BiDi, set up the way
 * IT sets up a seat: machine policy in /etc/firefox/policies/policies.json (where Debian's Firefox
 * reads it) force-installs the built .xpi from a local address, and the native-messaging manifest is
 * machine-wide in /usr/lib/mozilla/native-messaging-hosts. Both are machine-wide files: they are
 * written only while the machine-policy lock is held, and removed (with anything a dead test process
 * left behind) before it is released.
 *
 * Firefox has no --host-resolver-rules: real-looking host names reach the local test server through
 * Firefox's proxy preferences (every http request goes to the test server, which answers by Host).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { packageXpi } from '../../deploy/packaging/extension-package.ts';
import { holdMachinePolicyLock } from './machine-policy.ts';

export const FIREFOX_BUILD_DIR = resolve(import.meta.dirname, '../../dist/extension-firefox');
export const FIREFOX_POLICY_FILE = '/etc/firefox/policies/policies.json';
export const FIREFOX_HOST_MANIFEST = '/usr/lib/mozilla/native-messaging-hosts/uk.invigil.agent.json';
/** Who wrote the machine-wide Firefox files (a test process's pid), to clear them if it died. */
const OWNER_FILE = '/etc/firefox/policies/.invigil-test-owner';

/** Debian's firefox-esr; /usr/bin/firefox-esr links to the program the agent sees running. */
export function firefoxPath(): string {
  for (const p of [process.env.FIREFOX_PATH, '/usr/bin/firefox-esr']) if (p && existsSync(p)) return p;
  throw new Error('Firefox ESR is not installed: run `apt-get install -y firefox-esr` (as root).');
}

/** The built Firefox extension as an unsigned .xpi in a temporary folder. */
export function buildXpi(): { path: string; bytes: Buffer; remove(): void } {
  if (!existsSync(join(FIREFOX_BUILD_DIR, 'manifest.json'))) {
    throw new Error(`${FIREFOX_BUILD_DIR} is missing: run \`npm run build\` first.`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'invigil-xpi-'));
  const path = packageXpi(FIREFOX_BUILD_DIR, dir);
  return { path, bytes: readFileSync(path), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface FirefoxMachineFiles {
  /** Replace one of the files (Firefox reads policy at start-up: launch after). */
  update(path: string, text: string): void;
  /** Remove the files and release the lock. Safe to call twice. */
  remove(): void;
}

/**
 * Writes Firefox's machine policy (and any other machine-wide files the test names) under the lock.
 * `files` maps a path to its content; each is written whole and removed by `remove()`.
 */
export async function installFirefoxMachineFiles(
  files: Record<string, string>,
): Promise<FirefoxMachineFiles> {
  const lock = await holdMachinePolicyLock();
  // A test process that died with its files in place: they would change every later Firefox.
  if (existsSync(OWNER_FILE)) {
    const owner = Number(readFileSync(OWNER_FILE, 'utf8'));
    if (!alive(owner)) {
      rmSync(FIREFOX_POLICY_FILE, { force: true });
      rmSync(FIREFOX_HOST_MANIFEST, { force: true });
      rmSync(OWNER_FILE, { force: true });
    }
  }
  const written = Object.keys(files);
  const write = (path: string, text: string) => {
    mkdirSync(resolve(path, '..'), { recursive: true });
    // Write then rename, so Firefox never reads half a file.
    writeFileSync(`${path}.tmp`, text);
    renameSync(`${path}.tmp`, path);
  };
  try {
    mkdirSync('/etc/firefox/policies', { recursive: true });
    writeFileSync(OWNER_FILE, String(process.pid));
    for (const [path, text] of Object.entries(files)) write(path, text);
  } catch (error) {
    for (const p of written) rmSync(p, { force: true });
    lock.release();
    throw error;
  }
  let removed = false;
  return {
    update(path, text) {
      if (!written.includes(path)) throw new Error(`${path} is not one of this test's machine files`);
      write(path, text);
    },
    remove() {
      if (removed) return;
      removed = true;
      for (const p of written) rmSync(p, { force: true });
      rmSync(OWNER_FILE, { force: true });
      lock.release();
    },
  };
}

/** The test rig's preferences: host names to the local server, the unsigned .xpi, downloads to a folder. */
function rigPrefs(proxyPort: number, downloads: string): Record<string, string | number | boolean> {
  return {
    'xpinstall.signatures.required': false,
    'network.proxy.type': 1,
    'network.proxy.http': '127.0.0.1',
    'network.proxy.http_port': proxyPort,
    'network.proxy.allow_hijacking_localhost': true,
    'network.proxy.no_proxies_on': '',
    // Plain-http test server: no upgrade to https first.
    'dom.security.https_first': false,
    // Downloads, were any to happen, go here without asking.
    'browser.download.dir': downloads,
    'browser.download.folderList': 2,
    'browser.download.useDownloadDir': true,
    'browser.download.always_ask_before_handling_new_types': false,
  };
}

export interface LaunchedFirefox {
  browser: Browser;
  profile: string;
  downloads: string;
  close(): Promise<void>;
}

/**
 * Firefox ESR with a fresh profile. `proxyPort`: every http request goes to the local test server.
 * Unsigned add-ons install only because `xpinstall.signatures.required` is false (ESR honours it).
 */
export async function launchFirefox(o: {
  proxyPort: number;
  env?: Record<string, string>;
  /** How long to wait for Firefox's WebDriver BiDi server. */
  timeoutMs?: number;
}): Promise<LaunchedFirefox> {
  const profile = mkdtempSync(join(tmpdir(), 'invigil-firefox-'));
  const downloads = mkdtempSync(join(tmpdir(), 'invigil-firefox-downloads-'));
  const launching = puppeteer.launch({
    browser: 'firefox',
    executablePath: firefoxPath(),
    headless: true,
    userDataDir: profile,
    timeout: o.timeoutMs ?? 60_000,
    env: { ...process.env, ...o.env } as Record<string, string>,
    extraPrefsFirefox: rigPrefs(o.proxyPort, downloads),
  });
  let browser: Browser;
  try {
    browser = await launching;
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    rmSync(downloads, { recursive: true, force: true });
    throw error;
  }
  return {
    browser,
    profile,
    downloads,
    async close() {
      await browser.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
      rmSync(downloads, { recursive: true, force: true });
    },
  };
}

export interface WindowedFirefox {
  /** The firefox-esr process this test started (its process group holds Firefox's helpers). */
  pid: number;
  profile: string;
  /** What Firefox wrote to stdout and stderr so far (its console's messages too). */
  output(): string;
  close(): Promise<void>;
}

/**
 * Firefox ESR in a window on an X display, started the way a seat starts it: no WebDriver BiDi, no
 * Marionette, no remote agent at all, so the machine policy applies whole (DisableDeveloperTools
 * included, which leaves no remote client a way in). The only rig flag is `--profile` (a fresh
 * profile whose user.js holds the rig's preferences). Driven as a candidate would, with the keyboard
 * (xdotool) on that display.
 */
export function launchWindowedFirefox(o: {
  proxyPort: number;
  display: string;
  url: string;
}): WindowedFirefox {
  const profile = mkdtempSync(join(tmpdir(), 'invigil-firefox-'));
  const downloads = mkdtempSync(join(tmpdir(), 'invigil-firefox-downloads-'));
  const prefs: Record<string, string | number | boolean> = {
    ...rigPrefs(o.proxyPort, downloads),
    // A fresh profile's first-run pages and prompts (they are about: pages the extension would block).
    'browser.shell.checkDefaultBrowser': false,
    'browser.aboutwelcome.enabled': false,
    'browser.startup.homepage_override.mstone': 'ignore',
    'startup.homepage_welcome_url': '',
    'startup.homepage_welcome_url.additional': '',
    'datareporting.policy.dataSubmissionPolicyBypassNotification': true,
    'toolkit.telemetry.reportingpolicy.firstRun': false,
    'browser.sessionstore.resume_from_crash': false,
    'browser.tabs.warnOnClose': false,
    // Firefox's own messages (policy errors among them) on its standard output.
    'browser.dom.window.dump.enabled': true,
  };
  writeFileSync(
    join(profile, 'user.js'),
    Object.entries(prefs)
      .map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`)
      .join('\n'),
  );
  const child = spawn(firefoxPath(), ['--profile', profile, o.url], {
    env: withoutHeadless({ ...process.env, DISPLAY: o.display }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  // The start is what matters (policy errors come first): the first 200,000 characters are kept.
  const keep = (b: Buffer) => {
    if (output.length < 200_000) output = (output + b.toString()).slice(0, 200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${firefoxPath()} did not start`);
  return {
    pid,
    profile,
    output: () => output,
    async close() {
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // gone
      }
      rmSync(profile, { recursive: true, force: true });
      rmSync(downloads, { recursive: true, force: true });
    },
  };
}

/** The environment without MOZ_HEADLESS, which would keep Firefox off the display. */
function withoutHeadless(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { MOZ_HEADLESS: _headless, ...rest } = env;
  return rest;
}
