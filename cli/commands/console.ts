import { closeSync, createReadStream, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import {
  DatabaseError,
  DEFAULT_POOL_SIZE,
  MAX_POOL_SIZE,
  redactUrl,
} from '../../invigilator/server/db/database.ts';
import { exportDatabase, importDatabase } from '../../invigilator/server/db/transfer.ts';
import { createLogger } from '../../invigilator/server/logger.ts';
import { startConsole } from '../../invigilator/server/start.ts';
import { openStore, sqliteFileIn } from '../../invigilator/server/store/database-store.ts';
import { TrustedProxies } from '../../invigilator/server/trusted-proxy.ts';
import { excerpt } from '../../shared/schemas/bounded-json.ts';
import { type Command, intFlag, stringFlag, UserError } from '../command.ts';

export const consoleCommand: Command = {
  name: 'console',
  summary: "Run the invigilator's console: live seat map, sittings, identity checks, incidents, the record",
  help: `Usage: invigil console [--port N] [--host ADDRESS] [--data DIR | --database postgres://… [--db-pool N]]
                      [--tls-cert FILE --tls-key FILE] [--insecure-http] [--trust-proxy ADDRESS]
       invigil console migrate [--data DIR | --database postgres://…]
       invigil console export [--data DIR | --database postgres://…] [--out FILE]
       invigil console import [--data DIR | --database postgres://…] [--in FILE]

Runs the invigilator's console: the dashboard (open its address in a browser) and the endpoint exam
seats connect to. Everything is kept in an SQLite database in DIR (nothing else to install), or, for a
centre with several sites or several console processes, in a PostgreSQL database (--database, or the
DATABASE_URL environment variable). The database's schema is brought up to date at start; a database
written by a newer Invigil is refused. \`invigil console migrate\` only brings it up to date, and exits.

\`export\` writes every row of every table of the centre's database to FILE (JSON lines; it holds
password and credential hashes, so it is made readable by its owner only; default: standard output);
\`import\` reads one into a new, empty database (one transaction: all of it or nothing). Together they
move a centre from SQLite to PostgreSQL: stop the console, export from --data, import into --database.

On first start with an empty DIR it creates the centre and prints a one-time setup link: open it to
create the first invigilator (name, PIN and password). Then, in the dashboard, make an enrolment code
and run \`invigil enrol\` on each exam PC.

Flags:
  --port N              Port to listen on (default 7420; 0 picks a free one and prints it)
  --host ADDRESS        Address to listen on (default 127.0.0.1: this PC only). To let exam PCs reach it,
                        give the address of the network they are on, or 0.0.0.0 for every interface;
                        then TLS is needed (below), or --insecure-http.
  --data DIR            Where the SQLite database lives (default ~/.invigil/console)
  --database URL        Use this PostgreSQL database instead (postgres://user:password@host:port/name;
                        default: DATABASE_URL when set and --data is not). It must exist; the console
                        makes its tables.
  --db-pool N           PostgreSQL connections this console keeps open (default ${DEFAULT_POOL_SIZE}, at most
                        ${MAX_POOL_SIZE}). Each console process takes N, plus one for live updates, of the
                        server's max_connections.
  --tls-cert FILE       Serve HTTPS (and WSS for seats) with this certificate (PEM; a chain is fine)
  --tls-key FILE        ...and this private key (PEM)
  --insecure-http       Serve plain HTTP on a network address anyway: sign-in passwords, session cookies
                        and seat credentials cross the network readable by anyone on it. Prints a warning.
  --out FILE            export: the file to write (must not exist yet)
  --in FILE             import: the file to read
  --trust-proxy ADDRESS The console is behind a TLS-terminating proxy at ADDRESS (an IP address or a
                        network such as 10.0.0.0/8; several separated by commas): requests from it are
                        believed about the client's address (X-Forwarded-For), the protocol and the host,
                        and the session cookie is Secure. Run the console on 127.0.0.1 behind it.

The first line printed is "Invigil console listening on <address>". Logs (JSON lines) go to stderr;
set INVIGIL_LOG_LEVEL=debug for more. Stop with Ctrl-C.

Exit codes: 0 stopped cleanly, 2 bad flags or the database cannot be used (or is newer than this console).

Examples:
  invigil console --data /var/lib/invigil --host 0.0.0.0 --tls-cert console.crt --tls-key console.key
  invigil console --data /var/lib/invigil --trust-proxy 127.0.0.1     (behind nginx or Caddy on this PC)
  invigil console export --data /var/lib/invigil --out centre.jsonl
  invigil console import --database postgres://invigil@db.example/invigil --in centre.jsonl
`,
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    data: { type: 'string' },
    database: { type: 'string' },
    'db-pool': { type: 'string' },
    out: { type: 'string' },
    in: { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'insecure-http': { type: 'boolean' },
    'trust-proxy': { type: 'string' },
  },
  allowPositionals: true,
  async run(args) {
    const [sub, ...extra] = args.positionals;
    if (extra.length > 0 || (sub !== undefined && !['migrate', 'export', 'import'].includes(sub)))
      throw new UserError(
        `invigil console takes migrate, export or import, not ${JSON.stringify(args.positionals.join(' '))} (see invigil console --help)`,
      );
    const database = databaseFlag(args);
    if (sub !== 'export' && args.values.out !== undefined)
      throw new UserError('--out is for invigil console export');
    if (sub !== 'import' && args.values.in !== undefined)
      throw new UserError('--in is for invigil console import');
    if (sub === 'migrate') return migrateOnly(args, database);
    if (sub === 'export') return exportCentre(args, database);
    if (sub === 'import') return importCentre(args, database);
    const poolSize = intFlag(args, 'db-pool', 1, MAX_POOL_SIZE);
    if (poolSize !== undefined && !database)
      throw new UserError('--db-pool is for a PostgreSQL database (--database or DATABASE_URL)');
    const port = intFlag(args, 'port', 0, 65535) ?? 7420;
    const host = stringFlag(args, 'host') ?? '127.0.0.1';
    const dataDir = resolve(stringFlag(args, 'data') ?? join(homedir(), '.invigil', 'console'));
    const insecure = args.values['insecure-http'] === true;
    const certFlag = stringFlag(args, 'tls-cert');
    const keyFlag = stringFlag(args, 'tls-key');
    if (insecure && (certFlag !== undefined || keyFlag !== undefined))
      throw new UserError('--insecure-http and --tls-cert/--tls-key contradict each other: choose one');
    const trustProxy = parseTrustProxy(stringFlag(args, 'trust-proxy'));
    if (!isLoopback(host) && !insecure && certFlag === undefined && keyFlag === undefined)
      throw new UserError(
        `listening on ${host} sends passwords and seat credentials over the network: give --tls-cert and --tls-key, or --insecure-http to accept plain HTTP`,
      );
    const tls = readTls(certFlag, keyFlag);
    if (!tls && !isLoopback(host))
      process.stderr.write(
        `Warning: plain HTTP on ${host}: sign-in passwords, session cookies and seat credentials cross the network unencrypted. Use --tls-cert and --tls-key, or a TLS proxy (--trust-proxy).\n`,
      );
    const log = createLogger();
    // The last line of defence: whatever escapes a handler is logged, and the console keeps serving.
    const onUncaught = (error: unknown) =>
      log.error(
        { err: excerpt(String((error as Error)?.stack ?? error), 4000) },
        'an error escaped; still serving',
      );
    const onRejection = (reason: unknown) =>
      log.error(
        { err: excerpt(String((reason as Error)?.stack ?? reason), 4000) },
        'a promise was rejected and nobody handled it; still serving',
      );
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onRejection);
    let running: Awaited<ReturnType<typeof startConsole>>;
    try {
      running = await startConsole({
        dataDir,
        ...(database ? { database } : {}),
        ...(poolSize !== undefined ? { databasePoolSize: poolSize } : {}),
        port,
        host,
        log,
        ...(tls ? { tls } : {}),
        ...(trustProxy.length > 0 ? { trustProxy } : {}),
      });
    } catch (error) {
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onRejection);
      const e = error as NodeJS.ErrnoException;
      if (error instanceof DatabaseError) throw new UserError(error.message);
      if (e.code === 'EADDRINUSE')
        throw new UserError(`port ${port} is already in use; choose another with --port`);
      if (e.code === 'EADDRNOTAVAIL') throw new UserError(`--host ${host}: this PC has no such address`);
      if (e.code === 'EACCES')
        throw new UserError(`cannot use port ${port} or ${dataDir}: permission denied`);
      if (e.code === 'SQLITE_CANTOPEN') throw new UserError(`cannot open the database in ${dataDir}`);
      if (tls && /key|cert|PEM|asn1/i.test(e.message))
        throw new UserError(`the TLS certificate and key do not work together: ${e.message}`);
      throw new UserError(e.message);
    }
    const out = process.stdout;
    out.write(`Invigil console listening on ${running.url}\n`);
    out.write(`Centre: ${running.centreName} (data in ${database ? redactUrl(database) : dataDir})\n`);
    if (running.setupUrl) {
      out.write(
        `\nFirst start: no invigilator yet. Open this one-time link to create the first one (name, PIN and password):\n  Setup link: ${running.setupUrl}\n\n`,
      );
    } else {
      out.write(`Sign in at ${running.url}/ with your name, PIN and password.\n`);
    }
    out.write(
      `Seats connect to ${running.url.replace(/^http/, 'ws')}/seat (enrol them with \`invigil enrol\`).\n`,
    );
    await new Promise<void>((done) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        out.write('Stopping the console…\n');
        running.close().then(done, done);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onRejection);
    return 0;
  },
};

