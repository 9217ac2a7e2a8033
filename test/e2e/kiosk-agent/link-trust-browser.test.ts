/**
 * The seat link with the real browser: Chromium with the built extension starts the installed host
 * (`invigil install-host` into its profile), which connects to a real agent run as the service runs
 * it (root, seat group `nogroup`) and enrolled to a real console.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { agentStatus, assertBuilt, runInvigil, waitFor } from '../../helpers/agent-cli.ts';
import {
  asCandidate,
  FORGER,
  MACHINE_RELAXATIONS,
  type SeatRig,
  startSeatRig,
  TEST_RIG_BROWSER_FLAGS,
} from '../../helpers/agent-seat.ts';
import { chromiumPath, type LaunchedBrowser, launchWithExtension } from '../../helpers/chromium.ts';
import { startXDisplay, type XDisplay } from '../../helpers/x-displays.ts';

let x: XDisplay;
let rig: SeatRig;
let browser: LaunchedBrowser;
let profile: string;
let marker: string;
let profileParent: string | undefined;
/** A folder for the browser profile, made before the rig (its config names the profile). */
function rig0Dir(): string {
  profileParent ??= mkdtempSync(join(tmpdir(), 'invigil-seat-profile-'));
  chmodSync(profileParent, 0o755);
  return profileParent;
}

/** Processes running `invigil native-host` for this rig's socket. */
function hostPids(): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const argv = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0');
      if (argv.includes('native-host') && argv.includes(rig.socket)) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
}

beforeAll(async () => {
  assertBuilt();
  x = await startXDisplay(94);
  profile = join(rig0Dir(), 'profile');
  rig = await startSeatRig(
    {
      browser: { userDataDir: profile, allowFlags: [...TEST_RIG_BROWSER_FLAGS] },
      // The extension is loaded unpacked here; real seats force-install it by policy.
      severity: { ...MACHINE_RELAXATIONS, 'extension-not-managed': 'info' },
    },
    { DISPLAY: x.display },
  );
  const installed = runInvigil([
    'install-host',
    '--browser',
    'chromium',
    '--user-data-dir',
    profile,
    '--socket',
    rig.socket,
  ]);
  expect(installed.status, installed.stderr).toBe(0);
  // Code that NODE_OPTIONS would load into any Node program the browser starts.
  marker = join(rig.dir, 'injected');
  const evil = join(rig.dir, 'evil.cjs');
  writeFileSync(evil, `require('node:fs').writeFileSync(${JSON.stringify(marker)}, String(process.pid));\n`);
  browser = await launchWithExtension({ userDataDir: profile, env: { NODE_OPTIONS: `--require ${evil}` } });
  await browser.worker();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await rig?.stop();
  await x?.stop();
  if (profileParent) rmSync(profileParent, { recursive: true, force: true });
});

/**
 * The launch-flag findings that name this process. The agent audits every Chromium on the machine, so
 * other test files' browsers (puppeteer starts them with --disable-extensions) may be named too.
 */
function launchFlagsNaming(st: Awaited<ReturnType<typeof agentStatus>>, pid: string): string[] {
  return st.findings
    .filter(
      (f) =>
        f.code === 'browser-launch-flag' &&
        String(f.details?.pids ?? '')
          .split(',')
          .includes(pid),
    )
    .map((f) => f.subject ?? '');
}

test('NODE_OPTIONS in the environment the browser passes on loads nothing into the host', async () => {
  const [pid] = await waitFor('the browser to start the native host', () => {
    const pids = hostPids();
    return pids.length > 0 ? pids : undefined;
  });
  // Long enough for a --require'd module to have run: it runs before the host's first line.
  await new Promise((r) => setTimeout(r, 1500));
  expect(() => readFileSync(marker, 'utf8')).toThrow();
  const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  expect(environ.filter((v) => v.startsWith('NODE_OPTIONS='))).toEqual([]);
});

test("the installed host, started by the managed browser, is the extension's voice: linked, reporting, no refusal", async () => {
  const s = await waitFor('the extension to be linked and reporting', async () => {
    const st = await agentStatus(rig.socket);
    return st.extension.linked && st.extension.reportAgeSeconds !== null ? st : undefined;
  });
  expect(s.findings.filter((f) => f.code === 'extension-silent')).toEqual([]);
  // The managed browser itself was started as IT set it up.
  const pid = browser.browser.process()?.pid;
  expect(pid).toBeTypeOf('number');
  expect(launchFlagsNaming(s, String(pid))).toEqual([]);
  expect((await rig.incidents()).filter((i) => i.kind === 'connector-refused')).toEqual([]);
});

