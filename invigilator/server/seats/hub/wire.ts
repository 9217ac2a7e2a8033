/**
 * Sending to a seat: one JSON text frame, never to a socket that is not reading (more than
 * MAX_UNSENT_BYTES waiting: closed, and the seat reconnects and resumes from its outbox), and
 * `console/error` for what the console refused (docs/protocol.md, section 7).
 */
import type { WebSocket } from 'ws';
import type { ConsoleErrorCode, ConsoleToSeat } from '../../../../shared/schemas/protocol.ts';
import type { HubState } from './hub-state.ts';

/** A socket with this much waiting to be sent is not reading: it is closed (it reconnects and resumes from its outbox). */
export const MAX_UNSENT_BYTES = 1024 * 1024;
/** Close code for a socket dropped for falling behind or flooding: reconnect, and send less. */
export const CLOSE_TOO_MUCH = 4008;

/** Closed with a reason; cut off if the peer does not take the close within a few seconds (it is not reading). */
export function dropSocket(ws: WebSocket, reason: string): void {
  if (ws.readyState !== ws.OPEN) return;
  ws.close(CLOSE_TOO_MUCH, reason);
  setTimeout(() => ws.terminate(), 5000).unref();
}

export function send(h: HubState, ws: WebSocket, message: ConsoleToSeat): void {
  if (ws.readyState !== ws.OPEN) return;
  if (ws.bufferedAmount > MAX_UNSENT_BYTES) {
    h.stats.dropped++;
    h.log.warn({ unsent: ws.bufferedAmount }, 'seat not reading: disconnected');
    dropSocket(ws, 'not reading: reconnect');
    return;
  }
  ws.send(JSON.stringify(message));
}

/** `console/error` for a refused message or event, with whatever identifies it (docs/protocol.md, section 7). */
export function refuseMessage(
  h: HubState,
  ws: WebSocket,
  e: {
    code: ConsoleErrorCode;
    error: string;
    messageType?: string | undefined;
    inReplyTo?: string | undefined;
    seq?: number | undefined;
    events?: Extract<ConsoleToSeat, { type: 'console/error' }>['events'];
  },
): void {
  h.stats.badMessages++;
  send(h, ws, {
    type: 'console/error',
    code: e.code,
    error: e.error.slice(0, 2000),
    ...(e.messageType ? { messageType: e.messageType.slice(0, 64) } : {}),
    ...(e.inReplyTo ? { inReplyTo: e.inReplyTo } : {}),
    ...(e.seq !== undefined ? { seq: e.seq } : {}),
    ...(e.events ? { events: e.events } : {}),
  });
}
