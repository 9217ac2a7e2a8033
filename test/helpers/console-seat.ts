/**
 * A simulated exam seat driven by the real agent-side client (kiosk-agent/seat/console-link.ts):
 * an in-memory outbox and a status the test sets. Speaks the real protocol over a real socket.
 */
import { randomUUID } from 'node:crypto';
import { type ConsoleLink, createConsoleLink } from '../../kiosk-agent/seat/console-link.ts';
import type { OutboxReader, SeatInstruction } from '../../kiosk-agent/seat/upstream.ts';
import type { Finding } from '../../shared/schemas/common.ts';
import type { SeatEvent } from '../../shared/schemas/events.ts';
import type { SeatStatus } from '../../shared/schemas/protocol.ts';
import type { ConsoleClient } from './console-client.ts';

export class MemoryOutbox implements OutboxReader {
  readonly events: SeatEvent[] = [];
  readonly acknowledged: string[] = [];
  private listeners = new Set<() => void>();
  add(...events: SeatEvent[]): void {
    this.events.push(...events);
    for (const l of this.listeners) l();
  }
  peek(limit: number): SeatEvent[] {
    return this.events.slice(0, limit);
  }
  acknowledge(ids: readonly string[]): void {
    const set = new Set(ids);
    this.acknowledged.push(...ids);
    for (let i = this.events.length - 1; i >= 0; i--)
      if (set.has(this.events[i]?.id ?? '')) this.events.splice(i, 1);
  }
  onAdded(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export function statusOf(findings: Finding[]): SeatStatus {
  return {
    findings,
    checks: [],
    extension: { linked: true, reportAgeSeconds: 1 },
  };
}

export interface SeatCredentials {
  seatId: string;
  credential: string;
  pcName: string;
}

export interface SimulatedSeat extends SeatCredentials {
  link: ConsoleLink;
  outbox: MemoryOutbox;
  instructions: SeatInstruction[];
  setFindings(findings: Finding[]): void;
  waitFor<T>(pick: () => T | undefined | false, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

const quietLog = { info() {}, warn() {}, error() {} };

export function startSimulatedSeat(
  consoleUrl: string,
  creds: SeatCredentials,
  options: {
    log?: typeof quietLog;
    place?: string;
    onInstruction?: (i: SeatInstruction) => Promise<void>;
  } = {},
): SimulatedSeat {
  const outbox = new MemoryOutbox();
  let status = statusOf([]);
  const instructions: SeatInstruction[] = [];
  const link = createConsoleLink({
    url: consoleUrl,
    seatId: creds.seatId,
    credential: creds.credential,
    pcName: creds.pcName,
    agentVersion: 'test',
    backoff: { initialMs: 100, maxMs: 1000 },
    ...(options.place ? { place: options.place } : {}),
  });
  link.start({
    outbox,
    currentStatus: () => status,
    onInstruction: async (i) => {
      instructions.push(i);
      await options.onInstruction?.(i);
    },
    log: options.log ?? quietLog,
  });
  return {
    ...creds,
    link,
    outbox,
    instructions,
    setFindings(findings) {
      status = statusOf(findings);
      link.statusChanged();
    },
    async waitFor<T>(pick: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const v = pick();
        if (v !== undefined && v !== false) return v;
        if (Date.now() > deadline) throw new Error('timed out waiting on the simulated seat');
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    stop: () => link.stop(),
  };
}

/** Makes an enrolment code as the signed-in client, then enrols a PC with it (the real HTTP exchange). */
export async function enrolTestSeat(
  client: ConsoleClient,
  pcName: string,
  code?: string,
): Promise<SeatCredentials> {
  const { enrolSeat } = await import('../../kiosk-agent/seat/console-link.ts');
  let c = code;
  c ??= (await client.api.call('createEnrolmentCode', { body: { uses: 5 } })).code;
  const e = await enrolSeat({ consoleUrl: client.baseUrl, code: c, pcName });
  return { seatId: e.seatId, credential: e.credential, pcName };
}

export function event(type: 'event/focus-lost'): SeatEvent;
export function event(type: SeatEvent['type'], extra?: Record<string, unknown>): SeatEvent;
export function event(type: SeatEvent['type'], extra: Record<string, unknown> = {}): SeatEvent {
  return { id: randomUUID(), at: new Date().toISOString(), type, ...extra } as SeatEvent;
}

export const PASSWORD_MANAGER_FINDING: Finding = {
  code: 'password-manager',
  severity: 'block',
  message: 'A password manager is running',
  subject: 'KeePassXC',
  source: 'agent',
};
