import { z } from 'zod';
import { HELP_REASON_IDS } from '../catalogs/help-reasons.ts';
import { IsoDateTimeSchema } from './common.ts';

/**
 * Summoning help from the room: an invigilator asks from the dashboard, every other member of staff
 * signed in at that site (and the centre coordinator) sees it live (`live/help`), and whoever responds
 * acknowledges it. Help the centre coordinator summons to a room with no sitting is centre-wide.
 */

export const HelpRequestCreateSchema = z.strictObject({
  room: z.string().trim().min(1, 'say which room').max(200),
  reason: z.enum(HELP_REASON_IDS),
  /** Anything the responder should know ("candidate at PC-07 fainted"). */
  note: z.string().trim().max(500).optional(),
});
export type HelpRequestCreate = z.infer<typeof HelpRequestCreateSchema>;

const Person = z.object({ id: z.string(), name: z.string() });

export const HelpRequestViewSchema = z.object({
  id: z.string(),
  room: z.string(),
  reason: z.enum(HELP_REASON_IDS),
  reasonLabel: z.string(),
  note: z.string().nullable(),
  askedAt: IsoDateTimeSchema,
  askedBy: Person,
  acknowledgedAt: IsoDateTimeSchema.nullable(),
  acknowledgedBy: Person.nullable(),
  /** The incident it is recorded as. */
  incidentId: z.string(),
  /** The open sitting in that room when it was asked, if any (the incident is recorded in it). */
  sittingId: z.string().nullable(),
});
export type HelpRequestView = z.infer<typeof HelpRequestViewSchema>;

/** Requests older than this and acknowledged drop off the live list (they stay in the record). */
export const HELP_RECENT_HOURS = 12;
