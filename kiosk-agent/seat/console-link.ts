/**
 * The agent's link to the invigilator's console (implements UpstreamLink): the reference client of the
 * seat protocol (docs/protocol.md; shared/schemas/protocol.ts).
 *
 * - Authenticates with the seat's credential; reconnects with backoff (0.5 s doubling to 15 s, with
 *   jitter so that a room of PCs does not reconnect in lockstep) until stopped, and follows the close-code
 *   table: after 4000 (another connection took the seat) it waits a minute, after 4406 (another protocol
 *   version) an hour, after a refused or revoked credential (401, 4001) five minutes, while a replacement
 *   waits for approval (403) a minute, after 1009 it halves its batches.
 * - Sends `seat/hello`, then on `console/welcome` the current status, then a heartbeat every `heartbeatMs`
 *   and the status again on every change; `seq` counts from 1 on every connection.
 * - Read timeout: when nothing at all (message or ping) has arrived for the welcome's `readTimeoutMs`,
 *   the link is dead however open the socket looks: it is cut and the link reconnects.
 * - Drains the durable outbox as `seat/events`, one batch in flight, each batch within the console's
 *   limits by count and by size; an event too large for any frame goes as an `event/oversized` stand-in.
 *   Events are deleted from the outbox only when an `event/ack` names their ids (acks may be partial and
 *   come in any order); what is unacknowledged after a reconnect, or for 30 s, is sent again as a new
 *   batch (the console ignores ids it already has from this seat).
 * - Carries out instructions through the daemon and acknowledges each once it has been carried out.
 */
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { hostname, platform, release } from 'node:os';
import WebSocket from 'ws';
import type { SeatEvent } from '../../shared/schemas/events.ts';
import {
  type ConsoleToSeat,
  ConsoleToSeatSchema,
  ENROL_PATH,
  type EnrolResponse,
  EnrolResponseSchema,
  MAX_SEAT_EVENT_BYTES,
  MAX_SEAT_EVENTS_PER_MESSAGE,
  MAX_SEAT_FRAME_BYTES,
  REJECTED_EXCERPT_CHARS,
  SEAT_ACK_TIMEOUT_MS,
  SEAT_CLOSE,
  SEAT_DISPLACED_RETRY_MS,
  SEAT_HEARTBEAT_MS,
  SEAT_ID_HEADER,
  SEAT_PROTOCOL_VERSION,
  SEAT_READ_TIMEOUT_MS,
  SEAT_RECONNECT_MAX_MS,
  SEAT_RECONNECT_MIN_MS,
  SEAT_SOCKET_PATH,
  type SeatStatus,
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
  /** The waits the close-code table prescribes (shortened in tests). */
  waits?: Partial<CloseWaits>;
  /** Resend events unacknowledged for this long on an open connection. */
  ackTimeoutMs?: number;
}

/** How long the link waits before reconnecting after each kind of refusal (docs/protocol.md, "Close codes"). */
export interface CloseWaits {
  /** 4000: another connection presented this seat's credential. */
  displacedMs: number;
  /** 4406: the console speaks another protocol version. */
  protocolMs: number;
  /** HTTP 401 before the upgrade, or close 4001: the credential is not (or no longer) accepted. */
  refusedMs: number;
  /** HTTP 403 before the upgrade: this PC's enrolment waits for a coordinator's approval. */
  pendingMs: number;
  /** HTTP 429 without Retry-After. */
  tooManyMs: number;
}

const DEFAULT_WAITS: CloseWaits = {
  displacedMs: SEAT_DISPLACED_RETRY_MS,
  protocolMs: 3_600_000,
  refusedMs: 300_000,
  pendingMs: 60_000,
  tooManyMs: 60_000,
};

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

