/**
 * A real PostgreSQL server for tests and benchmarks: Debian's `postgresql` package (15 or newer),
 * started in a temporary folder on a free port, reachable only on 127.0.0.1 (and its own socket in
 * that folder), trust authentication. Stopped and removed with `stop()`.
 *
 * As root the server runs as the `postgres` user (PostgreSQL refuses to run as root); the folder is
 * made for it. Each `createDatabase()` gives a test its own empty database on the one server.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PostgresServer {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  dir: string;
  /** A new empty database on this server; its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Stops the server (fast shutdown) and removes its folder. */
  stop(): Promise<void>;
}

/** The newest PostgreSQL server installed under /usr/lib/postgresql, or null. */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const isRoot = process.getuid?.() === 0;

function asServerUser(bin: string, args: string[]): ReturnType<typeof spawnSync> {
  return isRoot
    ? spawnSync('runuser', ['-u', 'postgres', '--', bin, ...args], { encoding: 'utf8' })
    : spawnSync(bin, args, { encoding: 'utf8' });
}

let counter = 0;

export async function startPostgres(
  options: { settings?: Record<string, string> } = {},
): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (!bin) {
    throw new Error(
      'PostgreSQL is not installed (no /usr/lib/postgresql/N/bin/pg_ctl): apt-get install postgresql (npm test installs it as root)',
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'invigil-pg-'));
  const data = join(dir, 'data');
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
    chmodSync(dir, 0o700);
  }
  const init = asServerUser(join(bin, 'initdb'), [
    '-D',
    data,
    '-A',
    'trust',
    '-U',
    'postgres',
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C',
  ]);
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${String(init.stderr || init.stdout).trim()}`);
  }
  // A port can be taken between choosing it and the server binding it: try a few.
  let port = 0;
  let lastError = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    port = await freePort();
    const settings = {
      port: String(port),
      unix_socket_directories: `'${dir}'`,
      listen_addresses: "'127.0.0.1'",
      // A test server: speed over durability of the test data (the console's own settings are per
      // session, see invigilator/server/db). max_connections leaves room for several consoles.
      fsync: 'off',
      full_page_writes: 'off',
      max_connections: '200',
      ...options.settings,
    };
    const opts = Object.entries(settings)
      .map(([k, v]) => `-c ${k}=${v}`)
      .join(' ');
    const start = asServerUser(join(bin, 'pg_ctl'), [
      '-D',
      data,
      '-l',
      join(dir, 'server.log'),
      '-o',
      opts,
      '-w',
      '-t',
      '30',
      'start',
    ]);
    if (start.status === 0) {
      lastError = '';
      break;
    }
    lastError = String(start.stderr || start.stdout).trim();
  }
  if (lastError) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`PostgreSQL did not start: ${lastError}`);
  }
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let stopped = false;
  return {
    url,
    port,
    dir,
    async createDatabase(name?: string) {
      const db = name ?? `t${process.pid}_${Date.now().toString(36)}_${++counter}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${db.replaceAll('"', '')}"`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${db}`;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      asServerUser(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A TCP relay in front of a PostgreSQL server, whose client-to-server direction can be slowed: what a
 * busy machine does to a connection's last message (Terminate), made certain for a test.
 */
export interface SlowRelay {
  /** `url` with the relay's port in place of the server's. */
  urlFor(url: string): string;
  /** Each chunk from a client reaches the server this many ms later (0: at once). */
  delayMs: number;
  close(): Promise<void>;
}

export function startSlowRelay(serverPort: number): Promise<SlowRelay> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (client) => {
    const upstream = connect({ port: serverPort, host: '127.0.0.1', allowHalfOpen: true });
    sockets.add(client).add(upstream);
    for (const s of [client, upstream]) {
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    upstream.on('data', (chunk) => client.write(chunk));
    upstream.on('end', () => client.end());
    // What the client sends, its half-close too, reaches the server `delayMs` later, in order.
    const later = (f: () => void) => (relay.delayMs === 0 ? f() : setTimeout(f, relay.delayMs));
    client.on('data', (chunk) => later(() => upstream.write(chunk)));
    client.on('end', () => later(() => upstream.end()));
  });
  const relay: SlowRelay = {
    delayMs: 0,
    urlFor: (url) => url.replace(`:${serverPort}/`, `:${(server.address() as { port: number }).port}/`),
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(relay));
  });
}
