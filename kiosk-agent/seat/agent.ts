/**
 * `invigil agent`: the seat daemon. Runs the machine checks on their intervals, serves the local
 * socket for native hosts, keeps the durable outbox, keeps the extension's latest report, computes
 * the seat's status, and hands outbox, status and instructions to the upstream link (the console
 * link, wired in cli/commands/agent.ts) when there is one. Without one it runs standalone: events
 * wait in the outbox for when a console is configured.
 */
import { randomUUID } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type Logger, pino } from 'pino';
import si from 'systeminformation';
import type { AgentConfig } from '../../shared/schemas/config.ts';
import type { SeatEvent } from '../../shared/schemas/events.ts';
import type { HostToExtension } from '../../shared/schemas/native.ts';
import type { SeatStatus } from '../../shared/schemas/protocol.ts';
import type { ComplianceReport } from '../../shared/schemas/report.ts';
import type { AnyCheck, CheckContext } from '../checks/check.ts';
import { type DisplaysState, displaysCheck } from '../checks/displays.ts';
import { EXTENSION_CHECK, evaluateExtension, expectedHeartbeatSeconds } from '../checks/extension-report.ts';
import { CHECKS, desktopSessionFor, guarded } from '../checks/index.ts';
import { agentFinding, checkError, checkResult } from '../checks/results.ts';
import type { DesktopSession } from '../desktop/desktop-session.ts';
import type { InstalledHost } from '../link-trust/connector.ts';
import { connectorExpectations, identifyPeer } from '../link-trust/identify.ts';
import { defaultSocketPath, type SocketAccess } from '../native-host/socket-path.ts';
import type { AgentSeatStatus, ClientToAgent } from '../native-host/socket-protocol.ts';
import { LinkAdmission } from './link-admission.ts';
import { type Client, LocalServer } from './local-server.ts';
import { Outbox } from './outbox.ts';
import { findingChanges, SeatState, statusSignature } from './seat-state.ts';
import type { SeatInstruction, UpstreamLink } from './upstream.ts';

/**
 * How long after start the agent waits for the extension's first report before recording its
 * silence as an event (three of the extension's default heartbeats). The seat is Not ready meanwhile.
 */
export const EXTENSION_STARTUP_GRACE_MS = 15_000;

export interface StartAgentOptions {
  config: AgentConfig;
  /** The link to the console; omit to run standalone. */
  upstream?: UpstreamLink;
  /** Who may open the local socket besides root: the agent's user (default) or also its group. */
  socketAccess?: SocketAccess;
  log?: Logger;
  version?: string;
  /**
   * The installed native host's Node and invigil.js (default: the ones this process runs, as in the
   * installed service). Tests that run the agent inside the test runner name the built one.
   */
  installedHost?: InstalledHost;
}

export interface RunningAgent {
  readonly socketPath: string;
  readonly dbFile: string;
  readonly outbox: Outbox;
  status(): AgentSeatStatus;
  /** Resolves once every check has run at least once. */
  readonly firstRound: Promise<void>;
  stop(): Promise<void>;
}

export function defaultDataDir(): string {
  if (process.platform === 'win32')
    return join(process.env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'Invigil');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Invigil');
  if (process.getuid?.() === 0) return '/var/lib/invigil';
  return join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'invigil');
}

/** The seat's checklist groups: every registered check, then the extension's report. */
const GROUPS = [...CHECKS.map((c) => c.id), 'extension'];

/** Runs `fn` every `ms`, never two at once; `stop()` waits for a run in progress. */
function every(
  ms: number,
  fn: () => Promise<void>,
  onError: (error: unknown) => void,
): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = fn()
      .catch(onError)
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, ms);
      });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running.catch(() => undefined);
    },
  };
}

