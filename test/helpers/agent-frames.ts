/**
 * The browser's side of native messaging, for tests: starts the host program as Chromium does
 * (the extension's origin as first argument, frames on stdin/stdout) and reads what it answers.
 * Also a raw client for the agent's local socket, and a valid compliance report to send.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { FrameReader } from '../../kiosk-agent/native-host/framing.ts';
import { EXTENSION_ID } from '../../shared/constants.ts';
import type { SeatEvent } from '../../shared/schemas/events.ts';
import { POLICY_DEFAULTS } from '../../shared/schemas/policy.ts';
import type { ComplianceReport } from '../../shared/schemas/report.ts';
import { EXTENSION_ORIGIN, INVIGIL } from './agent-cli.ts';

export function frame(message: unknown): Buffer {
  const body = Buffer.from(typeof message === 'string' ? message : JSON.stringify(message), 'utf8');
  const head = Buffer.alloc(4);
  head.writeUInt32LE(body.length, 0);
  return Buffer.concat([head, body]);
}

/** Collects frames from a byte stream. */
class FrameCollector {
  private readonly reader = new FrameReader(64 * 1024 * 1024);
  readonly messages: Record<string, unknown>[] = [];
  private waiters: (() => void)[] = [];

  push(chunk: Buffer): void {
    for (const f of this.reader.push(chunk)) {
      if (!f.ok) throw new Error(`the other side sent a broken frame: ${f.error}`);
      this.messages.push(f.message as Record<string, unknown>);
    }
    for (const w of this.waiters.splice(0)) w();
  }

  /** The first message (from index `from` on) that matches; waits for it. */
  async next(
    match: (m: Record<string, unknown>) => boolean,
    timeoutMs = 20_000,
    from = 0,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.slice(from).find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no matching message; got ${JSON.stringify(this.messages).slice(0, 2000)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 500));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }
}

export interface HostUnderTest {
  child: ChildProcess;
  received: Record<string, unknown>[];
  send(message: unknown): void;
  sendRaw(bytes: Buffer): void;
  next(
    match: (m: Record<string, unknown>) => boolean,
    timeoutMs?: number,
    from?: number,
  ): Promise<Record<string, unknown>>;
  stderr(): string;
  /** Closes stdin (as the browser does) and waits for the exit code. */
  close(): Promise<number | null>;
  exited: Promise<number | null>;
}

/** Starts `invigil native-host` (or another program, such as install-host's wrapper) as Chromium would. */
export function startHost(opts: {
  socket?: string;
  program?: string;
  origin?: string | null;
}): HostUnderTest {
  const origin = opts.origin === undefined ? EXTENSION_ORIGIN : opts.origin;
  const args = opts.program
    ? [...(origin ? [origin] : [])]
    : [
        INVIGIL,
        'native-host',
        ...(origin ? [origin] : []),
        ...(opts.socket ? ['--socket', opts.socket] : []),
      ];
  const child = spawn(opts.program ?? process.execPath, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { PATH: '/usr/bin:/bin' },
  });
  const collector = new FrameCollector();
  let err = '';
  child.stdout?.on('data', (d: Buffer) => collector.push(d));
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  child.stdin?.on('error', () => {}); // the host may exit before we finish writing: that is what some tests check
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    received: collector.messages,
    send: (m) => child.stdin?.write(frame(m)),
    sendRaw: (b) => child.stdin?.write(b),
    next: (match, t, from) => collector.next(match, t, from),
    stderr: () => err,
    async close() {
      child.stdin?.end();
      return exited;
    },
    exited,
  };
}

/** A raw connection to the agent's local socket. */
export async function connectAgentSocket(path: string): Promise<{
  socket: Socket;
  received: Record<string, unknown>[];
  send(message: unknown): void;
  next(
    match: (m: Record<string, unknown>) => boolean,
    timeoutMs?: number,
    from?: number,
  ): Promise<Record<string, unknown>>;
  closed: Promise<void>;
}> {
  const socket = connect(path);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const collector = new FrameCollector();
  socket.on('data', (d: Buffer) => collector.push(d));
  socket.on('error', () => {});
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  return {
    socket,
    received: collector.messages,
    send: (m) => socket.write(frame(m)),
    next: (m, t, f) => collector.next(m, t, f),
    closed,
  };
}

export const hello = {
  type: 'link/hello',
  protocol: 1,
  extensionId: EXTENSION_ID,
  extensionVersion: '0.1.0',
};

export function sampleReport(overrides: Partial<ComplianceReport> = {}): ComplianceReport {
  const off = { value: false, levelOfControl: 'not_controllable' as const, off: true };
  return {
    schemaVersion: 1,
    sequence: 1,
    generatedAt: new Date().toISOString(),
    trigger: 'heartbeat',
    heartbeatSeconds: 1,
    extension: { id: EXTENSION_ID, version: '0.1.0', installType: 'admin', managed: true },
    browser: { name: 'chromium', version: '150.0.0.0', userAgent: 'test' },
    policy: { source: 'managed', valid: true, errors: [], effective: POLICY_DEFAULTS },
    siteBlocking: { active: true, allowedHosts: ['theimi.org.uk'], ruleCount: 3 },
    privacy: { passwordSaving: off, autofillAddress: off, autofillCreditCard: off },
    extensions: [],
    downloads: { blocked: true, blockedCount: 0 },
    gate: 'open',
    agentLinked: true,
    checks: [
      {
        id: 'site-blocking',
        title: 'Only the assessment site can be opened',
        status: 'pass',
        summary: 'Site blocking is on.',
        findings: [],
      },
    ],
    ...overrides,
  };
}

export function focusLost(): SeatEvent {
  return { id: randomUUID(), at: new Date().toISOString(), type: 'event/focus-lost' };
}
