/**
 * The console benchmarks reach the console only as a centre would: `invigil console` started as its own
 * process from the built CLI, the HTTP API through the typed client (shared/api/client.ts) with a cookie
 * jar, seats enrolled through the public enrolment route, the dashboard's live WebSocket, and the
 * operating system's view of the process (/proc). Nothing here opens the console's database or imports
 * its code: the database is looked at only from outside (the SQLite file's size, pg_database_size).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import pg from 'pg';
import WebSocket from 'ws';
import { type ApiClient, createApiClient, type FetchLike } from '../../shared/api/client.ts';
import type { Health, LiveToDashboard } from '../../shared/schemas/console-api.ts';

export const CLI = resolve(import.meta.dirname, '../../dist/cli/invigil.js');

/** What a seat needs to connect (docs/protocol.md, section 2), and which console it connects to. */
export interface SeatCredentials {
  seatId: string;
  credential: string;
  pcName: string;
}

// ---------------------------------------------------------------- the console process

export interface ConsoleProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  setupUrl: string | null;
  /** The last lines it printed (stdout and stderr), to show when something failed. */
  logTail(): string;
  stop(): Promise<void>;
}

/**
 * `invigil console` on 127.0.0.1 and a free port, on SQLite in `dataDir` or on the PostgreSQL `database`.
 * CONSOLE_NODE_ARGS passes flags to node itself (for profiling: "--cpu-prof --cpu-prof-dir=/tmp/prof").
 */
/** Consoles still running: ended with the benchmark, however it ends (a failure, Ctrl-C). */
const running = new Set<ChildProcess>();
let cleanupInstalled = false;
function endWithUs(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.once('exit', () => {
    for (const c of running) c.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      for (const c of running) c.kill('SIGTERM');
      process.exit(130);
    });
}

export async function startConsole(options: {
  dataDir?: string;
  database?: string;
}): Promise<ConsoleProcess> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`node scripts/build.mjs\` first.`);
  const where = options.database ? ['--database', options.database] : ['--data', options.dataDir ?? ''];
  const nodeArgs = (process.env.CONSOLE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [...nodeArgs, CLI, 'console', '--port', '0', '--host', '127.0.0.1', ...where],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: withoutDatabaseUrl({ ...process.env, INVIGIL_LOG_LEVEL: 'warn' }),
    },
  );
  let out = '';
  let err = '';
  let tail = '';
  const keep = (d: unknown) => {
    tail = (tail + String(d)).slice(-6000);
  };
  child.stdout?.on('data', (d) => {
    if (out.length < 100_000) out += String(d);
    keep(d);
  });
  child.stderr?.on('data', (d) => {
    if (err.length < 100_000) err += String(d);
    keep(d);
  });
  endWithUs(child);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 30_000;
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
  return {
    child,
    pid: child.pid ?? 0,
    url,
    setupUrl: out.match(/Setup link: (\S+)/)?.[1] ?? null,
    logTail: () => tail,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------- the HTTP API

/** A `fetch` for the typed client over node:http, optionally from a given local address. */
function httpFetch(baseUrl: string, jar: { cookie: string | null }, localAddress?: string): FetchLike {
  const base = new URL(baseUrl);
  return (path, init) =>
    new Promise((resolvePromise, reject) => {
      const headers: Record<string, string> = { ...init.headers };
      if (jar.cookie) headers.cookie = jar.cookie;
      // As a browser would: the console refuses a write without its own Origin.
      if (init.method !== 'GET') headers.origin = base.origin;
      const req = request(
        {
          host: base.hostname,
          port: base.port,
          path,
          method: init.method,
          headers,
          ...(localAddress ? { localAddress } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const set = res.headers['set-cookie']?.[0];
            if (set) {
              const pair = set.split(';')[0] ?? '';
              jar.cookie = pair.endsWith('=') ? null : pair;
            }
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            resolvePromise({ status, ok: status >= 200 && status < 300, text: async () => text });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(init.body ?? undefined);
    });
}

/** A signed-in (or not yet) user of one console: the typed client with its own cookie jar. */
export class Session {
  readonly jar: { cookie: string | null } = { cookie: null };
  readonly api: ApiClient;
  constructor(
    readonly url: string,
    localAddress?: string,
  ) {
    this.api = createApiClient(httpFetch(url, this.jar, localAddress));
  }
  health(): Promise<Health> {
    return this.api.call('health');
  }
  /** /api/health, tried three times a couple of seconds apart; null (and why) when the console kept failing. */
  async tryHealth(): Promise<{ health: Health | null; error: string | null }> {
    let error = '';
    for (let i = 0; i < 3; i++) {
      try {
        return { health: await this.health(), error: null };
      } catch (e) {
        error = (e as Error).message;
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
    return { health: null, error: `GET /api/health failed 3 times: ${error}` };
  }
}

export const COORDINATOR = {
  centreName: 'Northgate College',
  name: 'Dana Okafor',
  pin: '40213',
  password: 'correct horse battery',
};

/** The first coordinator, through the one-time setup link a fresh console prints. */
export async function setUp(proc: ConsoleProcess): Promise<Session> {
  const token = proc.setupUrl?.split('/#/setup/')[1];
  if (!token) throw new Error(`the console printed no setup link (${proc.url})`);
  const s = new Session(proc.url);
  await s.api.call('completeSetup', { body: { token, ...COORDINATOR } });
  return s;
}

/** The coordinator signing in on another console of the same centre (sessions live in the database). */
export async function signIn(url: string): Promise<Session> {
  const s = new Session(url);
  await s.api.call('signIn', {
    body: { name: COORDINATOR.name, pin: COORDINATOR.pin, password: COORDINATOR.password },
  });
  return s;
}

/**
 * Enrols `n` PCs as the agent does (`invigil enrol`: the public enrolment route with a code), with codes
 * for a satellite site behind NAT (3,000 enrolments a minute per address) and the requests spread over
 * several loopback addresses (127.0.0.2, .3, …), as PCs from several sites would arrive.
 */
export async function enrolSeats(
  admin: Session,
  n: number,
  prefix = 'PC-',
  progress?: (done: number) => void,
): Promise<SeatCredentials[]> {
  const perAddress = 2500;
  const addresses = Math.max(1, Math.ceil(n / perAddress));
  const out: SeatCredentials[] = new Array(n);
  let done = 0;
  await Promise.all(
    Array.from({ length: addresses }, async (_, a) => {
      const from = a * perAddress;
      const to = Math.min(n, from + perAddress);
      const { code } = await admin.api.call('createEnrolmentCode', {
        body: { uses: to - from, validHours: 1, behindNat: true },
      });
      const client = new Session(admin.url, `127.0.0.${2 + a}`);
      let next = from;
      // A few at a time per address: the console commits each enrolment before answering.
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < to) {
            const i = next++;
            const pcName = `${prefix}${String(i + 1).padStart(5, '0')}`;
            const e = await client.api.call('enrolSeat', { body: { code, pcName } });
            out[i] = { seatId: e.seatId, credential: e.credential, pcName };
            if (++done % 1000 === 0) progress?.(done);
          }
        }),
      );
    }),
  );
  return out;
}

// ---------------------------------------------------------------- the dashboard's live socket

/** Status changes carry a finding whose subject starts with this, then `<ms since epoch>:<random>`. */
export const MARK = 'bench:';

/** The dashboard's live socket; `received` maps each marked status change (`seatId|subject`) to its arrival. */
export async function timedDashboard(
  session: Session,
): Promise<{ ws: WebSocket; received: Map<string, number> }> {
  const received = new Map<string, number>();
  const ws = new WebSocket(`${session.url.replace(/^http/, 'ws')}/api/live`, {
    headers: { cookie: session.jar.cookie ?? '', origin: session.url },
    perMessageDeflate: false,
  });
  ws.on('message', (data) => {
    const at = Date.now();
    const msg = JSON.parse(data.toString()) as LiveToDashboard;
    if (msg.type !== 'live/seats') return;
    for (const seat of msg.seats) {
      for (const r of seat.reasons) {
        if (!r.subject?.startsWith(MARK)) continue;
        const key = `${seat.id}|${r.subject}`;
        if (!received.has(key)) received.set(key, at);
      }
    }
  });
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
    ws.once('unexpected-response', (_q, res) => j(new Error(`live socket refused: ${res.statusCode}`)));
  });
  return { ws, received };
}