/** --database, or DATABASE_URL when neither --database nor --data is given; checked to be a postgres:// address. */
function databaseFlag(args: Parameters<Command['run']>[0]): string | undefined {
  const flag = stringFlag(args, 'database');
  // An explicit --data wins over DATABASE_URL from the environment.
  const fromEnv = args.values.data === undefined ? process.env.DATABASE_URL?.trim() || undefined : undefined;
  const value = flag ?? fromEnv;
  if (value === undefined) return undefined;
  const from = flag !== undefined ? '--database' : 'DATABASE_URL';
  if (!/^postgres(ql)?:\/\//.test(value))
    throw new UserError(`${from} takes a postgres:// address, not ${redactUrl(value)}`);
  if (flag !== undefined && args.values.data !== undefined)
    throw new UserError('--data and --database name two different databases: give one');
  return value;
}

/** Opens (and migrates) the database named by --data or --database, with a one-line error. */
async function openNamed(
  args: Parameters<Command['run']>[0],
  database: string | undefined,
): Promise<{ store: Awaited<ReturnType<typeof openStore>>; where: string }> {
  const dataDir = resolve(stringFlag(args, 'data') ?? join(homedir(), '.invigil', 'console'));
  const where = database ? redactUrl(database) : sqliteFileIn(dataDir);
  try {
    return {
      store: await openStore(database ? { postgres: database } : { sqlite: sqliteFileIn(dataDir) }),
      where,
    };
  } catch (error) {
    if (error instanceof DatabaseError) throw new UserError(error.message);
    throw new UserError(`cannot open ${where}: ${(error as Error).message}`);
  }
}

/** `invigil console export`: every row of every table, as JSON lines, to --out (or standard output). */
async function exportCentre(
  args: Parameters<Command['run']>[0],
  database: string | undefined,
): Promise<number> {
  const outFlag = stringFlag(args, 'out');
  const out = outFlag ? resolve(outFlag) : null;
  if (out && existsSync(out)) throw new UserError(`--out ${out} already exists: name a new file`);
  const { store, where } = await openNamed(args, database);
  // Password, session and credential hashes are in it: its owner only.
  const fd = out ? openSync(out, 'wx', 0o600) : null;
  try {
    const counts = await exportDatabase(store.db, (line) => {
      if (fd !== null) writeSync(fd, `${line}\n`);
      else process.stdout.write(`${line}\n`);
    });
    const rows = Object.values(counts).reduce((a, b) => a + b, 0);
    process.stderr.write(
      `Exported ${rows} rows of ${Object.keys(counts).length} tables from ${where}${out ? ` to ${out}` : ''}.\n`,
    );
    return 0;
  } catch (error) {
    if (out) rmSync(out, { force: true });
    throw new UserError(`export from ${where} failed: ${(error as Error).message}`);
  } finally {
    if (fd !== null) closeSync(fd);
    await store.close();
  }
}

/** `invigil console import`: an export into a new, empty database, in one transaction. */
async function importCentre(
  args: Parameters<Command['run']>[0],
  database: string | undefined,
): Promise<number> {
  const inFlag = stringFlag(args, 'in');
  const file = inFlag ? resolve(inFlag) : null;
  if (file && !existsSync(file)) throw new UserError(`--in ${file}: no such file`);
  const { store, where } = await openNamed(args, database);
  try {
    const input = file ? createReadStream(file, 'utf8') : process.stdin;
    // The iterator is taken at once: readline emits lines whether or not anyone listens yet, and the
    // import first checks the database.
    const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })[Symbol.asyncIterator]();
    const counts = await importDatabase(store.db, { [Symbol.asyncIterator]: () => lines });
    const rows = Object.values(counts).reduce((a, b) => a + b, 0);
    process.stdout.write(`Imported ${rows} rows of ${Object.keys(counts).length} tables into ${where}.\n`);
    return 0;
  } catch (error) {
    if (error instanceof DatabaseError) throw new UserError(error.message);
    throw new UserError(`import into ${where} failed, nothing was written: ${(error as Error).message}`);
  } finally {
    await store.close();
  }
}