export async function startAgent(options: StartAgentOptions): Promise<RunningAgent> {
  const { config } = options;
  const version = options.version ?? '0.0.0';
  const log = options.log ?? pino({ level: config.log.level, base: { service: 'invigil-agent' } });
  const socketPath = config.socketPath ?? defaultSocketPath();
  const dbFile = join(config.dataDir ?? defaultDataDir(), 'agent.sqlite');
  const outbox = new Outbox(dbFile);
  const state = new SeatState(config.severity, GROUPS);
  let latestReport: { report: ComplianceReport; receivedAt: number } | undefined;
  const active = outbox.activeFindings();
  let lastSignature = '';
  let stopping = false;

  const addEvents = (events: SeatEvent[]) => {
    if (events.length > 0) outbox.add(events);
  };
  const event = <T extends SeatEvent['type']>(
    type: T,
    fields: Omit<Extract<SeatEvent, { type: T }>, 'id' | 'at' | 'type'>,
  ) => ({ id: randomUUID(), at: new Date().toISOString(), type, ...fields }) as unknown as SeatEvent;

  // ---- the local socket ----
  const pendingMessages = new Map<string, { message: HostToExtension; resolve: () => void }>();
  let pendingGate: { message: Extract<HostToExtension, { type: 'seat/gate' }>; resolve: () => void } | null =
    null;
  const expectations = connectorExpectations(config, socketPath, options.installedHost);
  const refusals = new RefusalRecorder();
  const admission = new LinkAdmission(config.link.accept, (r) => {
    const p = r.client.peer?.process ?? null;
    const parent = r.client.peer?.parent ?? null;
    const peer = {
      pid: p?.pid ?? null,
      executable: p?.executable?.slice(0, 1000) ?? null,
      user: p?.user?.slice(0, 200) ?? null,
      parentPid: p?.parentPid ?? null,
      parentExecutable: parent?.executable?.slice(0, 1000) ?? null,
    };
    log.warn({ client: r.client.id, peer, reason: r.reason, second: r.second }, 'refused a connector');
    if (stopping) return;
    const recorded = refusals.record(
      `${r.second}\0${peer.executable}\0${peer.user}\0${peer.parentExecutable}`,
    );
    if (recorded === null) return;
    addEvents([
      event('event/connector-refused', {
        reason: r.reason.slice(0, 2000),
        second: r.second,
        peer,
        ...(recorded > 0 ? { repeats: recorded } : {}),
      }),
    ]);
  });
  const linkedClient = () => {
    const c = admission.linked();
    return c && c.extension !== null ? c : null;
  };
  const linked = () => linkedClient() !== null;

  const server: LocalServer = new LocalServer(
    socketPath,
    {
      log,
      message(client, message) {
        handleClientMessage(client, message);
      },
      identify: (socket, pid) => identifyPeer(socket, expectations, pid),
      closed(client) {
        const wasHolder = admission.holds(client);
        admission.closed(client);
        // While the agent itself stops, links close because of it: nothing to record, and the
        // store may already be closed.
        if (stopping) return;
        if (wasHolder && client.extension !== null) {
          log.info({ client: client.id }, 'the extension disconnected');
          if (!linked()) addEvents([event('event/extension-link', { connected: false })]);
          recompute();
        }
      },
    },
    options.socketAccess ?? 'user',
  );

  /** Messages only the one connection that speaks for the browser may send. */
  const speaksForBrowser = (message: ClientToAgent) =>
    message.type === 'socket/hello'
      ? message.role === 'native-host'
      : message.type !== 'agent/status-request';

  function handleClientMessage(client: Client, message: ClientToAgent): void {
    if (speaksForBrowser(message)) {
      admission.request(client, () => handleLinkMessage(client, message));
      return;
    }
    handleLinkMessage(client, message);
  }

  function handleLinkMessage(client: Client, message: ClientToAgent): void {
    switch (message.type) {
      case 'socket/hello':
        client.role = message.role;
        return;
      case 'agent/status-request':
        client.send({
          type: 'agent/status',
          status: currentStatus(),
          outbox: outbox.count(),
          consoleConnected: options.upstream?.connected ?? false,
        });
        return;
      case 'link/hello': {
        const wasLinked = linked();
        client.role = 'native-host';
        client.extension = { version: message.extensionVersion };
        log.info({ client: client.id, version: message.extensionVersion }, 'the extension connected');
        if (!wasLinked) addEvents([event('event/extension-link', { connected: true })]);
        // Instructions not yet carried out go to the newly connected extension.
        if (pendingGate) client.send(pendingGate.message);
        for (const p of pendingMessages.values()) client.send(p.message);
        recompute();
        return;
      }
      case 'report/compliance':
        latestReport = { report: message.report, receivedAt: Date.now() };
        if (pendingGate && gateSatisfied(pendingGate.message.state, message.report.gate)) {
          pendingGate.resolve();
          pendingGate = null;
        }
        evaluateExtensionNow();
        return;
      case 'event/batch': {
        // Acknowledge only what is committed: a failure to store means no ack, and the extension keeps them.
        try {
          outbox.add(message.events);
        } catch (error) {
          log.error({ err: error }, 'could not store events');
          client.send({
            type: 'link/error',
            error: `the agent could not store the events: ${(error as Error).message}`,
            inReplyTo: 'event/batch',
          });
          return;
        }
        client.send({ type: 'event/ack', ids: message.events.map((e) => e.id) });
        return;
      }
      case 'instruction/ack': {
        const p = pendingMessages.get(message.instructionId);
        if (p) {
          pendingMessages.delete(message.instructionId);
          p.resolve();
        }
        return;
      }
    }
  }

  const gateSatisfied = (wanted: 'held' | 'released', actual: ComplianceReport['gate']) =>
    actual === wanted || (wanted === 'released' && actual === 'open');

  function broadcast(message: HostToExtension): void {
    linkedClient()?.send(message);
  }

  /** Forwards a console instruction to the extension; resolves when the extension has carried it out. */
  function onInstruction(instruction: SeatInstruction): Promise<void> {
    return new Promise<void>((resolve) => {
      if (instruction.type === 'instruction/show-message') {
        const message: HostToExtension = {
          type: 'seat/message',
          instructionId: instruction.instructionId,
          text: instruction.text,
        };
        pendingMessages.set(instruction.instructionId, { message, resolve });
        broadcast(message);
        return;
      }
      const message = {
        type: 'seat/gate' as const,
        state: instruction.state,
        ...(instruction.candidateName !== undefined ? { candidateName: instruction.candidateName } : {}),
        ...(instruction.seatLabel !== undefined ? { seatLabel: instruction.seatLabel } : {}),
        ...(instruction.paused ? { paused: true } : {}),
      };
      // The newest gate instruction wins; the one it replaces is done (overtaken).
      pendingGate?.resolve();
      // The seat/gate message has no id to acknowledge: the extension's next report shows the gate's state.
      pendingGate = { message, resolve };
      broadcast(message);
    });
  }

  // ---- status ----
  function extensionInfo(): SeatStatus['extension'] {
    return {
      linked: linked(),
      reportAgeSeconds: latestReport ? Math.max(0, (Date.now() - latestReport.receivedAt) / 1000) : null,
    };
  }
  let firstRoundDone = false;
  const startedAt = Date.now();
  /**
   * The findings worth recording as events. At start-up the browser's first report can arrive a few
   * seconds after the agent's first checks (at every boot, or when the agent restarts): until one
   * report has arrived, or the grace has passed, "no report yet" keeps the seat Not ready but is not
   * news, so it does not become an incident in the record.
   */
  function newsworthy(findings: SeatStatus['findings']): SeatStatus['findings'] {
    if (latestReport || Date.now() - startedAt >= EXTENSION_STARTUP_GRACE_MS) return findings;
    return findings.filter((f) => f.code !== 'extension-silent');
  }
  function currentStatus(): AgentSeatStatus {
    const status = state.status(extensionInfo());
    if (firstRoundDone) return status;
    // Fail closed until every check has run once: a check not yet run has not passed.
    const waiting = checkError(
      'agent',
      'The agent has finished its first checks',
      new Error('the first round of checks has not finished yet'),
    );
    return {
      ...status,
      state: 'not-ready',
      findings: [...(waiting.findings ?? []), ...status.findings].slice(0, 200),
    };
  }

  /**
   * Recomputes the status: records finding changes as events, tells upstream when it changed.
   * Not before the first round: half a round would raise and clear findings that were never news.
   */
  function recompute(): void {
    if (stopping || !firstRoundDone) return;
    const status = currentStatus();
    const changes = findingChanges(active, newsworthy(status.findings));
    if (changes.events.length > 0) {
      outbox.recordFindingChanges(changes.raised, changes.cleared, changes.events);
      for (const [k, f] of changes.raised) active.set(k, f);
      for (const k of changes.cleared) active.delete(k);
      for (const e of changes.events)
        log.info({ event: e }, e.type === 'event/finding-raised' ? 'finding raised' : 'finding cleared');
    }
    const signature = statusSignature(status);
    if (signature !== lastSignature) {
      lastSignature = signature;
      log.info({ state: status.state, findings: status.findings.length }, 'seat status changed');
      options.upstream?.statusChanged();
    }
  }

  const lastResults = new Map<string, string>();
  const lastArrays = new Map<string, unknown>();
  function setGroup(group: string, results: Parameters<SeatState['set']>[1]): void {
    // The same lines as last time (most runs of most checks): nothing to recompute. A check that
    // found nothing new hands back the very same array.
    if (lastArrays.get(group) === results) return;
    lastArrays.set(group, results);
    const key = JSON.stringify(results);
    if (lastResults.get(group) === key) return;
    lastResults.set(group, key);
    state.set(group, results);
    recompute();
  }

  const heartbeatSeconds = expectedHeartbeatSeconds(config);
  function evaluateExtensionNow(): void {
    const lastDisplays = (runners.find((r) => r.check === displaysCheck)?.state as DisplaysState | undefined)
      ?.latest;
    const e = evaluateExtension(
      { ...(latestReport ?? {}), linked: linked(), ...(lastDisplays ? { displays: lastDisplays } : {}) },
      Date.now(),
      config.browser.requireExtension,
      heartbeatSeconds,
    );
    const unchecked =
      config.link.accept === 'any'
        ? [
            checkResult(
              EXTENSION_CHECK.id,
              EXTENSION_CHECK.title,
              [
                agentFinding(
                  'connector-unchecked',
                  "This seat's config (link.accept: any) lets any program that can open the agent's socket speak for the browser.",
                  { subject: 'link.accept' },
                ),
              ],
              '',
            ),
          ]
        : [];
    setGroup('extension', [e.line, ...unchecked, ...e.reportChecks]);
  }

  // ---- checks: every one in the registry (checks/index.ts), each on its own interval ----
  // Windows: one long-lived PowerShell for systeminformation, instead of starting one per listing.
  if (process.platform === 'win32') si.powerShellStart();
  const desktop = desktopSessionFor(config);
  const runners = CHECKS.map((check) => new CheckRunner(check, config, desktop, log, setGroup));
  try {
    await server.listen();
  } catch (error) {
    outbox.close();
    throw error;
  }
  addEvents([event('event/agent-started', { version })]);
  log.info(
    { socket: socketPath, store: dbFile, checks: CHECKS.map((c) => c.id), version },
    'Invigil agent started',
  );
  if (config.link.accept === 'installed-host' && process.platform !== 'win32' && process.getuid?.() !== 0) {
    log.warn(
      { link: config.link.accept },
      'the agent does not run as root, so it cannot see which program connects to its socket: every native host will be refused. Run it as root (invigil install-service), or set link.accept: any for development',
    );
  }

  let firstDone: () => void = () => {};
  const firstRound = new Promise<void>((r) => {
    firstDone = r;
  });
  // Fail closed until every check has run once (see currentStatus).
  void Promise.all(runners.map((r) => r.firstRun)).then(() => {
    if (firstRoundDone || stopping) return;
    firstRoundDone = true;
    recompute();
    firstDone();
  });
  for (const r of runners) r.start();
  const onError = (error: unknown) => log.error({ err: error }, 'a check round failed');
  const loops = [every(1000, async () => evaluateExtensionNow(), onError)];
  // The grace's end changes what is news without changing any check's lines (which alone trigger a
  // recompute): a silence that outlasts it is recorded then, not at the next change.
  const graceEnd = setTimeout(recompute, Math.max(0, startedAt + EXTENSION_STARTUP_GRACE_MS - Date.now()));
  graceEnd.unref();

  options.upstream?.start({
    outbox,
    currentStatus,
    onInstruction,
    log,
  });

  return {
    socketPath,
    dbFile,
    outbox,
    status: currentStatus,
    firstRound,
    async stop() {
      if (stopping) return;
      stopping = true;
      clearTimeout(graceEnd);
      admission.stop();
      await Promise.all([...loops.map((l) => l.stop()), ...runners.map((r) => r.stop())]);
      desktop.close();
      await options.upstream?.stop();
      await server.close();
      outbox.close();
      if (process.platform === 'win32') si.powerShellRelease();
      log.info({}, 'Invigil agent stopped');
    },
  };
}

