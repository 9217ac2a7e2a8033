/**
 * A deployed seat, as the attacks in issue 9 found it: a real console (its own process), a real
 * `invigil agent` enrolled to it and run as the installed service runs it (root, with the seat
 * account's group, `--socket-access group`), and the candidate as a second OS account in that group
 * (`nobody`, group `nogroup`, through setpriv) running programs of its own against the agent's socket.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { socketAnswers } from '../../kiosk-agent/seat/local-server.ts';
import { INVIGIL, runInvigil, waitFor } from './agent-cli.ts';
import { type ReadyConsole, startReadyConsole } from './console-process.ts';

export const NOBODY = 65534;
export const NOGROUP = 65534;
/**
 * The candidate's forging program (plain JavaScript: it runs as `nobody` without the test runner).
 * A copy in a folder of its own that `nobody` can read: the checkout may sit in a folder only root
 * can enter (a clone into `mktemp -d` does), and the candidate's program must not fail for that.
 */
export const FORGER = (() => {
  // Relative to the repository (this file is also bundled into benchmarks, from bench/agent/).
  const source = resolve(import.meta.dirname, '../../test/helpers/agent-forger.mjs');
  const dir = mkdtempSync(join(tmpdir(), 'invigil-forger-'));
  chmodSync(dir, 0o755);
  const copy = join(dir, 'agent-forger.mjs');
  writeFileSync(copy, readFileSync(source), { mode: 0o644 });
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return copy;
})();

export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'these tests run the agent as root and the candidate as another account: run them as root',
    );
  }
}

export interface SeatRig {
  dir: string;
  socket: string;
  dataDir: string;
  configFile: string;
  console: ReadyConsole;
  seatId: string;
  agent: ChildProcess;
  logs(): string;
  /** The incidents the console recorded for this seat (newest first). */
  incidents(): Promise<{ kind: string; description: string; at: string }[]>;
  stop(): Promise<void>;
}

/** Findings this machine raises that are not what the attack tests are about (a VM without browser policy). */
export const MACHINE_RELAXATIONS = {
  'virtual-machine': 'info',
  'browser-policy': 'info',
  'native-host-missing': 'info',
  'other-browser': 'info',
} as const;

/**
 * The flags puppeteer starts the tests' Chromium with that the launch audit refuses: a test rig drives
 * its browser itself, as the demo does, and its seat config says so (`browser.allowFlags`).
 */
export const TEST_RIG_BROWSER_FLAGS = [
  '--remote-debugging-pipe',
  '--enable-unsafe-extension-debugging',
  '--headless',
  '--host-resolver-rules',
] as const;

/**
 * Console, enrolment, then the agent as root with group `nogroup`, in a workspace the candidate can
 * reach (as it can reach /run/invigil). `config` is merged into the enrolled config.
 */
export async function startSeatRig(
  config: Record<string, unknown> = {},
  env: Record<string, string> = {},
): Promise<SeatRig> {
  requireRoot();
  const dir = mkdtempSync(join(tmpdir(), 'invigil-seat-'));
  chmodSync(dir, 0o755);
  const socket = join(dir, 'run', 'agent.sock');
  const dataDir = join(dir, 'data');
  const configFile = join(dir, 'seat.json');
  const consoleProc = await startReadyConsole();
  const base = { socketPath: socket, dataDir, severity: { ...MACHINE_RELAXATIONS }, ...config };
  writeFileSync(configFile, JSON.stringify(base, null, 2), { mode: 0o600 });
  const pcName = `SEAT-${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
  const enrolled = runInvigil([
    'enrol',
    '--console',
    consoleProc.proc.url,
    '--code',
    consoleProc.code,
    '--config',
    configFile,
    '--pc-name',
    pcName,
  ]);
  if (enrolled.status !== 0) {
    await consoleProc.stop();
    throw new Error(`invigil enrol failed: ${enrolled.stderr}`);
  }
  const seatId = (JSON.parse(readFileSync(configFile, 'utf8')) as { console: { seatId: string } }).console
    .seatId;
  const agent = spawn(
    process.execPath,
    [INVIGIL, 'agent', '--config', configFile, '--socket-access', 'group'],
    { gid: NOGROUP, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  let out = '';
  agent.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  agent.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<void>((r) => agent.once('exit', () => r()));
  try {
    await waitFor('the agent to open its socket', async () => {
      if (agent.exitCode !== null) throw new Error(`invigil agent exited (${agent.exitCode}): ${out}`);
      return socketAnswers(socket);
    });
  } catch (error) {
    agent.kill('SIGKILL');
    await consoleProc.stop();
    throw error;
  }
  return {
    dir,
    socket,
    dataDir,
    configFile,
    console: consoleProc,
    seatId,
    agent,
    logs: () => out,
    async incidents() {
      const r = await consoleProc.admin.get<{
        incidents: { kind: string; description: string; at: string; seatId?: string | null }[];
      }>('/api/incidents?limit=500');
      return r.body.incidents.filter((i) => i.seatId === undefined || i.seatId === seatId);
    },
    async stop() {
      if (agent.exitCode === null) agent.kill('SIGTERM');
      await exited;
      await consoleProc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface CandidateProcess {
  child: ChildProcess;
  pid: number;
  /** Lines it printed (the forger prints one JSON object per line). */
  lines(): string[];
  /** The first printed JSON object that matches. */
  next(match: (m: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** Runs `node ARGS...` as the candidate: `nobody`, in the seat group `nogroup`, nothing else. */
export function asCandidate(args: string[], env: Record<string, string> = {}): CandidateProcess {
  const child = spawn(
    'setpriv',
    ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: '/usr/bin:/bin', ...env } },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const lines = () => out.split('\n').filter(Boolean);
  const parsed = () =>
    lines().flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  return {
    child,
    pid: child.pid ?? 0,
    lines,
    next: (match, timeoutMs = 20_000) =>
      waitFor('the candidate program to print a matching line', () => parsed().find(match), timeoutMs).catch(
        (error: Error) => {
          throw new Error(`${error.message}; it printed: ${out.slice(-2000)}`);
        },
      ),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
