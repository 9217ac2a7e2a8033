/**
 * Who can open the agent's socket. By default only its own user (and root); with
 * `--socket-access group` (how the installed service runs: root, with the seat account's group)
 * also that group, so that the browser's native host, running as the seat account, can connect.
 * Checked with a real second account (nobody/nogroup), not by reading mode bits alone.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { INVIGIL, startAgentProcess } from '../../helpers/agent-cli.ts';

const NOBODY = 65534;
const NOGROUP = 65534;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function workspace() {
  // Running as another account needs root, as the installed service has.
  if (process.getuid?.() !== 0)
    throw new Error('these tests start processes as another account: run them as root');
  // The seat account must be able to reach the socket's folder, as it can reach /run/invigil.
  const dir = mkdtempSync(join(tmpdir(), 'invigil-access-'));
  chmodSync(dir, 0o755);
  dirs.push(dir);
  return {
    socket: join(dir, 'run', 'agent.sock'),
    dataDir: join(dir, 'data'),
    configFile: join(dir, 'seat.json'),
  };
}

/** Runs a one-line connection attempt as the seat account; returns what it printed. */
function connectAs(uid: number, gid: number, socket: string): string {
  const script = `require('node:net').createConnection(${JSON.stringify(socket)}).on('connect', () => { console.log('connected'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(0); });`;
  const r = spawnSync(process.execPath, ['-e', script], { uid, gid, encoding: 'utf8', timeout: 10_000 });
  return r.stdout.trim();
}

test('by default another account cannot open the socket', async () => {
  const ws = workspace();
  const agent = await startAgentProcess(ws);
  try {
    expect(statSync(ws.socket).mode & 0o777).toBe(0o600);
    expect(statSync(join(ws.socket, '..')).mode & 0o777).toBe(0o700);
    expect(connectAs(NOBODY, NOGROUP, ws.socket)).toBe('EACCES');
  } finally {
    await agent.stop();
  }
});

test("with --socket-access group, the agent's group can open it and other accounts still cannot", async () => {
  const ws = workspace();
  const { spawn } = await import('node:child_process');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(ws.configFile, JSON.stringify({ socketPath: ws.socket, dataDir: ws.dataDir }));
  // As the installed service runs it: root, with the seat account's group.
  const child = spawn(
    process.execPath,
    [INVIGIL, 'agent', '--config', ws.configFile, '--socket-access', 'group'],
    {
      gid: NOGROUP,
      stdio: 'ignore',
    },
  );
  try {
    const deadline = Date.now() + 30_000;
    while (connectAs(0, 0, ws.socket) !== 'connected') {
      if (Date.now() > deadline) throw new Error('the agent did not open its socket');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(statSync(ws.socket).mode & 0o777).toBe(0o660);
    expect(statSync(ws.socket).gid).toBe(NOGROUP);
    expect(statSync(join(ws.socket, '..')).mode & 0o777).toBe(0o750);
    // The seat account (in the group) connects; an account outside it does not.
    expect(connectAs(NOBODY, NOGROUP, ws.socket)).toBe('connected');
    expect(connectAs(NOBODY, NOBODY - 1, ws.socket)).toBe('EACCES');
  } finally {
    child.kill('SIGTERM');
  }
});

test('a bad --socket-access is refused in one line', () => {
  const r = spawnSync(
    process.execPath,
    [INVIGIL, 'agent', '--config', '/nonexistent.json', '--socket-access', 'world'],
    {
      encoding: 'utf8',
    },
  );
  expect(r.status).toBe(2);
  expect(r.stderr.trim()).toBe('invigil agent: --socket-access must be user or group (got "world")');
});