/**
 * Runs one check on its interval in the daemon: never two runs at once, woken early when its source
 * says something changed (a burst of wake-ups makes one run, 15 ms later), its results handed to the
 * seat's state. `firstRun` resolves when it has run once (its lines are known, passed or not).
 */
export class CheckRunner {
  readonly state: unknown;
  readonly firstRun: Promise<void>;
  private markFirst: () => void = () => {};
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly ctx: CheckContext;

  constructor(
    readonly check: AnyCheck,
    private readonly config: AgentConfig,
    desktop: DesktopSession,
    private readonly log: Logger,
    private readonly publish: (group: string, results: Parameters<SeatState['set']>[1]) => void,
  ) {
    this.firstRun = new Promise((r) => {
      this.markFirst = r;
    });
    this.ctx = { config, daemon: true, desktop, wake: () => this.wake(), log };
    this.state = check.setup?.(this.ctx);
  }

  start(): void {
    this.schedule(0);
  }

  /** Something changed: run soon (once for a burst), or once more right after the run in progress. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(15);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), ms);
  }

  private tick(): void {
    if (this.stopped || this.running) return;
    const c = this.check;
    this.running = guarded(c.lines, () => c.run(this.ctx, this.state))
      .then((results) => {
        if (!this.stopped) this.publish(c.id, results);
        this.markFirst();
      })
      .catch((error: unknown) => this.log.error({ err: error, check: c.id }, 'a check failed'))
      .finally(() => {
        this.running = null;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          this.schedule(0);
        } else this.schedule(c.intervalMs(this.config));
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    await this.check.stop?.(this.state);
  }
}

/**
 * At most one refusal incident per kind of connector every 30 s (a program that retries in a loop
 * must not flood the record); the ones in between are counted into the next.
 */
export class RefusalRecorder {
  private readonly seen = new Map<string, { last: number; suppressed: number }>();

  constructor(private readonly everyMs = 30_000) {}

  /** The number suppressed since the last one recorded, or null when this one is suppressed. */
  record(key: string, now = Date.now()): number | null {
    const s = this.seen.get(key);
    if (s && now - s.last < this.everyMs) {
      s.suppressed++;
      return null;
    }
    if (this.seen.size > 1000) this.seen.clear();
    this.seen.set(key, { last: now, suppressed: 0 });
    return s?.suppressed ?? 0;
  }
}
