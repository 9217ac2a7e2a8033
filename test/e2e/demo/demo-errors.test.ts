/**
 * `invigil demo` when it cannot start: one line saying why and what to do, exit code 2, and nothing
 * made or left running (it checks before it starts anything).
 */
import { readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { assertBuilt, runInvigil } from '../../helpers/agent-cli.ts';

let busy: Server;
let busyPort = 0;
beforeAll(async () => {
  assertBuilt();
  busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
  busyPort = (busy.address() as { port: number }).port;
});
afterAll(() => {
  busy?.close();
});

const demoFolders = () => new Set(readdirSync(tmpdir()).filter((n) => n.startsWith('invigil-demo-')));

function expectOneLineRefusal(r: { status: number | null; stdout: string; stderr: string }, says: RegExp) {
  expect(r.status).toBe(2);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/^invigil demo: /);
  expect(r.stderr).toMatch(says);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

test('a console port already in use is one line naming the port and the way out; nothing is made', () => {
  const before = demoFolders();
  const r = runInvigil(['demo', '--headless', '--port', String(busyPort)]);
  expectOneLineRefusal(r, new RegExp(`port ${busyPort} is already in use.*--port`));
  expect([...demoFolders()].filter((n) => !before.has(n))).toEqual([]);
});

test('a missing Chromium is one line naming what is missing', () => {
  const r = runInvigil(['demo', '--headless', '--port', '0'], { CHROMIUM_PATH: '/nonexistent/chromium' });
  expectOneLineRefusal(r, /CHROMIUM_PATH is \/nonexistent\/chromium, which does not exist/);
});

test('with --browser firefox, a missing Firefox is one line naming what is missing; nothing is made', () => {
  const before = demoFolders();
  const r = runInvigil(['demo', '--browser', 'firefox', '--headless', '--port', '0'], {
    FIREFOX_PATH: '/nonexistent/firefox',
  });
  expectOneLineRefusal(r, /FIREFOX_PATH is \/nonexistent\/firefox, which does not exist/);
  expect([...demoFolders()].filter((n) => !before.has(n))).toEqual([]);
});

test('bad flags are refused with the flag named', () => {
  expectOneLineRefusal(runInvigil(['demo', '--port', 'seventy']), /--port must be a whole number/);
  expectOneLineRefusal(
    runInvigil(['demo', '--browser', 'safari']),
    /^invigil demo: --browser must be chromium or firefox \(got "safari"\)\n?$/,
  );
  const unknown = runInvigil(['demo', '--window']);
  expect(unknown.status).toBe(2);
  expect(unknown.stderr).toMatch(/--window/);
});

test('--help says what it runs, the keys, and how to stop it', () => {
  const r = runInvigil(['demo', '--help']);
  expect(r.status).toBe(0);
  for (const s of [
    'Usage: invigil demo [--browser chromium|firefox] [--headless] [--port N] [--keep]',
    '--browser NAME',
    'simulated',
    'Ctrl-C',
    'npm start',
  ])
    expect(r.stdout).toContain(s);
});
