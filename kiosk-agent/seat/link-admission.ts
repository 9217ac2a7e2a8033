/**
 * Which connection on the local socket speaks for the browser: at most one at a time, and (unless the
 * seat's config says `link.accept: any`) only one the OS shows to be the installed native host started
 * by the managed browser (kiosk-agent/link-trust/connector.ts).
 *
 * A connection is judged the first time it claims the role: `socket/hello` as a native host, or any of
 * the extension's messages. Refused, it hears why and is closed, and the agent records an incident.
 * A second genuine host while one is linked waits a moment (a browser that restarts its host starts the
 * new one as the old one exits), then is refused as "a second connector" if the first is still there.
 */
import type { Client } from './local-server.ts';

export type AdmissionMode = 'installed-host' | 'any';

export interface Refusal {
  client: Client;
  reason: string;
  second: boolean;
}

interface Pending {
  queue: (() => void)[];
  timer: NodeJS.Timeout;
}

/** Messages queued for one connection while it waits for the linked one to go. */
const MAX_QUEUED = 100;

export class LinkAdmission {
  private holder: Client | null = null;
  private readonly admitted = new WeakSet<Client>();
  private readonly refused = new WeakSet<Client>();
  private readonly pending = new Map<Client, Pending>();

  constructor(
    private readonly mode: AdmissionMode,
    private readonly onRefused: (r: Refusal) => void,
    private readonly graceMs = 1000,
  ) {}

  /** The connection that speaks for the browser now, if any. */
  linked(): Client | null {
    return this.holder && !this.holder.closed ? this.holder : null;
  }

  /** Whether `client` is (or, closing, was) the connection that speaks for the browser. */
  holds(client: Client): boolean {
    return this.holder === client;
  }

  /**
   * Runs `handle` once `client` may speak for the browser (at once, or after a wait); never when it
   * is refused.
   */
  request(client: Client, handle: () => void): void {
    if (this.admitted.has(client)) {
      handle();
      return;
    }
    if (this.refused.has(client) || client.closed) return;
    const waiting = this.pending.get(client);
    if (waiting) {
      if (waiting.queue.length >= MAX_QUEUED) {
        this.refuse(client, 'it sent too many messages while another host was linked', true);
        return;
      }
      waiting.queue.push(handle);
      return;
    }
    if (this.mode === 'installed-host') {
      const verdict = client.peer?.verdict ?? {
        ok: false as const,
        reason: 'the agent could not tell which program connected',
      };
      if (!verdict.ok) {
        this.refuse(client, verdict.reason, false);
        return;
      }
    }
    if (!this.linked()) {
      this.admit(client);
      handle();
      return;
    }
    const timer = setTimeout(() => {
      const p = this.pending.get(client);
      this.pending.delete(client);
      if (!p || client.closed) return;
      const current = this.linked();
      if (current && current !== client) {
        const who = current.peer?.process?.pid;
        this.refuse(
          client,
          `a native host is already linked${who ? ` (process ${who})` : ''}: one at a time`,
          true,
        );
        return;
      }
      this.admit(client);
      for (const h of p.queue) h();
    }, this.graceMs);
    timer.unref();
    this.pending.set(client, { queue: [handle], timer });
  }

  /** A connection closed. */
  closed(client: Client): void {
    const p = this.pending.get(client);
    if (p) clearTimeout(p.timer);
    this.pending.delete(client);
    if (this.holder === client) this.holder = null;
  }

  stop(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
  }

  private admit(client: Client): void {
    this.admitted.add(client);
    this.holder = client;
  }

  private refuse(client: Client, reason: string, second: boolean): void {
    const p = this.pending.get(client);
    if (p) clearTimeout(p.timer);
    this.pending.delete(client);
    this.refused.add(client);
    client.refuse(
      second
        ? `refused: a second connector tried to speak for the browser (${reason})`
        : `refused: only the installed Invigil native host, started by the managed browser, may speak for it (${reason})`,
    );
    this.onRefused({ client, reason, second });
  }
}
