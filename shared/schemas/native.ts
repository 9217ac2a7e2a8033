import { z } from 'zod';
import { IdSchema, ShortTextSchema, TextSchema } from './common.ts';
import { SeatEventSchema } from './events.ts';
import { MAX_EVENTS_PER_BATCH } from './native-constants.ts';
import { ComplianceReportSchema } from './report.ts';

/**
 * Native messaging: extension <-> `invigil native-host` <-> `invigil agent` (local socket).
 * Framing on both links: a 4-byte little-endian length, then that many bytes of UTF-8 JSON.
 * The host validates every message against these schemas; a bad one gets `link/error` naming the
 * problem and the host keeps serving.
 */

export {
  MAX_EVENTS_PER_BATCH,
  MAX_FROM_EXTENSION_BYTES,
  MAX_TO_EXTENSION_BYTES,
  NATIVE_HOST_NAME,
  NATIVE_PROTOCOL_VERSION,
} from './native-constants.ts';

export const ExtensionToHostSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('link/hello'),
    protocol: z.number().int().positive(),
    extensionId: z.string().max(64),
    extensionVersion: z.string().max(64),
  }),
  z.object({ type: z.literal('report/compliance'), report: ComplianceReportSchema }),
  z.object({
    type: z.literal('event/batch'),
    events: z.array(SeatEventSchema).min(1).max(MAX_EVENTS_PER_BATCH),
  }),
  z.object({ type: z.literal('instruction/ack'), instructionId: IdSchema }),
]);
export type ExtensionToHost = z.infer<typeof ExtensionToHostSchema>;

export const HostToExtensionSchema = z.discriminatedUnion('type', [
  /** Whether the host reached the agent daemon. When `unavailable`, events stay in the extension's outbox. */
  z.object({
    type: z.literal('link/status'),
    agent: z.enum(['connected', 'unavailable']),
    detail: ShortTextSchema,
  }),
  /** The agent has stored these events durably: the extension may delete them from its outbox. */
  z.object({ type: z.literal('event/ack'), ids: z.array(IdSchema).max(MAX_EVENTS_PER_BATCH) }),
  /** The identity-check gate, from the console through the agent. */
  z.object({
    type: z.literal('seat/gate'),
    state: z.enum(['held', 'released']),
    /** The candidate expected at this seat, shown on the holding page. */
    candidateName: ShortTextSchema.optional(),
    seatLabel: ShortTextSchema.optional(),
    /** Held because an invigilator paused this seat or its room. */
    paused: z.boolean().optional(),
  }),
  /** Show this message to the candidate; acknowledge with `instruction/ack` once shown. */
  z.object({ type: z.literal('seat/message'), instructionId: IdSchema, text: TextSchema }),
  /** The previous message was refused; `error` names the problem. */
  z.object({
    type: z.literal('link/error'),
    error: TextSchema,
    inReplyTo: z.string().max(64).optional(),
  }),
]);
export type HostToExtension = z.infer<typeof HostToExtensionSchema>;
