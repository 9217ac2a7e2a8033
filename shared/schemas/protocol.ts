import { z } from 'zod';
import {
  CheckResultSchema,
  FindingSchema,
  IdSchema,
  IsoDateTimeSchema,
  ShortTextSchema,
  TextSchema,
} from './common.ts';
import { SeatEventSchema } from './events.ts';

/**
 * The seat protocol: `invigil agent` (or any seat client) <-> `invigil console` over WebSocket.
 * docs/protocol.md is the contract, with the JSON Schemas generated from here (docs/protocol/);
 * test/e2e/protocol/ drives a real console with a client written from the document alone.
 */
export const SEAT_PROTOCOL_VERSION = 2;
/** The console's WebSocket path for seats (`ws://host:port/seat`, or `wss://` behind TLS). */
export const SEAT_SOCKET_PATH = '/seat';
/** Request header naming the seat the credential belongs to (the credential itself goes in `Authorization: Bearer`). */
export const SEAT_ID_HEADER = 'x-invigil-seat';
/** The enrolment endpoint, relative to the console's address. */
export const ENROL_PATH = '/api/seats/enrol';

// ---- limits (every one is in docs/protocol.md, and the console's welcome repeats them) ----

/** Largest WebSocket message, in UTF-8 bytes, the console reads from a seat; a larger one gets `frame-too-large` and 1009. */
export const MAX_SEAT_FRAME_BYTES = 512 * 1024;
/** @deprecated the old name of MAX_SEAT_FRAME_BYTES. */
export const MAX_SEAT_MESSAGE_BYTES = MAX_SEAT_FRAME_BYTES;
/** Most events in one `seat/events`, and most ids in one `event/ack`. */
export const MAX_SEAT_EVENTS_PER_MESSAGE = 200;
/** Largest single event, in UTF-8 bytes of its JSON as it appears in the frame; a larger one is kept as rejected. */
export const MAX_SEAT_EVENT_BYTES = 64 * 1024;
/** How much of a rejected event's raw text the console keeps, and the longest `event/oversized` excerpt. */
export const REJECTED_EXCERPT_CHARS = 4096;
/** Deepest nesting of arrays and objects the console parses in a frame. */
export const MAX_SEAT_FRAME_DEPTH = 32;

// ---- timings ----

/** How often a seat sends `seat/heartbeat` (the welcome's `heartbeatMs`). */
export const SEAT_HEARTBEAT_MS = 1000;
/** The console marks a seat Offline when it has heard nothing from it for this long. */
export const SEAT_OFFLINE_AFTER_MS = 3000;
/** The console sends every seat a WebSocket ping this often (the welcome's `pingMs`). */
export const SEAT_PING_MS = 10_000;
/**
 * A seat that has received nothing at all (no message, no ping) for this long treats the link as dead and
 * reconnects; the console cuts a connection it has received nothing from (no message, no pong) for as long.
 */
export const SEAT_READ_TIMEOUT_MS = 3 * SEAT_PING_MS;
/** Reconnect backoff: first delay, and the most a client may wait between attempts (±20 % jitter). */
export const SEAT_RECONNECT_MIN_MS = 500;
export const SEAT_RECONNECT_MAX_MS = 15_000;
/** After a console restart, seats that were online get this long to say hello before they are recorded Offline. */
export const SEAT_RESTART_GRACE_MS = 20_000;
/** After close code 4000 (another connection took the seat), wait at least this long before reconnecting. */
export const SEAT_DISPLACED_RETRY_MS = 60_000;
/** A client may send events again that have had no `event/ack` for this long on an open connection. */
export const SEAT_ACK_TIMEOUT_MS = 30_000;

/** Close codes the console uses, and what a seat does next (docs/protocol.md, "Close codes"). */
export const SEAT_CLOSE = {
  /** The console is stopping or restarting: reconnect with backoff. */
  goingAway: 1001,
  /** A frame was over MAX_SEAT_FRAME_BYTES: split batches by size; reconnect with backoff. */
  tooLarge: 1009,
  /** The console failed: reconnect with backoff. */
  internalError: 1011,
  /** Another connection presented this seat's credential and took its place: wait SEAT_DISPLACED_RETRY_MS. */
  replaced: 4000,
  /** A coordinator approved another PC as this seat's replacement: this credential is revoked. */
  revoked: 4001,
  /** The seat did not read what the console sent, or sent too much while paused: reconnect with backoff. */
  tooMuch: 4008,
  /** The seat speaks another protocol version: update the seat's software. */
  protocolVersion: 4406,
} as const;

