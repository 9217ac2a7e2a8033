/**
 * The test side of the fixture native host (fixture-native-host.mjs): registers it for a test
 * profile (`<user-data-dir>/NativeMessagingHosts/uk.invigil.agent.json`, which Chromium reads per
 * profile) and drives it over a Unix control socket. It plays the part of `invigil native-host`:
 * answers `link/hello` with `link/status`, acknowledges event batches while the "agent" is
 * connected, and lets a test send any message (or raw bytes) to the extension.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EXTENSION_ID } from '../../shared/constants.ts';
import type { SeatEvent } from '../../shared/schemas/events.ts';
import { type ExtensionToHost, type HostToExtension, NATIVE_HOST_NAME } from '../../shared/schemas/native.ts';

/**
 * The host script beside this file. Benchmarks are bundled (scripts/bench.mjs), which pins
 * import.meta.dirname to the benchmark's folder, so fall back to the path from the repository root.
 */
function hostScript(): string {
  const candidates = [
    resolve(import.meta.dirname, 'fixture-native-host.mjs'),
    resolve(process.cwd(), 'test/helpers/fixture-native-host.mjs'),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`fixture-native-host.mjs not found (looked in ${candidates.join(', ')})`);
  return found;
}

export interface FixtureHostOptions {
  /** What the host says about the agent on `link/hello` (default `connected`). */
  agent?: 'connected' | 'unavailable';
  /** Acknowledge `event/batch` while the agent is connected (default true). */
  autoAck?: boolean;
}

export interface FixtureHost {
  /** Every message the extension sent, across every host process, in order. */
  readonly received: ExtensionToHost[];
  /** Events acknowledged so far (their ids). */
  readonly acked: Set<string>;
  /** How many host processes Chromium has started. */
  readonly starts: number;
  /** The arguments Chromium gave the latest host process (its first is the calling origin). */
  readonly lastArgs: string[];
  agent: 'connected' | 'unavailable';
  autoAck: boolean;
  send(message: HostToExtension | Record<string, unknown>): void;
  sendRaw(bytes: Buffer): void;
  /** The running host process exits (as if it crashed or was stopped). */
  exitHost(code?: number): void;
  /** Sets the agent's state and tells the extension (`link/status`). */
  setAgent(state: 'connected' | 'unavailable'): void;
  waitFor<T extends ExtensionToHost>(
    predicate: (m: ExtensionToHost) => m is T,
    timeoutMs?: number,
  ): Promise<T>;
  waitFor(predicate: (m: ExtensionToHost) => boolean, timeoutMs?: number): Promise<ExtensionToHost>;
  waitForStarts(count: number, timeoutMs?: number): Promise<void>;
  /** All events received in batches, by id (duplicates collapse, as the agent's store would). */
  eventsById(): Map<string, SeatEvent>;
  close(): Promise<void>;
}

/** Registers the fixture host in `userDataDir` (create it before launching Chromium on it). */
export async function installFixtureHost(
  userDataDir: string,
  options: FixtureHostOptions = {},
): Promise<FixtureHost> {
  const dir = mkdtempSync(join(tmpdir(), 'invigil-fixture-host-'));
  const socketPath = join(dir, 'control.sock');
  const wrapper = join(dir, 'host.sh');
  // Chromium runs `path` directly; a wrapper fixes the node binary and the control socket.
  writeFileSync(
    wrapper,
    `#!/bin/sh\nINVIGIL_FIXTURE_CONTROL='${socketPath}' exec '${process.execPath}' '${hostScript()}' "$@"\n`,
  );
  chmodSync(wrapper, 0o755);
  const manifests = join(userDataDir, 'NativeMessagingHosts');
  mkdirSync(manifests, { recursive: true });
  writeFileSync(
    join(manifests, `${NATIVE_HOST_NAME}.json`),
    JSON.stringify({
      name: NATIVE_HOST_NAME,
      description: 'Invigil test fixture host',
      path: wrapper,
      type: 'stdio',
      allowed_origins: [`chrome-extension://${EXTENSION_ID}/`],
    }),
  );

  const received: ExtensionToHost[] = [];
  const acked = new Set<string>();
  let current: Socket | null = null;
  let starts = 0;
  let lastArgs: string[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };

  const host: FixtureHost = {
    received,
    acked,
    get starts() {
      return starts;
    },
    get lastArgs() {
      return lastArgs;
    },
    agent: options.agent ?? 'connected',
    autoAck: options.autoAck ?? true,
    send(message) {
      current?.write(`${JSON.stringify({ kind: 'send', message })}\n`);
    },
    sendRaw(bytes) {
      current?.write(`${JSON.stringify({ kind: 'send-raw', base64: bytes.toString('base64') })}\n`);
    },
    exitHost(code = 0) {
      current?.write(`${JSON.stringify({ kind: 'exit', code })}\n`);
    },
    setAgent(state) {
      host.agent = state;
      host.send({ type: 'link/status', agent: state, detail: `fixture agent ${state}` });
    },
    waitFor(predicate: (m: ExtensionToHost) => boolean, timeoutMs = 30_000) {
      return new Promise<ExtensionToHost>((ok, fail) => {
        const check = () => {
          const found = received.find(predicate);
          if (found) {
            waiters.delete(check);
            clearTimeout(timer);
            ok(found);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          fail(
            new Error(
              `the fixture host never received the expected message; it has: ${JSON.stringify(received.map((m) => m.type))}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    waitForStarts(count, timeoutMs = 30_000) {
      return new Promise<void>((ok, fail) => {
        const check = () => {
          if (starts >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            ok();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          fail(new Error(`the host was started ${starts} times, not ${count}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    eventsById() {
      const map = new Map<string, SeatEvent>();
      for (const m of received) if (m.type === 'event/batch') for (const e of m.events) map.set(e.id, e);
      return map;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };

  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    let pending = '';
    socket.on('data', (chunk) => {
      pending += chunk.toString('utf8');
      let nl = pending.indexOf('\n');
      while (nl >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line.trim() !== '') handle(socket, JSON.parse(line));
        nl = pending.indexOf('\n');
      }
    });
    socket.on('close', () => {
      sockets.delete(socket);
      if (current === socket) current = null;
    });
    socket.on('error', () => undefined);
  });

  function handle(socket: Socket, line: { kind: string; message?: ExtensionToHost; args?: string[] }) {
    if (line.kind === 'started') {
      current = socket;
      starts++;
      lastArgs = line.args ?? [];
    } else if (line.kind === 'received' && line.message) {
      const message = line.message;
      received.push(message);
      // Behave like the real host: status on hello, acknowledgements while the agent is there.
      if (message.type === 'link/hello') {
        host.send({ type: 'link/status', agent: host.agent, detail: `fixture agent ${host.agent}` });
      } else if (message.type === 'event/batch' && host.autoAck && host.agent === 'connected') {
        const ids = message.events.map((e) => e.id);
        for (const id of ids) acked.add(id);
        host.send({ type: 'event/ack', ids });
      }
    }
    notify();
  }

  await new Promise<void>((r) => server.listen(socketPath, r));
  return host;
}
