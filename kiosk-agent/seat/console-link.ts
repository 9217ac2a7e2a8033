/**
 * The agent's link to the invigilator's console (implements UpstreamLink): the seat protocol over a
 * WebSocket (shared/schemas/protocol.ts, docs/protocol.md).
 *
 * - Authenticates with the seat's credential; reconnects with backoff (0.5 s doubling to 15 s, with
 *   jitter so that a room of PCs does not reconnect in lockstep) until stopped.
 * - Sends `seat/hello`, then on `console/welcome` the current status, then a heartbeat every second
 *   and the status again on every change.
 * - Drains the durable outbox as `seat/events`, one batch in flight at a time, and deletes events
 *   from the outbox only when the console acknowledges their ids; a batch unacknowledged when the
 *   connection drops is sent again on the next one (the console ignores ids it already has).
 * - Carries out instructions through the daemon and acknowledges each once it has been carried out.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { hostname, platform, release } from 'node:os';
import WebSocket from 'ws';
import {
  type ConsoleToSeat,
  ConsoleToSeatSchema,
  ENROL_PATH,
  type EnrolResponse,
  EnrolResponseSchema,
  MAX_SEAT_EVENTS_PER_MESSAGE,
  SEAT_ID_HEADER,
  SEAT_PROTOCOL_VERSION,
  SEAT_SOCKET_PATH,
  type SeatToConsole,
} from '../../shared/schemas/protocol.ts';
import type { SeatInstruction, UpstreamDeps, UpstreamLink } from './upstream.ts';

export interface ConsoleLinkOptions {
  /** The console's address from the config (`http://` or `https://`; `ws://`/`wss://` also accepted). */
  url: string;
  seatId: string;
  credential: string;
  /** PC reference shown to the invigilator. */
  pcName: string;
  /** Where the seat is in the room, if the config says. */
  place?: string;
  agentVersion: string;
  os?: string;
  /** Until the console's welcome says otherwise. */
  heartbeatMs?: number;
  /** Certificates to trust for an https console (PEM), besides the publicly trusted ones. */
  ca?: string | Buffer;
  backoff?: { initialMs: number; maxMs: number };
}

export interface ConsoleLink extends UpstreamLink {
  /** Times connected and welcomed, for diagnostics. */
  readonly connections: number;
}

/** The WebSocket address of the console's seat endpoint. */
export function seatSocketUrl(consoleUrl: string): string {
  const u = new URL(consoleUrl);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  else if (u.protocol !== 'ws:' && u.protocol !== 'wss:') {
    throw new Error(`the console address must start with http:// or https:// (got ${consoleUrl})`);
  }
  u.pathname = `${u.pathname.replace(/\/+$/, '')}${SEAT_SOCKET_PATH}`;
  u.search = '';
  u.hash = '';
  return u.toString();
}

