/**
 * Raised hands and pauses on the console's API (issue 13): what the dashboard sends and what it gets
 * back. Kept apart from console-api.ts so that each area of the invigilation day has its own file.
 */
import { z } from 'zod';
import {
  type Choice,
  HAND_ANSWER_REASON_IDS,
  HAND_ANSWER_REASONS,
  PAUSE_REASON_IDS,
  PAUSE_REASONS,
} from '../catalogs/invigilation-day.ts';
import { IsoDateTimeSchema } from './common.ts';

const RecordId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'not a valid id');
const Note = z.string().trim().max(500, 'a note has at most 500 characters').optional();
const needsNote = (catalog: Record<string, Choice>, reason: string) => catalog[reason]?.needsNote === true;
const NOTE_MISSING = { message: 'say what it was in the note', path: ['note'] };

/** POST /api/hands/:id/answer: why the candidate raised a hand (from the catalog), and a note. */
export const HandAnswerSchema = z
  .strictObject({ reason: z.enum(HAND_ANSWER_REASON_IDS), note: Note })
  .refine((v) => !needsNote(HAND_ANSWER_REASONS, v.reason) || !!v.note, NOTE_MISSING);
export type HandAnswer = z.infer<typeof HandAnswerSchema>;

/** POST /api/sittings/:id/pauses: hold the whole room (every seat of the sitting) or one candidate's seat. */
export const PauseStartSchema = z
  .strictObject({
    scope: z.enum(['room', 'seat']),
    /** The candidate whose seat is paused (scope `seat` only). */
    entryId: RecordId.optional(),
    reason: z.enum(PAUSE_REASON_IDS),
    note: Note,
  })
  .refine((v) => (v.scope === 'seat') === (v.entryId !== undefined), {
    message: 'name the candidate (entryId) for a seat, and none for the whole room',
    path: ['entryId'],
  })
  .refine((v) => !needsNote(PAUSE_REASONS, v.reason) || !!v.note, NOTE_MISSING);
export type PauseStart = z.infer<typeof PauseStartSchema>;

/** An open raised hand, on its seat's card. */
export const SeatHandSchema = z.object({
  id: RecordId,
  raisedAt: IsoDateTimeSchema,
  /** The latest time it was raised again while open (equal to raisedAt when once). */
  lastRaisedAt: IsoDateTimeSchema,
  /** How many times the candidate raised it before it was answered. */
  count: z.number().int().positive(),
  via: z.enum(['button', 'shortcut']),
});
export type SeatHand = z.infer<typeof SeatHandSchema>;

/** A pause holding a seat, on its card. */
export const SeatPauseSchema = z.object({
  id: RecordId,
  scope: z.enum(['room', 'seat']),
  reason: z.string(),
  reasonLabel: z.string(),
  startedAt: IsoDateTimeSchema,
});
export type SeatPause = z.infer<typeof SeatPauseSchema>;

/** A raised hand in the invigilation record: when, where, and how it was answered. */
export const HandViewSchema = SeatHandSchema.extend({
  seatId: RecordId.nullable(),
  pcName: z.string().nullable(),
  candidateName: z.string().nullable(),
  registrationNumber: z.string().nullable(),
  answeredAt: IsoDateTimeSchema.nullable(),
  answeredBy: z.string().nullable(),
  reason: z.string().nullable(),
  reasonLabel: z.string().nullable(),
  note: z.string().nullable(),
});
export type HandView = z.infer<typeof HandViewSchema>;

/** A pause in the invigilation record: its start, end and duration justify the time given back. */
export const PauseViewSchema = z.object({
  id: RecordId,
  sittingId: RecordId,
  scope: z.enum(['room', 'seat']),
  entryId: RecordId.nullable(),
  candidateName: z.string().nullable(),
  pcName: z.string().nullable(),
  reason: z.string(),
  reasonLabel: z.string(),
  note: z.string().nullable(),
  startedAt: IsoDateTimeSchema,
  startedBy: z.string().nullable(),
  endedAt: IsoDateTimeSchema.nullable(),
  endedBy: z.string().nullable(),
  /** Whole seconds, to the end or (while open) to when the view was made. */
  durationSeconds: z.number().int().nonnegative(),
  durationText: z.string(),
});
export type PauseView = z.infer<typeof PauseViewSchema>;
