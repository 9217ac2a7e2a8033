/**
 * The seat link with the real browser: Chromium with the built extension starts the installed host
 * (`invigil install-host` into its profile), which connects to a real agent run as the service runs
 * it (root, seat group `nogroup`) and enrolled to a real console.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { assertBuilt, runInvigil, waitFor } from '../../helpers/agent-cli.ts';
import { type SeatRig, startSeatRig } from '../../helpers/agent-seat.ts';
import { type LaunchedBrowser, launchWithExtension } from '../../helpers/chromium.ts';
import { startXDisplay, type XDisplay } from '../../helpers/x-displays.ts';

let x: XDisplay;
let rig: SeatRig;
let browser: LaunchedBrowser;
let profile: string;
let marker: string;

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
  rig = await startSeatRig({}, { DISPLAY: x.display });
  profile = join(rig.dir, 'profile');
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
});

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
