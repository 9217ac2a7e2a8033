import { z } from 'zod';
import { QUALIFICATION_TYPE_IDS } from '../catalogs/qualifications.ts';
import { IsoDateTimeSchema } from './common.ts';

/**
 * One candidate's attempt at one assessment: a candidate entry in a sitting, with what actually
 * happened. The centre rules (retake waits, attempt limits, two a day) and the quality assurer's
 * anomaly rules read attempts in this shape.
 *
 * Times: `startsAt` is the sitting's planned start, written with the centre's UTC offset (its date is
 * the calendar day of the attempt); the others are instants (`toISOString()`), compared as instants.
 */

export const AttemptOutcomeSchema = z.enum(['passed', 'failed', 'absent', 'not-known']);
export type AttemptOutcome = z.infer<typeof AttemptOutcomeSchema>;

/**
 * How the finish was set: the invigilator marked the candidate finished, the candidate submitted
 * before completing (one of the issues the awarding body wants recorded, seeds/000), or the seat
 * reached the assessment's end page named in the seat policy.
 */
export const FinishKindSchema = z.enum(['finished', 'submitted-early', 'end-page']);
export type FinishKind = z.infer<typeof FinishKindSchema>;
export const FINISH_KIND_LABELS: Record<FinishKind, string> = {
  finished: 'Marked finished by the invigilator',
  'submitted-early': 'Submitted before completion',
  'end-page': "Reached the assessment's end page",
};

export const CandidateAttemptSchema = z.object({
  sittingId: z.string().min(1),
  entryId: z.string().min(1),
  candidateName: z.string(),
  registrationNumber: z.string(),
  qualificationNumber: z.string(),
  qualificationType: z.enum(QUALIFICATION_TYPE_IDS),
  assessment: z.string(),
  /** The sitting's planned start (centre offset). */
  startsAt: IsoDateTimeSchema,
  durationMinutes: z.number().int().nonnegative(),
  extraMinutes: z.number().int().nonnegative(),
  /** The recorded reasonable adjustment that allows more than 25% extra time, if any. */
  reasonableAdjustment: z.string().nullable(),
  /** The PC, when the candidate had one in the seating plan. */
  seatId: z.string().nullable(),
  pcName: z.string().nullable(),
  /** When the invigilator confirmed the candidate's identity at the PC (null: never). */
  identityCheckedAt: IsoDateTimeSchema.nullable(),
  /** When the seat was first released to the assessment (null: never released). */
  releasedAt: IsoDateTimeSchema.nullable(),
  /** When the candidate finished (null: not finished, or not recorded). */
  finishedAt: IsoDateTimeSchema.nullable(),
  finishedHow: FinishKindSchema.nullable(),
  /** Time the seat was paused between release and finish (time given back). */
  pausedMs: z.number().int().nonnegative(),
  outcome: AttemptOutcomeSchema,
});
export type CandidateAttempt = z.infer<typeof CandidateAttemptSchema>;

/** Minutes between release and finish, less the time paused; null while either is unknown. */
export function workingMinutes(
  a: Pick<CandidateAttempt, 'releasedAt' | 'finishedAt' | 'pausedMs'>,
): number | null {
  if (!a.releasedAt || !a.finishedAt) return null;
  const ms = Date.parse(a.finishedAt) - Date.parse(a.releasedAt) - a.pausedMs;
  return ms < 0 ? null : ms / 60_000;
}

/** Whether the candidate sat it (or is expected to): an absence is not an attempt. */
export function attemptCounts(a: Pick<CandidateAttempt, 'outcome'>): boolean {
  return a.outcome !== 'absent';
}