export function createConsoleLink(options: ConsoleLinkOptions): ConsoleLink {
  const socketUrl = seatSocketUrl(options.url);
  const initialBackoff = options.backoff?.initialMs ?? 500;
  const maxBackoff = options.backoff?.maxMs ?? 15_000;
  let deps: UpstreamDeps | null = null;
  let ws: WebSocket | null = null;
  let welcomed = false;
  let stopped = true;
  let seq = 0;
  let heartbeatMs = options.heartbeatMs ?? 1000;
  let heartbeat: NodeJS.Timeout | null = null;
  let reconnect: NodeJS.Timeout | null = null;
  let backoff = initialBackoff;
  let inFlight = new Set<string>();
  let unsubscribe: (() => void) | null = null;
  let connections = 0;
  let closed: Promise<void> = Promise.resolve();

  const send = (message: SeatToConsole): void => {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
  };

  const sendStatus = (): void => {
    if (!welcomed || !deps) return;
    send({ type: 'seat/status', seq: seq++, at: new Date().toISOString(), status: deps.currentStatus() });
  };

  const drain = (): void => {
    if (!welcomed || !deps || inFlight.size > 0) return;
    const events = deps.outbox.peek(MAX_SEAT_EVENTS_PER_MESSAGE);
    if (events.length === 0) return;
    inFlight = new Set(events.map((e) => e.id));
    send({ type: 'seat/events', events });
  };

  const onInstruction = (instruction: SeatInstruction): void => {
    if (!deps) return;
    const d = deps;
    const socket = ws;
    d.onInstruction(instruction).then(
      () => {
        // Acknowledge on the connection it came from; if that dropped, the console sends it again.
        if (ws === socket) send({ type: 'instruction/ack', instructionId: instruction.instructionId });
      },
      (error: unknown) =>
        d.log.error(
          { instructionId: instruction.instructionId, type: instruction.type, err: String(error) },
          'could not carry out an instruction from the console; it will be sent again',
        ),
    );
  };

  const onMessage = (text: string): void => {
    let message: ConsoleToSeat;
    try {
      const parsed = ConsoleToSeatSchema.safeParse(JSON.parse(text));
      if (!parsed.success) {
        deps?.log.warn(
          { issue: parsed.error.issues[0]?.message },
          'ignored a message from the console that does not match the protocol',
        );
        return;
      }
      message = parsed.data;
    } catch {
      deps?.log.warn({}, 'ignored a message from the console that is not JSON');
      return;
    }
    switch (message.type) {
      case 'console/welcome':
        welcomed = true;
        connections++;
        backoff = initialBackoff;
        if (message.heartbeatMs) heartbeatMs = message.heartbeatMs;
        deps?.log.info({ seatId: message.seatId, url: options.url }, 'connected to the console');
        sendStatus();
        if (heartbeat) clearInterval(heartbeat);
        heartbeat = setInterval(
          () => send({ type: 'seat/heartbeat', seq: seq++, at: new Date().toISOString() }),
          heartbeatMs,
        );
        drain();
        return;
      case 'event/ack': {
        const acked = message.ids.filter((id) => inFlight.has(id));
        if (acked.length > 0) {
          deps?.outbox.acknowledge(acked);
          for (const id of acked) inFlight.delete(id);
        }
        drain();
        return;
      }
      case 'instruction/gate':
      case 'instruction/show-message':
        onInstruction(message);
        return;
      case 'console/error':
        deps?.log.warn(
          { error: message.error, inReplyTo: message.inReplyTo },
          'the console reported an error',
        );
        return;
    }
  };

  const cleanup = (): void => {
    welcomed = false;
    inFlight = new Set();
    if (heartbeat) clearInterval(heartbeat);
    heartbeat = null;
  };

  const scheduleReconnect = (): void => {
    if (stopped || reconnect) return;
    const delay = Math.round(backoff * (0.8 + Math.random() * 0.4));
    backoff = Math.min(maxBackoff, backoff * 2);
    reconnect = setTimeout(() => {
      reconnect = null;
      connect();
    }, delay);
  };

  const connect = (): void => {
    if (stopped) return;
    const socket = new WebSocket(socketUrl, {
      headers: { authorization: `Bearer ${options.credential}`, [SEAT_ID_HEADER]: options.seatId },
      handshakeTimeout: 10_000,
      maxPayload: 1024 * 1024,
      ...(options.ca ? { ca: options.ca } : {}),
    });
    ws = socket;
    closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('open', () => {
      send({
        type: 'seat/hello',
        protocol: SEAT_PROTOCOL_VERSION,
        agentVersion: options.agentVersion,
        pcName: options.pcName,
        os: options.os ?? `${platform()} ${release()}`.slice(0, 64),
        ...(options.place ? { place: options.place } : {}),
      });
    });
    socket.on('message', (data, isBinary) => {
      if (!isBinary) onMessage(data.toString());
    });
    socket.on('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0;
      deps?.log.error(
        { status, url: socketUrl },
        status === 401
          ? 'the console refused this seat’s credential: enrol the seat again with `invigil enrol`'
          : 'the console refused the seat connection',
      );
      res.resume();
      socket.terminate();
    });
    socket.on('error', (error) => {
      deps?.log.warn({ err: error.message, url: socketUrl }, 'console link error');
    });
    socket.on('close', (code, reason) => {
      if (ws !== socket) return;
      const wasWelcomed = welcomed;
      cleanup();
      ws = null;
      if (wasWelcomed)
        deps?.log.warn({ code, reason: reason.toString() }, 'lost the connection to the console');
      scheduleReconnect();
    });
  };

  return {
    start(d: UpstreamDeps): void {
      if (!stopped) return;
      deps = d;
      stopped = false;
      unsubscribe = d.outbox.onAdded(() => drain());
      connect();
    },
    statusChanged(): void {
      sendStatus();
    },
    get connected(): boolean {
      return welcomed;
    },
    get connections(): number {
      return connections;
    },
    async stop(): Promise<void> {
      stopped = true;
      if (reconnect) clearTimeout(reconnect);
      reconnect = null;
      unsubscribe?.();
      unsubscribe = null;
      const socket = ws;
      cleanup();
      if (socket) {
        socket.close(1000, 'agent stopping');
        const timer = setTimeout(() => socket.terminate(), 2000);
        await closed;
        clearTimeout(timer);
      }
      ws = null;
    },
  };
}

export interface EnrolOptions {
  consoleUrl: string;
  code: string;
  pcName?: string;
  timeoutMs?: number;
  /** Certificates to trust for an https console (PEM), besides the publicly trusted ones. */
  ca?: string | Buffer;
}

/** Exchanges an enrolment code for this seat's id and credential. Errors say what to do, in one line. */
export async function enrolSeat(options: EnrolOptions): Promise<EnrolResponse & { pcName: string }> {
  let base: URL;
  try {
    base = new URL(options.consoleUrl);
  } catch {
    throw new Error(
      `"${options.consoleUrl}" is not an address; give the console's address, such as http://console.local:7420`,
    );
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new Error(`the console address must start with http:// or https:// (got ${options.consoleUrl})`);
  }
  const pcName = (options.pcName ?? hostname()).slice(0, 200);
  const url = new URL(ENROL_PATH, base);
  let res: { status: number; text: string };
  try {
    res = await postJson(url, { code: options.code, pcName }, options.timeoutMs ?? 15_000, options.ca);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = UNTRUSTED_CERT_CODES.has(code ?? '')
      ? `its certificate is not trusted (${code}); if the centre made it itself, give it with --ca FILE`
      : (code ?? (error as Error).message);
    throw new Error(`could not reach the console at ${base.origin}: ${why}`);
  }
  const text = res.text;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (res.status < 200 || res.status > 299) {
    const reason = (body as { error?: string } | undefined)?.error ?? `HTTP ${res.status}`;
    throw new Error(`the console refused the enrolment: ${reason}`);
  }
  const parsed = EnrolResponseSchema.safeParse(body);
  if (!parsed.success)
    throw new Error(`the console's answer is not an enrolment (is ${base.origin} an Invigil console?)`);
  return { ...parsed.data, pcName };
}

/** What TLS says when a certificate is self-signed or from an unknown CA. */
const UNTRUSTED_CERT_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** A JSON POST over http or https (node's client, so that a centre's own CA can be trusted). */
function postJson(
  url: URL,
  body: unknown,
  timeoutMs: number,
  ca: string | Buffer | undefined,
): Promise<{ status: number; text: string }> {
  const data = JSON.stringify(body);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
        timeout: timeoutMs,
        ...(ca && url.protocol === 'https:' ? { ca } : {}),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (text.length < 1_000_000) text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(data);
  });
}
