/**
 * What one console process tells the others serving the same PostgreSQL database (issue 12), on one
 * LISTEN/NOTIFY channel. A notice is small (ids, never the data): the receiver re-reads what it names
 * from the database, which stays the one source of truth. PostgreSQL refuses a payload of 8,000 bytes
 * or more; a notice is kept under LIVE_NOTICE_MAX_BYTES, and a receiver refuses anything larger.
 */
import { z } from 'zod';
import { IdSchema } from './common.ts';

/** The PostgreSQL channel every console process of a database listens on. */
export const LIVE_CHANNEL = 'invigil_live';
/** The most a notice may be (PostgreSQL's limit is 8,000 bytes, less than that in practice). */
export const LIVE_NOTICE_MAX_BYTES = 7000;
/** At most this many ids in one notice (a longer list is sent as several notices). */
export const LIVE_NOTICE_MAX_IDS = 100;

const Ids = z.array(IdSchema).min(1).max(LIVE_NOTICE_MAX_IDS);
/** The sending process (its database instance id, a UUID), so that it can ignore its own notices. */
const From = z.string().min(8).max(64);

export const LiveNoticeSchema = z.discriminatedUnion('k', [
  /** These seats' live state changed (presence, status, flags): re-read their presence and status. */
  z.strictObject({ v: z.literal(1), from: From, k: z.literal('seats'), ids: Ids }),
  /** Instructions (a gate, a message) were written for these seats: re-read them; the holder sends them. */
  z.strictObject({ v: z.literal(1), from: From, k: z.literal('instructions'), ids: Ids }),
  /** Incidents were recorded or counted again: re-read them by id and show them. */
  z.strictObject({ v: z.literal(1), from: From, k: z.literal('incidents'), ids: Ids }),
  /** Raised hands or pauses changed: re-read the open ones (a pause holds seats' gates). */
  z.strictObject({ v: z.literal(1), from: From, k: z.literal('hands-pauses') }),
  /** A centre's sittings changed (planning, identity checks, attempts): re-read assignments. */
  z.strictObject({
    v: z.literal(1),
    from: From,
    k: z.literal('sittings'),
    centre: IdSchema,
    ids: z.array(IdSchema).max(LIVE_NOTICE_MAX_IDS),
  }),
  /** A centre's notices (replacement requests, refused connections) changed. */
  z.strictObject({ v: z.literal(1), from: From, k: z.literal('notices'), centre: IdSchema }),
  /** Help was summoned or acknowledged: re-read the request. */
  z.strictObject({ v: z.literal(1), from: From, k: z.literal('help'), centre: IdSchema, id: IdSchema }),
  /** A seat was added or changed (enrolment, a replacement, its place): re-read it. */
  z.strictObject({ v: z.literal(1), from: From, k: z.literal('seat-rows'), ids: Ids }),
]);
export type LiveNotice = z.infer<typeof LiveNoticeSchema>;
/** A notice before the sender's id is added. */
export type LiveNoticeBody = LiveNotice extends infer N
  ? N extends unknown
    ? Omit<N, 'v' | 'from'>
    : never
  : never;