/** Stable codes of `console/error` (the `error` text says the same for people). */
export const ConsoleErrorCodeSchema = z.enum([
  'binary-frame',
  'not-json',
  'too-deep',
  'frame-too-large',
  'invalid-message',
  'hello-first',
  'hello-again',
  'protocol-version',
  'seq-not-increasing',
  'invalid-event',
  'event-too-large',
  'not-your-instruction',
  'over-budget',
]);
export type ConsoleErrorCode = z.infer<typeof ConsoleErrorCodeSchema>;

/** `seq`: one counter per connection shared by `seat/status` and `seat/heartbeat`, from 1. */
const SeqSchema = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

/**
 * What a seat knows about itself. The console derives readiness from `findings` alone (shared/rules/readiness.ts:
 * any `block` is Not ready, else any `warn` is Attention, else Ready); a seat whose `extension.linked` is false is
 * Not ready whatever its findings say. A seat sends no readiness of its own.
 */
export const SeatStatusSchema = z.object({
  findings: z.array(FindingSchema).max(200),
  /** The full checklist (agent checks and the extension's), passed and failed. Stored for the record. */
  checks: z.array(CheckResultSchema).max(100),
  /** Whether the browser extension is reporting to this seat, and the age of its latest report in seconds. */
  extension: z.object({
    linked: z.boolean(),
    reportAgeSeconds: z.number().nonnegative().nullable(),
  }),
});
export type SeatStatus = z.infer<typeof SeatStatusSchema>;

export const SeatHelloSchema = z.object({
  type: z.literal('seat/hello'),
  protocol: z.number().int().positive(),
  agentVersion: z.string().min(1).max(64),
  /** The PC's own name, for the console's log. The dashboard shows the name the PC was enrolled with. */
  pcName: ShortTextSchema.min(1),
  os: z.string().max(64),
  /** Where the seat is in the room ("Row B, seat 4"): used only while the console has no place for the seat. */
  place: ShortTextSchema.min(1).optional(),
});

export const SeatToConsoleSchema = z.discriminatedUnion('type', [
  SeatHelloSchema,
  /** At once after `console/welcome`, then on every change of status. */
  z.object({
    type: z.literal('seat/status'),
    seq: SeqSchema,
    at: IsoDateTimeSchema,
    status: SeatStatusSchema,
  }),
  /** Every `heartbeatMs`. */
  z.object({ type: z.literal('seat/heartbeat'), seq: SeqSchema, at: IsoDateTimeSchema }),
  /** Events from the seat's durable outbox, acknowledged by `event/ack`. */
  z.object({
    type: z.literal('seat/events'),
    /** Chosen by the seat, new for each batch sent (a resend is a new batch); `console/error` and `event/ack` name it. */
    batchId: IdSchema,
    events: z.array(SeatEventSchema).min(1).max(MAX_SEAT_EVENTS_PER_MESSAGE),
  }),
  /** The seat carried out an instruction. */
  z.object({ type: z.literal('instruction/ack'), instructionId: IdSchema }),
]);
export type SeatToConsole = z.infer<typeof SeatToConsoleSchema>;
export type SeatHello = z.infer<typeof SeatHelloSchema>;

export const ConsoleWelcomeSchema = z.object({
  type: z.literal('console/welcome'),
  protocol: z.number().int().positive(),
  seatId: z.string().max(64),
  /** The name the PC was enrolled with: the one the dashboard shows. */
  pcName: ShortTextSchema.optional(),
  /** The console's clock when it sent this; seats may log their offset from it. Nothing depends on seats' clocks. */
  serverTime: IsoDateTimeSchema,
  /** Send `seat/heartbeat` this often. */
  heartbeatMs: z.number().int().positive().optional(),
  /** Silence for this long shows the seat Offline. */
  offlineAfterMs: z.number().int().positive().optional(),
  /** The console pings the seat this often. */
  pingMs: z.number().int().positive().optional(),
  /** Received nothing at all (no message, no ping) for this long: the link is dead, reconnect. */
  readTimeoutMs: z.number().int().positive().optional(),
  /** This console's limits (absent: those of docs/protocol.md, section 0). */
  limits: z
    .object({
      frameBytes: z.number().int().positive(),
      eventsPerBatch: z.number().int().positive(),
      eventBytes: z.number().int().positive(),
    })
    .optional(),
});