/** When a marked status change was made, from its subject (`bench:<ms>:<random>`). */
export function sentAt(subject: string): number {
  return Number(subject.slice(MARK.length).split(':')[0]);
}

// ---------------------------------------------------------------- the operating system's view

/** User+system CPU ticks (and those of waited-for children) from the text of /proc/PID/stat. */
export function parseProcStat(text: string): { ppid: number; cpuTicks: number; childTicks: number } {
  // The command name is in parentheses and may itself contain spaces and parentheses.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {
    ppid: Number(f[1]),
    cpuTicks: Number(f[11]) + Number(f[12]),
    childTicks: Number(f[13]) + Number(f[14]),
  };
}

/** A kB figure (VmRSS, VmHWM, …) from the text of /proc/PID/status, in MB. */
export function statusMb(text: string, field: string): number {
  const kb = text.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))?.[1];
  return kb === undefined ? Number.NaN : Number(kb) / 1024;
}

export function procStat(pid: number): { cpuTicks: number; rssMb: number; peakRssMb: number } {
  const stat = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { cpuTicks: stat.cpuTicks, rssMb: statusMb(status, 'VmRSS'), peakRssMb: statusMb(status, 'VmHWM') };
}

/**
 * CPU ticks of a PostgreSQL server: the postmaster (with the backends it has reaped) and its live
 * children. The postmaster's pid is the first line of postmaster.pid in its data folder.
 */
export function postgresTicks(dataDir: string): number {
  const pm = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const own = parseProcStat(readFileSync(`/proc/${pm}/stat`, 'utf8'));
  let ticks = own.cpuTicks + own.childTicks;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const s = parseProcStat(readFileSync(`/proc/${name}/stat`, 'utf8'));
      if (s.ppid === pm) ticks += s.cpuTicks;
    } catch {
      // gone meanwhile
    }
  }
  return ticks;
}

export const loadAvg1m = (): number => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

export function openFilesLimit(): string {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  return line?.split(/\s+/).slice(3, 5).join('/') ?? 'unknown';
}

// ---------------------------------------------------------------- the database, from outside

/** The SQLite file in a data folder with its WAL, in MB. */
export function sqliteSizeMb(dataDir: string): number {
  const size = (f: string) => (existsSync(f) ? statSync(f).size : 0);
  const file = join(dataDir, 'console.sqlite');
  return Number(((size(file) + size(`${file}-wal`)) / 1048576).toFixed(2));
}

/** pg_database_size of a PostgreSQL database, in MB. */
export async function postgresSizeMb(database: string): Promise<number> {
  const client = new pg.Client({ connectionString: database });
  await client.connect();
  try {
    const r = await client.query<{ n: string }>('SELECT pg_database_size(current_database()) AS n');
    return Number((Number(r.rows[0]?.n ?? 0) / 1048576).toFixed(2));
  } finally {
    await client.end();
  }
}

/** The console is told its database on the command line only (a DATABASE_URL in the bench's own environment is not for it). */
function withoutDatabaseUrl(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { DATABASE_URL: _ignored, ...rest } = env;
  return rest;
}
