import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { startConsole } from '../../invigilator/server/start.ts';
import { type Command, intFlag, stringFlag, UserError } from '../command.ts';

export const consoleCommand: Command = {
  name: 'console',
  summary: "Run the invigilator's console: live seat map, sittings, identity checks, incidents, the record",
  help: `Usage: invigil console [--port N] [--host ADDRESS] [--data DIR] [--tls-cert FILE --tls-key FILE]

Runs the invigilator's console: the dashboard (open its address in a browser) and the endpoint exam
seats connect to. Everything is kept in an SQLite database in DIR; nothing else to install.

On first start with an empty DIR it creates the centre and prints a one-time setup link: open it to
create the first invigilator (name, PIN and password). Then, in the dashboard, make an enrolment code
and run \`invigil enrol\` on each exam PC.

Flags:
  --port N        Port to listen on (default 7420; 0 picks a free one and prints it)
  --host ADDRESS  Address to listen on (default 0.0.0.0: every interface, so exam PCs can reach it)
  --data DIR      Where the database lives (default ~/.invigil/console)
  --tls-cert FILE Serve HTTPS (and WSS for seats) with this certificate (PEM; a chain is fine)
  --tls-key FILE  ...and this private key (PEM). Without them the console speaks plain HTTP: then put
                  it behind a TLS proxy, or keep it on a network only the exam room and staff reach,
                  because sign-in passwords and seat credentials cross it.

The first line printed is "Invigil console listening on <address>". Logs (JSON lines) go to stderr;
set INVIGIL_LOG_LEVEL=debug for more. Stop with Ctrl-C.

Exit codes: 0 stopped cleanly, 2 bad flags or the data folder cannot be used.

Example:
  invigil console --port 8080 --data /var/lib/invigil
`,
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    data: { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
  },
  async run(args) {
    const port = intFlag(args, 'port', 0, 65535) ?? 7420;
    const host = stringFlag(args, 'host') ?? '0.0.0.0';
    const dataDir = resolve(stringFlag(args, 'data') ?? join(homedir(), '.invigil', 'console'));
    const tls = readTls(stringFlag(args, 'tls-cert'), stringFlag(args, 'tls-key'));
    let running: Awaited<ReturnType<typeof startConsole>>;
    try {
      running = await startConsole({ dataDir, port, host, ...(tls ? { tls } : {}) });
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      if (e.code === 'EADDRINUSE')
        throw new UserError(`port ${port} is already in use; choose another with --port`);
      if (e.code === 'EACCES')
        throw new UserError(`cannot use port ${port} or ${dataDir}: permission denied`);
      if (e.code === 'SQLITE_CANTOPEN') throw new UserError(`cannot open the database in ${dataDir}`);
      if (tls && /key|cert|PEM|asn1/i.test(e.message))
        throw new UserError(`the TLS certificate and key do not work together: ${e.message}`);
      throw new UserError(e.message);
    }
    const out = process.stdout;
    out.write(`Invigil console listening on ${running.url}\n`);
    out.write(`Centre: ${running.centreName} (data in ${dataDir})\n`);
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
    return 0;
  },
};

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