export const ConsoleToSeatSchema = z.discriminatedUnion('type', [
  ConsoleWelcomeSchema,
  /**
   * The console stored (or kept as rejected) these events: the seat may delete them. Never more than
   * MAX_SEAT_EVENTS_PER_MESSAGE ids; one batch may be acknowledged in several acks, in any order.
   */
  z.object({
    type: z.literal('event/ack'),
    ids: z.array(IdSchema).min(1).max(MAX_SEAT_EVENTS_PER_MESSAGE),
    /** The batch these ids came from, when the ack answers exactly one batch. */
    batchId: IdSchema.optional(),
  }),
  /** Show a message to the candidate (as text, never HTML). */
  z.object({ type: z.literal('instruction/show-message'), instructionId: IdSchema, text: TextSchema }),
  /** Hold the seat on the holding page, or release it to the assessment after the identity check. */
  z.object({
    type: z.literal('instruction/gate'),
    instructionId: IdSchema,
    state: z.enum(['held', 'released']),
    candidateName: ShortTextSchema.optional(),
    seatLabel: ShortTextSchema.optional(),
    /** Held because an invigilator paused this seat or its room (the holding page says so). */
    paused: z.boolean().optional(),
  }),
  /**
   * A message, or events of a batch, were refused. The connection stays open unless a close follows.
   * One per refused message: a batch's refused events are listed in `events`, however many they are.
   */
  z.object({
    type: z.literal('console/error'),
    code: ConsoleErrorCodeSchema,
    /** Plain English, naming the field and the limit. */
    error: TextSchema,
    /** The refused message's `type`, when it had a readable one. */
    messageType: z.string().max(64).optional(),
    /** The refused message's id: `batchId` of a `seat/events`, `instructionId` of an `instruction/ack`. */
    inReplyTo: IdSchema.optional(),
    /** The refused `seat/status` or `seat/heartbeat`'s `seq`, as it was sent (when it was a number). */
    seq: z.number().optional(),
    /** `over-budget`: how long the console stops reading from the seat. */
    retryAfterMs: z.number().int().positive().optional(),
    /** `invalid-event` / `event-too-large`: each refused event of the batch. */
    events: z
      .array(
        z.object({
          /** Its position in the batch's `events`. */
          index: z.number().int().nonnegative(),
          /** Its id, when it had a usable one. */
          eventId: IdSchema.optional(),
          code: z.enum(['invalid-event', 'event-too-large']),
          /** The field and what is wrong with it. */
          error: z.string().max(300),
          /** True: kept as rejected and acknowledged. False: no usable id, so it cannot be acknowledged. */
          kept: z.boolean(),
        }),
      )
      .max(MAX_SEAT_EVENTS_PER_MESSAGE)
      .optional(),
  }),
]);
export type ConsoleToSeat = z.infer<typeof ConsoleToSeatSchema>;

/** POST /api/seats/enrol: exchange an enrolment code for a seat credential. */
export const EnrolRequestSchema = z.object({
  code: z.string().min(4).max(64),
  pcName: ShortTextSchema.min(1),
});
export type EnrolRequest = z.infer<typeof EnrolRequestSchema>;
export const EnrolResponseSchema = z.object({
  seatId: z.string().max(64),
  /** Secret; sent as `Authorization: Bearer <credential>` when opening the WebSocket. */
  credential: z.string().min(32).max(256),
  /**
   * True when the PC name was already enrolled: the credential works only once a coordinator approves
   * this PC as the seat's replacement in the dashboard (the PC enrolled before keeps reporting until then).
   */
  pending: z.boolean().optional(),
});
export type EnrolResponse = z.infer<typeof EnrolResponseSchema>;
