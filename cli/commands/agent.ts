import { readFileSync } from 'node:fs';
import { hostname, platform, release } from 'node:os';
import { pino } from 'pino';
import { ConfigError, credentialExposure, loadConfig } from '../../kiosk-agent/config.ts';
import { startAgent } from '../../kiosk-agent/seat/agent.ts';
import { createConsoleLink } from '../../kiosk-agent/seat/console-link.ts';
import type { UpstreamLink } from '../../kiosk-agent/seat/upstream.ts';
import type { AgentConfig } from '../../shared/schemas/config.ts';
import { type Command, type ParsedArgs, stringFlag, UserError } from '../command.ts';

const VERSION = (process.env.INVIGIL_VERSION as string | undefined) ?? '0.1.0';

/**
 * The link to the console, when the seat is enrolled (`console` in the config, written by
 * `invigil enrol`). Without a console the agent runs standalone and its outbox keeps events for
 * when one is configured.
 */
function upstreamFor(config: AgentConfig): UpstreamLink | undefined {
  if (!config.console) return undefined;
  let ca: Buffer | undefined;
  if (config.console.ca) {
    try {
      ca = readFileSync(config.console.ca);
    } catch (error) {
      throw new UserError(`console.ca ${config.console.ca}: ${(error as Error).message}`, 2);
    }
  }
  return createConsoleLink({
    ...(ca ? { ca } : {}),
    url: config.console.url,
    seatId: config.console.seatId,
    credential: config.console.credential,
    pcName: config.seat.pcName ?? hostname(),
    ...(config.seat.place ? { place: config.seat.place } : {}),
    agentVersion: VERSION,
    os: `${platform()} ${release()}`,
    heartbeatMs: config.intervals.heartbeatMs,
  });
}

/**
 * Nothing that escapes a handler may end the seat's agent (every seat would show Offline, and a
 * candidate could stop the agent with one message): log it, bounded, and keep serving. Each handler
 * catches its own errors; this is the last net.
 */
function keepServing(log: { error(obj: object, msg?: string): void }): void {
  const say = (what: string) => (error: unknown) => {
    const e = error instanceof Error ? error : new Error(String(error).slice(0, 500));
    log.error(
      { err: { name: e.name, message: e.message.slice(0, 500), stack: e.stack?.slice(0, 2000) } },
      what,
    );
  };
  process.on('uncaughtException', say('an error escaped a handler; the agent keeps serving'));
  process.on('unhandledRejection', say('a promise was rejected and not handled; the agent keeps serving'));
}

export const agent: Command = {
  name: 'agent',
  summary: 'The seat daemon: machine checks, the link to the browser extension and to the console',
  help: `Usage: invigil agent --config FILE [--socket PATH] [--socket-access user|group]

Runs the seat's checks (kiosk-agent/checks/index.ts) on their intervals (programs every 500 ms;
windows and displays when the X server says they changed; the rest every 30 s), serves the local socket the browser's native host connects to, stores events durably
(SQLite) until the console acknowledges them, and reports the seat's status to the console named
in the config (after \`invigil enrol\`). Meant to run as a service: \`invigil install-service\`
runs it as root with the seat account's group and --socket-access group.
Only the installed native host, started by the managed browser, may speak for the extension on the
socket (the agent asks the kernel who connected; it must run as root to see that), one at a time; any
other program is refused, and the refusal is an incident on the console.
Logs are JSON lines (pino) on stdout; stop it with SIGTERM or Ctrl+C.

Flags:
  --config FILE    the seat's config file (JSON or YAML); required
  --socket PATH    the local socket (overrides the config's socketPath)
  --socket-access user|group
                   who may open the socket besides root: the agent's user (default), or also its
                   group (the installed service runs as root with the seat account's group)

Exit codes: 0 stopped cleanly, 2 bad config (or a config holding the seat's credential that users
other than root can read: chmod 600 it) or could not start.
`,
  options: { config: { type: 'string' }, socket: { type: 'string' }, 'socket-access': { type: 'string' } },
  async run(args: ParsedArgs) {
    const socketAccess = stringFlag(args, 'socket-access') ?? 'user';
    if (socketAccess !== 'user' && socketAccess !== 'group') {
      throw new UserError(`--socket-access must be user or group (got "${socketAccess}")`);
    }
    const file = stringFlag(args, 'config');
    if (!file) throw new UserError('--config FILE is required (the seat config, JSON or YAML)');
    let config: AgentConfig;
    try {
      config = loadConfig(file);
    } catch (error) {
      if (error instanceof ConfigError) throw new UserError(error.message, 2);
      throw error;
    }
    // The credential lets a PC report as this seat: refuse to run on a file others can read it in.
    const exposed = credentialExposure(file, config);
    if (exposed) throw new UserError(exposed, 2);
    const socket = stringFlag(args, 'socket');
    if (socket) config = { ...config, socketPath: socket };
    const log = pino({ level: config.log.level, base: { service: 'invigil-agent' } });
    keepServing(log);
    const upstream = upstreamFor(config);
    let running: Awaited<ReturnType<typeof startAgent>>;
    try {
      running = await startAgent({
        config,
        log,
        version: VERSION,
        socketAccess,
        ...(upstream ? { upstream } : {}),
      });
    } catch (error) {
      throw new UserError(`could not start: ${(error as Error).message}`, 2);
    }
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        running.stop().then(resolve, resolve);
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
    return 0;
  },
};