export interface BatchLimits {
  /** Largest frame, in UTF-8 bytes. */
  frameBytes: number;
  eventsPerBatch: number;
  /** Largest single event, in UTF-8 bytes of its JSON. */
  eventBytes: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = {
  frameBytes: MAX_SEAT_FRAME_BYTES,
  eventsPerBatch: MAX_SEAT_EVENTS_PER_MESSAGE,
  eventBytes: MAX_SEAT_EVENT_BYTES,
};

/** The `event/oversized` stand-in for an event too large to send (same id, `at` and type; the start of its JSON). */
export function oversizedStandIn(event: SeatEvent, json: string, bytes: number): SeatEvent {
  return {
    id: event.id,
    at: event.at,
    type: 'event/oversized',
    originalType: String(event.type).slice(0, 64),
    bytes,
    excerpt: json.slice(0, REJECTED_EXCERPT_CHARS),
  };
}

/**
 * The next `seat/events` message: the oldest events in order, as many as fit by count and by size
 * (the whole frame within `frameBytes`); never empty while events wait. An event over `eventBytes`
 * travels as its `event/oversized` stand-in, so that no event can block the outbox.
 */
export function planBatch(
  events: readonly SeatEvent[],
  limits: BatchLimits,
  batchId: string = randomUUID(),
): { message: Extract<SeatToConsole, { type: 'seat/events' }>; text: string; ids: string[] } | null {
  if (events.length === 0) return null;
  const head = `{"type":"seat/events","batchId":${JSON.stringify(batchId)},"events":[`;
  const tail = ']}';
  let bytes = Buffer.byteLength(head) + tail.length;
  const chosen: SeatEvent[] = [];
  const parts: string[] = [];
  for (const e of events.slice(0, limits.eventsPerBatch)) {
    let event = e;
    let json = JSON.stringify(e);
    let size = Buffer.byteLength(json);
    if (size > limits.eventBytes) {
      event = oversizedStandIn(e, json, size);
      json = JSON.stringify(event);
      size = Buffer.byteLength(json);
    }
    const add = size + (parts.length > 0 ? 1 : 0);
    if (parts.length > 0 && bytes + add > limits.frameBytes) break;
    bytes += add;
    chosen.push(event);
    parts.push(json);
  }
  return {
    message: { type: 'seat/events', batchId, events: chosen },
    text: `${head}${parts.join(',')}${tail}`,
    ids: chosen.map((e) => e.id),
  };
}

/** Only the fields the protocol defines: the agent's own readiness (and anything else) stays home. */
function wireStatus(status: SeatStatus): SeatStatus {
  return { findings: status.findings, checks: status.checks, extension: status.extension };
}

export function createConsoleLink(options: ConsoleLinkOptions): ConsoleLink {
  const socketUrl = seatSocketUrl(options.url);
  const initialBackoff = options.backoff?.initialMs ?? SEAT_RECONNECT_MIN_MS;
  const maxBackoff = options.backoff?.maxMs ?? SEAT_RECONNECT_MAX_MS;
  const waits: CloseWaits = { ...DEFAULT_WAITS, ...(options.waits ?? {}) };
  const ackTimeoutMs = options.ackTimeoutMs ?? SEAT_ACK_TIMEOUT_MS;
  let deps: UpstreamDeps | null = null;
  let ws: WebSocket | null = null;
  let welcomed = false;
  let stopped = true;
  let seq = 0;
  let heartbeatMs = options.heartbeatMs ?? SEAT_HEARTBEAT_MS;
  let heartbeat: NodeJS.Timeout | null = null;
  let reconnect: NodeJS.Timeout | null = null;
  let readTimer: NodeJS.Timeout | null = null;
  /** Until a welcome says how often the console pings, any silence this long before it is a dead link. */
  let readTimeoutMs: number | null = SEAT_READ_TIMEOUT_MS;
  let ackTimer: NodeJS.Timeout | null = null;
  let backoff = initialBackoff;
  /** The next reconnect waits at least this long (set by a close code or an HTTP refusal). */
  let nextWaitMs: number | null = null;
  let limits: BatchLimits = { ...DEFAULT_BATCH_LIMITS };
  /** Halved after a 1009, so a console with a smaller limit than it said still gets our events. */
  let frameBudget = limits.frameBytes;
  let inFlight = new Set<string>();
  let unsubscribe: (() => void) | null = null;
  let connections = 0;
  let closed: Promise<void> = Promise.resolve();

  const send = (message: SeatToConsole): void => {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
  };

  const nextSeq = (): number => ++seq;

  const sendStatus = (): void => {
    if (!welcomed || !deps) return;
    send({
      type: 'seat/status',
      seq: nextSeq(),
      at: new Date().toISOString(),
      status: wireStatus(deps.currentStatus()),
    });
  };

  const armReadTimer = (socket: WebSocket): void => {
    if (readTimer) clearTimeout(readTimer);
    readTimer = null;
    if (readTimeoutMs === null || ws !== socket) return;
    readTimer = setTimeout(() => {
      if (ws !== socket) return;
      deps?.log.warn(
        { readTimeoutMs, url: socketUrl },
        'nothing from the console for too long: the link is dead, reconnecting',
      );
      socket.terminate();
    }, readTimeoutMs);
  };

  const drain = (): void => {
    if (!welcomed || !deps || inFlight.size > 0 || !ws) return;
    const batch = planBatch(deps.outbox.peek(limits.eventsPerBatch), { ...limits, frameBytes: frameBudget });
    if (!batch) return;
    inFlight = new Set(batch.ids);
    if (ws.readyState === WebSocket.OPEN) ws.send(batch.text);
    if (ackTimer) clearTimeout(ackTimer);
    const socket = ws;
    ackTimer = setTimeout(() => {
      ackTimer = null;
      if (ws !== socket || inFlight.size === 0) return;
      deps?.log.warn(
        { unacknowledged: inFlight.size },
        'events unacknowledged for too long: sending them again',
      );
      inFlight = new Set();
      drain();
    }, ackTimeoutMs);
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
        // A console that does not say how often it pings cannot be timed by its silence.
        readTimeoutMs = message.readTimeoutMs ?? (message.pingMs ? 3 * message.pingMs : null);
        if (ws) armReadTimer(ws);
        if (message.limits) {
          limits = {
            frameBytes: Math.min(message.limits.frameBytes, MAX_SEAT_FRAME_BYTES),
            eventsPerBatch: Math.min(message.limits.eventsPerBatch, MAX_SEAT_EVENTS_PER_MESSAGE),
            eventBytes: Math.min(message.limits.eventBytes, MAX_SEAT_EVENT_BYTES),
          };
          frameBudget = Math.min(frameBudget, limits.frameBytes);
        }
        deps?.log.info({ seatId: message.seatId, url: options.url }, 'connected to the console');
        sendStatus();
        if (heartbeat) clearInterval(heartbeat);
        heartbeat = setInterval(
          () => send({ type: 'seat/heartbeat', seq: nextSeq(), at: new Date().toISOString() }),
          heartbeatMs,
        );
        drain();
        return;
      case 'event/ack': {
        // Delete exactly what is named (the outbox ignores ids it does not hold): an ack may cover part
        // of a batch, or come after the batch was sent again.
        deps?.outbox.acknowledge(message.ids);
        for (const id of message.ids) inFlight.delete(id);
        if (inFlight.size === 0 && ackTimer) {
          clearTimeout(ackTimer);
          ackTimer = null;
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
          {
            code: message.code,
            error: message.error,
            messageType: message.messageType,
            inReplyTo: message.inReplyTo,
            events: message.events?.slice(0, 10),
          },
          'the console reported an error',
        );
        return;
    }
  };

  const cleanup = (): void => {
    welcomed = false;
    inFlight = new Set();
    seq = 0;
    if (heartbeat) clearInterval(heartbeat);
    heartbeat = null;
    if (readTimer) clearTimeout(readTimer);
    readTimer = null;
    if (ackTimer) clearTimeout(ackTimer);
    ackTimer = null;
  };

  const scheduleReconnect = (): void => {
    if (stopped || reconnect) return;
    let delay = Math.round(backoff * (0.8 + Math.random() * 0.4));
    backoff = Math.min(maxBackoff, backoff * 2);
    if (nextWaitMs !== null) {
      delay = Math.max(delay, Math.round(nextWaitMs * (1 + Math.random() * 0.2)));
      nextWaitMs = null;
    }
    reconnect = setTimeout(() => {
      reconnect = null;
      connect();
    }, delay);
  };

  /** What a close code means for the next attempt (docs/protocol.md, "Close codes"). */
  const onCloseCode = (code: number, reason: string): void => {
    switch (code) {
      case SEAT_CLOSE.replaced:
        nextWaitMs = waits.displacedMs;
        deps?.log.error(
          { code, reason },
          'another connection is using this seat’s credential (a second agent, or a copied PC): waiting before reconnecting',
        );
        return;
      case SEAT_CLOSE.revoked:
        nextWaitMs = waits.refusedMs;
        deps?.log.error(
          { code, reason },
          'a coordinator gave this seat to another PC: this PC’s credential no longer works; enrol it again with `invigil enrol`',
        );
        return;
      case SEAT_CLOSE.protocolVersion:
        nextWaitMs = waits.protocolMs;
        deps?.log.error(
          { code, reason },
          'the console speaks another protocol version: update Invigil on this PC',
        );
        return;
      case SEAT_CLOSE.tooLarge:
        frameBudget = Math.max(64 * 1024, Math.floor(frameBudget / 2));
        deps?.log.warn(
          { code, frameBudget },
          'the console refused a frame as too large: smaller batches from now on',
        );
        return;
      default:
        return;
    }
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
      readTimeoutMs = SEAT_READ_TIMEOUT_MS;
      armReadTimer(socket);
      send({
        type: 'seat/hello',
        protocol: SEAT_PROTOCOL_VERSION,
        agentVersion: options.agentVersion.slice(0, 64) || 'unknown',
        pcName: options.pcName.slice(0, 200) || hostname().slice(0, 200),
        os: options.os ?? `${platform()} ${release()}`.slice(0, 64),
        ...(options.place ? { place: options.place.slice(0, 200) } : {}),
      });
    });
    socket.on('message', (data, isBinary) => {
      armReadTimer(socket);
      if (!isBinary) onMessage(data.toString());
    });
    socket.on('ping', () => armReadTimer(socket));
    socket.on('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0;
      if (status === 401) nextWaitMs = waits.refusedMs;
      else if (status === 403) nextWaitMs = waits.pendingMs;
      else if (status === 429) {
        const retryAfter = Number(res.headers['retry-after']);
        nextWaitMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : waits.tooManyMs;
      }
      deps?.log.error(
        { status, url: socketUrl },
        status === 401
          ? 'the console refused this seat’s credential: enrol the seat again with `invigil enrol`'
          : status === 403
            ? 'this PC waits for a coordinator to approve it as the seat’s replacement (Notices, in the dashboard)'
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
      onCloseCode(code, reason.toString());
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
