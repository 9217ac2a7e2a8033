/**
 * Starts the console: opens (or creates) the centre's database (SQLite in the data folder, or a
 * PostgreSQL server), applies its migrations, and on a fresh centre makes a one-time setup link for
 * the first invigilator.
 */
import type { AddressInfo } from 'node:net';
import { buildConsoleApp, type ConsoleApp, type ConsoleAppOptions } from './app.ts';
import { newToken, sha256 } from './auth.ts';
import { createLogger, type Logger } from './logger.ts';
import { openStore, sqliteFileIn } from './store/database-store.ts';
import type { Store } from './store/store.ts';

export interface StartOptions extends Partial<Omit<ConsoleAppOptions, 'store' | 'log'>> {
  dataDir: string;
  /** A PostgreSQL connection string (postgres://…): the centre's database instead of SQLite in `dataDir`. */
  database?: string;
  /** PostgreSQL connections this process keeps (default DEFAULT_POOL_SIZE). */
  databasePoolSize?: number;
  port?: number;
  host?: string;
  log?: Logger;
  store?: Store;
}

export interface RunningConsole extends ConsoleApp {
  /** http(s)://host:port, the address to open and to give seats. */
  url: string;
  port: number;
  centreName: string;
  /** Set while the centre has no invigilator yet: the one-time link that creates the first one. */
  setupUrl: string | null;
  store: Store;
}

export async function startConsole(options: StartOptions): Promise<RunningConsole> {
  const log = options.log ?? createLogger();
  const store =
    options.store ??
    (await openStore(
      options.database
        ? {
            postgres: options.database,
            ...(options.databasePoolSize ? { poolSize: options.databasePoolSize } : {}),
          }
        : { sqlite: sqliteFileIn(options.dataDir) },
    ));
  try {
    return await serve(options, store, log);
  } catch (error) {
    // Nothing is left open by a console that could not start (a port in use, a bad certificate).
    if (!options.store) await store.close().catch(() => undefined);
    throw error;
  }
}

async function serve(options: StartOptions, store: Store, log: Logger): Promise<RunningConsole> {
  const { centre } = await store.ensureCentre();
  let setupToken: string | null = null;
  if ((await store.countInvigilators(centre.id)) === 0) {
    // A new link on every start until someone uses one: a lost terminal never locks the centre out.
    setupToken = newToken(24);
    await store.setSetupToken(centre.id, sha256(setupToken));
  }
  const built = await buildConsoleApp({ ...options, store, log });
  // Loopback unless told otherwise: the network needs TLS (or a person accepting plain HTTP), which
  // `invigil console` checks before it gets here.
  const host = options.host ?? '127.0.0.1';
  // A room of PCs connects at once: a deep accept queue avoids SYN retries (1 s, 3 s) under a burst.
  await built.app.listen({ port: options.port ?? 7420, host, backlog: 4096 });
  const port = (built.app.server.address() as AddressInfo).port;
  const shownHost =
    host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `${options.tls ? 'https' : 'http'}://${shownHost}:${port}`;
  return {
    ...built,
    url,
    port,
    centreName: centre.name,
    setupUrl: setupToken ? `${url}/#/setup/${setupToken}` : null,
    store,
    async close() {
      await built.close();
      await store.close();
    },
  };
}
