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
 * The seat protocol: `invigil agent` <-> `invigil console` over WebSocket.
 * Documented for seat-client authors in docs/protocol.md (JSON Schema generated from here).
 */
export const SEAT_PROTOCOL_VERSION = 1;
export const MAX_SEAT_EVENTS_PER_MESSAGE = 200;
/** The console's WebSocket path for seats (`ws://host:port/seat`, or `wss://` behind TLS). */
export const SEAT_SOCKET_PATH = '/seat';
/** Request header naming the seat the credential belongs to (the credential itself goes in `Authorization: Bearer`). */
export const SEAT_ID_HEADER = 'x-invigil-seat';
/** The console marks a seat Offline when it has heard nothing from it for this long. */
export const SEAT_OFFLINE_AFTER_MS = 3000;
/** Largest WebSocket message the console accepts from a seat (a full status is well under this). */
export const MAX_SEAT_MESSAGE_BYTES = 512 * 1024;
/** The enrolment endpoint, relative to the console's address. */
export const ENROL_PATH = '/api/seats/enrol';

/** What the agent knows about its seat right now. */
export const SeatStatusSchema = z.object({
  /** Readiness computed by shared/rules/readiness.ts from `findings`. */
  state: z.enum(['ready', 'attention', 'not-ready']),
  findings: z.array(FindingSchema).max(200),
  /** The full checklist (agent checks and the extension's), passed and failed. */
  checks: z.array(CheckResultSchema).max(100),
  /** Whether the extension is reporting, and the age of its latest report in seconds. */
  extension: z.object({
    linked: z.boolean(),
    reportAgeSeconds: z.number().nonnegative().nullable(),
  }),
});
export type SeatStatus = z.infer<typeof SeatStatusSchema>;

export const SeatToConsoleSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('seat/hello'),
    protocol: z.number().int().positive(),
    agentVersion: z.string().max(64),
    pcName: ShortTextSchema,
    os: z.string().max(64),
    /** Where the seat is in the room ("Row B, seat 4"), from the agent's config; the console may override it. */
    place: ShortTextSchema.optional(),
  }),
  /** Sent on every change of status. `seq` increases per agent run, so the console keeps the newest. */
  z.object({
    type: z.literal('seat/status'),
    seq: z.number().int().nonnegative(),
    at: IsoDateTimeSchema,
    status: SeatStatusSchema,
  }),
  /** Sent every second. */
  z.object({ type: z.literal('seat/heartbeat'), seq: z.number().int().nonnegative(), at: IsoDateTimeSchema }),
  /** Events from the agent's durable outbox; acknowledged by `event/ack`. */
  z.object({
    type: z.literal('seat/events'),
    events: z.array(SeatEventSchema).min(1).max(MAX_SEAT_EVENTS_PER_MESSAGE),
  }),
  /** The seat carried out an instruction. */
  z.object({ type: z.literal('instruction/ack'), instructionId: IdSchema }),
]);
export type SeatToConsole = z.infer<typeof SeatToConsoleSchema>;

export const ConsoleToSeatSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('console/welcome'),
    protocol: z.number().int().positive(),
    seatId: z.string().max(64),
    serverTime: IsoDateTimeSchema,
    /** How often the console expects `seat/heartbeat`; silence for `offlineAfterMs` shows the seat as Offline. */
    heartbeatMs: z.number().int().positive().optional(),
    offlineAfterMs: z.number().int().positive().optional(),
  }),
  /** The console stored these events: the agent may delete them. */
  z.object({ type: z.literal('event/ack'), ids: z.array(IdSchema).max(MAX_SEAT_EVENTS_PER_MESSAGE) }),
  /** Show a message to the candidate. */
  z.object({ type: z.literal('instruction/show-message'), instructionId: IdSchema, text: TextSchema }),
  /** Hold the seat on the holding page, or release it to the assessment after the identity check. */
  z.object({
    type: z.literal('instruction/gate'),
    instructionId: IdSchema,
    state: z.enum(['held', 'released']),
    candidateName: ShortTextSchema.optional(),
    seatLabel: ShortTextSchema.optional(),
  }),
  z.object({
    type: z.literal('console/error'),
    error: TextSchema,
    inReplyTo: z.string().max(64).optional(),
    /** `over-budget`: the seat sent more than the console accepts from one PC; it stops reading from the seat for `retryAfterMs`. */
    reason: z.enum(['over-budget']).optional(),
    retryAfterMs: z.number().int().positive().optional(),
  }),
]);
export type ConsoleToSeat = z.infer<typeof ConsoleToSeatSchema>;

/** POST /api/seats/enrol: exchange a one-time enrolment code for a seat credential. */
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