test('a second connector while the host is linked is refused, and is an incident on the console', async () => {
  const worker = await browser.worker();
  // The extension's worker opens a second native port: Chromium starts a second, genuine host.
  await worker.evaluate(() => {
    const port = chrome.runtime.connectNative('uk.invigil.agent');
    port.postMessage({
      type: 'link/hello',
      protocol: 1,
      extensionId: chrome.runtime.id,
      extensionVersion: '9.9.9',
    });
    (globalThis as unknown as { secondPort: chrome.runtime.Port }).secondPort = port;
  });
  const incident = await waitFor(
    'the second connector to reach the console as an incident',
    async () => (await rig.incidents()).find((i) => i.kind === 'connector-refused'),
    20_000,
  );
  expect(incident.description).toMatch(
    /^A second connector tried to speak for the browser and was refused: process \d+ \(/,
  );
  expect(incident.description).toContain(`started by process ${browser.browser.process()?.pid}`);
  // The first link is untouched.
  expect((await agentStatus(rig.socket)).extension.linked).toBe(true);
  await worker.evaluate(() =>
    (globalThis as unknown as { secondPort: chrome.runtime.Port }).secondPort.disconnect(),
  );
});

test('a Chromium the candidate starts with --disable-extensions is a blocking finding naming the flag', async () => {
  const home = mkdtempSync(join(tmpdir(), 'invigil-candidate-'));
  chmodSync(home, 0o777);
  const own = join(home, 'profile');
  const candidate = spawn(
    'setpriv',
    [
      '--reuid=nobody',
      '--regid=nogroup',
      '--clear-groups',
      chromiumPath(),
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-extensions',
      `--user-data-dir=${own}`,
      'about:blank',
    ],
    { stdio: 'ignore', env: { HOME: home, PATH: '/usr/bin:/bin' } },
  );
  const pid = String(candidate.pid);
  try {
    const s = await waitFor(
      'the agent to raise the launch flags',
      async () => {
        const st = await agentStatus(rig.socket);
        const flags = launchFlagsNaming(st, pid);
        return flags.includes('--disable-extensions') && flags.includes('--user-data-dir') ? st : undefined;
      },
      20_000,
    );
    expect(s.state).toBe('not-ready');
    const f = s.findings.find((x) => x.subject === '--disable-extensions');
    expect(f).toMatchObject({ severity: 'block' });
    expect(f?.message).toMatch(
      /^Chromium \(process \d+(, \d+)*\) was started with --disable-extensions, which turns the Invigil extension off\.$/,
    );
    expect(f?.message).toMatch(new RegExp(`[ (]${pid}[,)]`));
  } finally {
    candidate.kill('SIGKILL');
    await new Promise((r) => candidate.once('exit', r));
    rmSync(home, { recursive: true, force: true });
  }
  await waitFor(
    'the finding to clear once that browser has gone',
    async () => launchFlagsNaming(await agentStatus(rig.socket), pid).length === 0,
  );
});

test('a host frozen with SIGSTOP and replaced by a forger: the forger is refused, and the silent link is a finding', async () => {
  const [pid] = hostPids();
  expect(pid).toBeDefined();
  process.kill(pid as number, 'SIGSTOP');
  try {
    const file = join(rig.dir, 'forged.json');
    writeFileSync(
      file,
      JSON.stringify([
        { type: 'socket/hello', role: 'native-host', pid },
        {
          type: 'link/hello',
          protocol: 1,
          extensionId: 'lafjhoockmahiigmahjcfjehlcadimim',
          extensionVersion: '0.1.0',
        },
      ]),
      { mode: 0o644 },
    );
    const forger = asCandidate([FORGER, rig.socket, file]);
    await forger.next((m) => m.closed === true);
    await forger.stop();
    // The link is still open (the frozen host holds it) but says nothing: the seat's own heartbeat
    // (5 s, three missed) makes that silence a finding.
    const s = await waitFor(
      'the open but silent link to be a finding',
      async () => {
        const st = await agentStatus(rig.socket);
        return st.findings.find((f) => f.code === 'extension-silent') ? st : undefined;
      },
      30_000,
      250,
    );
    expect(s.extension.linked).toBe(true);
    expect(s.state).toBe('not-ready');
    expect(s.findings.find((f) => f.code === 'extension-silent')?.message).toMatch(
      /has not reported for over 15 s \(this seat expects a report every 5 s\), though its connection is open/,
    );
  } finally {
    process.kill(pid as number, 'SIGCONT');
  }
}, 60_000);
