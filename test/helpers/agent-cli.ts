/**
 * Driving the built `invigil` command (dist/cli/invigil.js) as a user or a browser would: the seat
 * daemon as a real process on a per-test socket and data folder, the native host as a real process
 * speaking real native-messaging frames on its stdin and stdout.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { requestAgentStatus } from '../../kiosk-agent/native-host/agent-client.ts';
import type { AgentStatusReply } from '../../kiosk-agent/native-host/socket-protocol.ts';
import { socketAnswers } from '../../kiosk-agent/seat/local-server.ts';
import { EXTENSION_ID } from '../../shared/constants.ts';
import type { SeatEvent } from '../../shared/schemas/events.ts';

export const INVIGIL = resolve(import.meta.dirname, '../../dist/cli/invigil.js');
export const EXTENSION_ORIGIN = `chrome-extension://${EXTENSION_ID}/`;

export function assertBuilt(): void {
  if (!existsSync(INVIGIL)) throw new Error(`${INVIGIL} is missing: run \`npm run build\` first.`);
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runInvigil(args: string[], env: Record<string, string> = {}, input?: Buffer): RunResult {
  const r = spawnSync(process.execPath, [INVIGIL, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
    ...(input ? { input } : {}),
  });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** A private folder for one test: socket, data, config. */
/**
 * IT's first step on an exam PC: `invigil enrol` with a console's enrolment code, writing `configFile`.
 * Returns the config it wrote (the seat's id, credential and console address).
 */
export function enrolPc(
  console_: { proc: { url: string }; code: string },
  configFile: string,
  pcName: string,
): Record<string, unknown> {
  const enrol = runInvigil([
    'enrol',
    '--console',
    console_.proc.url,
    '--code',
    console_.code,
    '--config',
    configFile,
    '--pc-name',
    pcName,
  ]);
  if (enrol.status !== 0) throw new Error(`invigil enrol exited ${enrol.status}: ${enrol.stderr}`);
  return JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
}

export function agentWorkspace(): {
  dir: string;
  socket: string;
  dataDir: string;
  configFile: string;
  remove(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'invigil-agent-'));
  return {
    dir,
    socket: join(dir, 'run', 'agent.sock'),
    dataDir: join(dir, 'data'),
    configFile: join(dir, 'seat.json'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface AgentProcess {
  child: ChildProcess;
  /** Everything it logged so far (pino JSON lines). */
  logs(): string;
  /** SIGTERM and wait. */
  stop(): Promise<number | null>;
  /** SIGKILL (no chance to tidy up) and wait. */
  kill9(): Promise<void>;
}

/** Starts `invigil agent` with this config and waits until its socket answers. */
export async function startAgentProcess(
  ws: { socket: string; dataDir: string; configFile: string },
  config: Record<string, unknown> = {},
  env: Record<string, string> = {},
): Promise<AgentProcess> {
  writeFileSync(
    ws.configFile,
    JSON.stringify({ socketPath: ws.socket, dataDir: ws.dataDir, ...config }, null, 2),
  );
  const child = spawn(process.execPath, [INVIGIL, 'agent', '--config', ws.configFile], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const deadline = Date.now() + 30_000;
  while (!(await socketAnswers(ws.socket))) {
    if (child.exitCode !== null) throw new Error(`invigil agent exited (${child.exitCode}): ${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`invigil agent did not open ${ws.socket}: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const exited = new Promise<number | null>((r) => {
    if (child.exitCode !== null) r(child.exitCode);
    else child.once('exit', (code) => r(code));
  });
  return {
    child,
    logs: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill9() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Waits until `check()` is truthy (or throws after `timeoutMs`), polling every `everyMs`. */
type Maybe<T> = T | null | undefined | false;
export async function waitFor<T>(
  what: string,
  check: () => Promise<Maybe<T>> | Maybe<T>,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The running agent's answer about its seat, through the client `invigil check` uses. */
export async function agentStatusReply(socket: string): Promise<AgentStatusReply> {
  const reply = await requestAgentStatus(socket, 10_000);
  if (!reply) throw new Error(`no Invigil agent answers on ${socket}`);
  return reply;
}

/** The running agent's seat status. */
export async function agentStatus(socket: string): Promise<AgentStatusReply['status']> {
  return (await agentStatusReply(socket)).status;
}

/** The events in an agent's durable outbox: its SQLite file, read as another process would. */
export function agentOutbox(dataDir: string): SeatEvent[] {
  const db = new Database(join(dataDir, 'agent.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT body FROM outbox ORDER BY seq').all() as { body: string }[]).map(
      (r) => JSON.parse(r.body) as SeatEvent,
    );
  } finally {
    db.close();
  }
}
