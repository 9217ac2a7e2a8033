/**
 * A seat socket that sends whatever the test writes, byte for byte: the attacker's view of the seat
 * protocol (a PC with a valid credential, or none). Collects what the console sends back.
 */

import WebSocket from 'ws';
import type { ConsoleToSeat } from '../../shared/schemas/protocol.ts';
import { SEAT_PROTOCOL_VERSION } from '../../shared/schemas/protocol.ts';
import type { SeatCredentials } from './console-seat.ts';

export interface RawSeat {
  ws: WebSocket;
  received: ConsoleToSeat[];
  /** Set once the socket closed: the close code and reason. */
  closed: { code: number; reason: string } | null;
  send(text: string | Buffer): void;
  /** Sends `seat/hello` and waits for `console/welcome`. */
  hello(pcName?: string): Promise<void>;
  /** The first message from index `from` on that `pick` accepts. */
  waitFor<T>(pick: (m: ConsoleToSeat) => T | undefined, timeoutMs?: number, from?: number): Promise<T>;
  waitClosed(timeoutMs?: number): Promise<{ code: number; reason: string }>;
  close(): void;
}

export function seatUrl(consoleUrl: string): string {
  return `${consoleUrl.replace(/^http/, 'ws')}/seat`;
}

/** Opens the seat socket with these credentials; resolves once open, rejects with the HTTP status if refused. */
export async function openRawSeat(
  consoleUrl: string,
  creds: Pick<SeatCredentials, 'seatId' | 'credential'>,
  options: { maxPayload?: number } = {},
): Promise<RawSeat> {
  const ws = new WebSocket(seatUrl(consoleUrl), {
    headers: { authorization: `Bearer ${creds.credential}`, 'x-invigil-seat': creds.seatId },
    maxPayload: options.maxPayload ?? 4 * 1024 * 1024,
  });
  const received: ConsoleToSeat[] = [];
  const waiters = new Set<() => void>();
  const seat: RawSeat = {
    ws,
    received,
    closed: null,
    send(text) {
      ws.send(text);
    },
    async hello(pcName = 'RAW-PC') {
      const before = received.length;
      ws.send(
        JSON.stringify({
          type: 'seat/hello',
          protocol: SEAT_PROTOCOL_VERSION,
          agentVersion: 'raw',
          pcName,
          os: 'test',
        }),
      );
      await seat.waitFor((m) => (m.type === 'console/welcome' ? m : undefined), 10_000, before);
    },
    waitFor<T>(pick: (m: ConsoleToSeat) => T | undefined, timeoutMs = 10_000, from = 0): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        let seen = from;
        const check = (): boolean => {
          for (; seen < received.length; seen++) {
            const hit = pick(received[seen] as ConsoleToSeat);
            if (hit !== undefined) {
              done();
              resolve(hit);
              return true;
            }
          }
          if (seat.closed) {
            done();
            reject(new Error(`the seat socket closed (${seat.closed.code} ${seat.closed.reason})`));
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error('timed out waiting for a message from the console'));
        }, timeoutMs);
        const waiter = () => void check();
        const done = () => {
          clearTimeout(timer);
          waiters.delete(waiter);
        };
        if (!check()) waiters.add(waiter);
      });
    },
    waitClosed(timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        if (seat.closed) return resolve(seat.closed);
        const timer = setTimeout(() => reject(new Error('the seat socket did not close')), timeoutMs);
        ws.once('close', (code, reason) => {
          clearTimeout(timer);
          resolve({ code, reason: reason.toString() });
        });
      });
    },
    close() {
      ws.terminate();
    },
  } as RawSeat;
  ws.on('message', (data) => {
    try {
      received.push(JSON.parse(data.toString()) as ConsoleToSeat);
    } catch {
      // The console only sends JSON; anything else fails the test through what it waits for.
    }
    for (const w of [...waiters]) w();
  });
  ws.on('close', (code, reason) => {
    seat.closed = { code, reason: reason.toString() };
    for (const w of [...waiters]) w();
  });
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      reject(
        Object.assign(new Error(`seat socket refused: HTTP ${res.statusCode}`), { status: res.statusCode }),
      );
    });
    ws.once('error', reject);
  });
  return seat;
}

/** An array nested `depth` levels deep, as text (built without recursion). */
export function deepArrayText(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}
