/**
 * `invigil console` as a real process (the built dist/cli/invigil.js), on 127.0.0.1 and a free port,
 * with a fresh data folder (or, given `database` or in the -pg test projects, a PostgreSQL database).
 * Reads the address and the one-time setup link from what it prints.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type ConsoleClient, setupFirstInvigilator } from './console-client.ts';

export const CLI = resolve(import.meta.dirname, '../../dist/cli/invigil.js');

export interface ConsoleProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  /** Null when the data folder already had an invigilator. */
  setupUrl: string | null;
  dataDir: string;
  /** The PostgreSQL database it runs on (null: SQLite in `dataDir`); give it to a second process to share it. */
  database: string | null;
  stdout(): string;
  stderr(): string;
  /** SIGTERM, then SIGKILL after 5 s; removes the data folder unless `keepData`. */
  stop(): Promise<number | null>;
}

export async function startConsoleProcess(
  options: {
    dataDir?: string;
    /** Run on this PostgreSQL database (postgres://…) instead of SQLite in the data folder. */
    database?: string;
    keepData?: boolean;
    env?: Record<string, string>;
    /** Flags for node itself (such as --cpu-prof). */
    nodeArgs?: string[];
    /** More flags for `invigil console` (such as --tls-cert and --tls-key). */
    args?: string[];
    timeoutMs?: number;
  } = {},
): Promise<ConsoleProcess> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first.`);
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'invigil-console-data-'));
  // In the -pg projects a fresh console gets a fresh database (engines.ts reads what vitest provides).
  const database =
    options.database ??
    (process.env.INVIGIL_TEST_ENGINE === 'postgres' && !options.dataDir
      ? await (await import('./engines.ts')).newPostgresDatabase()
      : null);
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      CLI,
      'console',
      '--port',
      '0',
      ...(options.args?.includes('--host') ? [] : ['--host', '127.0.0.1']),
      ...(database ? ['--database', database] : ['--data', dataDir]),
      ...(options.args ?? []),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...(options.env ?? {}) },
    },
  );
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    out += String(d);
  });
  child.stderr?.on('data', (d) => {
    err += String(d);
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  while (!/Seats connect to/.test(out)) {
    if (child.exitCode !== null) throw new Error(`invigil console exited (${child.exitCode}): ${err || out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`invigil console did not start: ${err || out}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const url = out.match(/listening on (https?:\/\/\S+)/)?.[1];
  if (!url) throw new Error(`no address in: ${out}`);
  const setupUrl = out.match(/Setup link: (\S+)/)?.[1] ?? null;
  return {
    child,
    pid: child.pid ?? 0,
    url,
    setupUrl,
    dataDir,
    database,
    stdout: () => out,
    stderr: () => err,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      if (!options.keepData && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
      return child.exitCode;
    },
  };
}

export interface ReadyConsole {
  proc: ConsoleProcess;
  /** Signed in as the first coordinator ("Dana Okafor", PIN 40213, password "correct horse battery"). */
  admin: ConsoleClient;
  /** An enrolment code for `invigil enrol --code` (valid for 100 PCs). */
  code: string;
  stop(): Promise<number | null>;
}

/**
 * `invigil console` as a real process, set up and ready for seats: the one call an end-to-end test
 * with real `invigil agent` processes needs before `invigil enrol --console proc.url --code code`.
 */
export async function startReadyConsole(): Promise<ReadyConsole> {
  const proc = await startConsoleProcess();
  try {
    if (!proc.setupUrl) throw new Error('a fresh console printed no setup link');
    const admin = await setupFirstInvigilator(proc.url, proc.setupUrl);
    const { code } = await admin.api.call('createEnrolmentCode', { body: { uses: 100 } });
    return { proc, admin, code, stop: () => proc.stop() };
  } catch (error) {
    await proc.stop();
    throw error;
  }
}