/** `invigil console migrate`: brings the database's schema up to date and exits. */
async function migrateOnly(
  args: Parameters<Command['run']>[0],
  database: string | undefined,
): Promise<number> {
  const dataDir = resolve(stringFlag(args, 'data') ?? join(homedir(), '.invigil', 'console'));
  const where = database ? redactUrl(database) : sqliteFileIn(dataDir);
  let store: Awaited<ReturnType<typeof openStore>>;
  try {
    store = await openStore(database ? { postgres: database } : { sqlite: sqliteFileIn(dataDir) });
  } catch (error) {
    if (error instanceof DatabaseError) throw new UserError(error.message);
    throw new UserError(`cannot migrate ${where}: ${(error as Error).message}`);
  }
  const { from, to, applied, beforeMigrations } = store.migrated;
  await store.close();
  if (applied.length === 0) process.stdout.write(`${where} is up to date (schema version ${to}).\n`);
  else {
    // A file from before numbered migrations counts in its old store's numbers (its 4 and 5 are not ours).
    const before = beforeMigrations ? `${from} (from before numbered migrations)` : `${from}`;
    process.stdout.write(`${where}: schema version ${before} → ${to}\n`);
    for (const m of applied) process.stdout.write(`  applied ${m.version}: ${m.name}\n`);
  }
  return 0;
}

/** 127.0.0.0/8, ::1 and localhost reach only this PC. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function parseTrustProxy(flag: string | undefined): string[] {
  if (flag === undefined) return [];
  const entries = flag.split(',').map((e) => e.trim());
  try {
    return new TrustedProxies(entries).entries;
  } catch (error) {
    throw new UserError(
      `--trust-proxy takes the proxy's IP address or network (such as 127.0.0.1 or 10.0.0.0/8), not "${excerpt((error as Error).message || flag, 80)}"`,
    );
  }
}

/** Both TLS files or neither; each read now, so a wrong path is one clear line before anything starts. */
function readTls(
  certFile: string | undefined,
  keyFile: string | undefined,
): { cert: Buffer; key: Buffer } | null {
  if (certFile === undefined && keyFile === undefined) return null;
  if (certFile === undefined || keyFile === undefined)
    throw new UserError('--tls-cert and --tls-key go together: give both, or neither for plain HTTP');
  const read = (flag: string, file: string) => {
    try {
      return readFileSync(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UserError(
        `--${flag} ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message}`,
      );
    }
  };
  return { cert: read('tls-cert', certFile), key: read('tls-key', keyFile) };
}
