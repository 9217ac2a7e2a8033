/**
 * Talking to a real console from tests and benchmarks: an HTTP client with a cookie jar (as a
 * browser would: Origin set on writes), an in-process console on loopback with a real SQLite file (or,
 * in the -pg test projects, a real PostgreSQL database), and first-invigilator setup.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Kysely } from 'kysely';
import pino from 'pino';
import WebSocket from 'ws';
import type { Tables } from '../../invigilator/server/db/tables.ts';
import type { SeatHubOptions } from '../../invigilator/server/seats/seat-hub.ts';
import { type RunningConsole, startConsole } from '../../invigilator/server/start.ts';
import type { DatabaseStore } from '../../invigilator/server/store/database-store.ts';
import { type ApiClient, createApiClient } from '../../shared/api/client.ts';
import type { LiveToDashboard } from '../../shared/schemas/console-api.ts';

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

export class ConsoleClient {
  cookie: string | null = null;
  /** The typed client (shared/api/client.ts) over this client's cookie jar: answers checked against the route table. */
  readonly api: ApiClient;
  constructor(readonly baseUrl: string) {
    this.api = createApiClient(async (url, init) => {
      const r = await this.request(init.method, url, init.body ?? undefined);
      return { status: r.status, ok: r.status >= 200 && r.status < 300, text: async () => r.text };
    });
  }

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const h: Record<string, string> = { ...headers };
    if (this.cookie) h.cookie = this.cookie;
    if (method !== 'GET' && !('origin' in h)) h.origin = this.baseUrl;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      h['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers: h, body: payload ?? null });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) {
      const pair = setCookie.split(';')[0] ?? '';
      this.cookie = pair.endsWith('=') ? null : pair;
    }
    const text = await res.text();
    let parsed: unknown = {};
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = {};
    }
    return { status: res.status, body: parsed as T, headers: res.headers, text };
  }

  get<T = Record<string, unknown>>(path: string) {
    return this.request<T>('GET', path);
  }
  post<T = Record<string, unknown>>(path: string, body: unknown = {}) {
    return this.request<T>('POST', path, body);
  }
  put<T = Record<string, unknown>>(path: string, body: unknown) {
    return this.request<T>('PUT', path, body);
  }

  async signIn(name: string, pin: string, password: string): Promise<void> {
    await this.api.call('signIn', { body: { name, pin, password } });
  }

  /** Opens the dashboard's live socket (with this client's session) and collects what it receives. */
  async live(): Promise<LiveFeed> {
    const ws = new WebSocket(`${this.baseUrl.replace(/^http/, 'ws')}/api/live`, {
      headers: { cookie: this.cookie ?? '', origin: this.baseUrl },
    });
    const feed = new LiveFeed(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_q, res) =>
        reject(new Error(`live socket refused: ${res.statusCode}`)),
      );
    });
    return feed;
  }
}

export class LiveFeed {
  readonly messages: { at: number; message: LiveToDashboard }[] = [];
  private waiters: (() => void)[] = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push({ at: Date.now(), message: JSON.parse(data.toString()) as LiveToDashboard });
      for (const w of this.waiters.splice(0)) w();
    });
  }
  async waitFor<T>(pick: (m: LiveToDashboard) => T | undefined, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let seen = 0;
    for (;;) {
      for (; seen < this.messages.length; seen++) {
        const hit = pick(this.messages[seen]?.message as LiveToDashboard);
        if (hit !== undefined) return hit;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a live update');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
  close(): void {
    this.ws.close();
  }
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface TestConsole {
  running: RunningConsole;
  url: string;
  dataDir: string;
  /** The console's database (either engine), for tests that look at or change rows directly. */
  db: Kysely<Tables>;
  /** The PostgreSQL database's URL, when the console runs on PostgreSQL. */
  database?: string;
  logs: LogLine[];
  /** A client already signed in as the first coordinator. */
  admin: ConsoleClient;
  adminName: string;
  adminPin: string;
  adminPassword: string;
  close(): Promise<void>;
}

/** Creates the first invigilator through the one-time setup link. */
export async function setupFirstInvigilator(
  url: string,
  setupUrl: string,
  who = {
    centreName: 'Northgate College',
    name: 'Dana Okafor',
    pin: '40213',
    password: 'correct horse battery',
  },
): Promise<ConsoleClient> {
  const token = setupUrl.split('/#/setup/')[1];
  if (!token) throw new Error(`not a setup link: ${setupUrl}`);
  const client = new ConsoleClient(url);
  await client.api.call('completeSetup', { body: { token, ...who } });
  return client;
}

/**
 * A console in this process on 127.0.0.1 with a real SQLite file in a fresh temp folder, or a fresh
 * PostgreSQL database (`database`, or INVIGIL_TEST_ENGINE=postgres: see engines.ts).
 */
export async function startTestConsole(
  options: { livePushMs?: number; seats?: SeatHubOptions; database?: string } = {},
): Promise<TestConsole> {
  // engines.ts reads what vitest provides: imported only in the -pg test projects.
  const database =
    options.database ??
    (process.env.INVIGIL_TEST_ENGINE === 'postgres'
      ? (await (await import('./engines.ts')).testDatabase()).database
      : undefined);
  const dataDir = mkdtempSync(join(tmpdir(), 'invigil-console-'));
  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) logs.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const running = await startConsole({
    dataDir,
    ...(database ? { database } : {}),
    port: 0,
    host: '127.0.0.1',
    log: pino({ level: 'info' }, sink),
    ...(options.livePushMs ? { livePushMs: options.livePushMs } : {}),
    ...(options.seats ? { seats: options.seats } : {}),
  });
  if (!running.setupUrl) throw new Error('a fresh console should offer a setup link');
  const who = {
    centreName: 'Northgate College',
    name: 'Dana Okafor',
    pin: '40213',
    password: 'correct horse battery',
  };
  const admin = await setupFirstInvigilator(running.url, running.setupUrl, who);
  return {
    running,
    url: running.url,
    dataDir,
    db: (running.store as DatabaseStore).db.kysely,
    ...(database ? { database } : {}),
    logs,
    admin,
    adminName: who.name,
    adminPin: who.pin,
    adminPassword: who.password,
    async close() {
      await running.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
