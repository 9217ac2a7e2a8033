import {
  MAX_ASSESSMENTS_PER_DAY,
  MAX_CANDIDATES_PER_INVIGILATOR,
  MAX_EXTRA_TIME_WITHOUT_ADJUSTMENT,
  normaliseQualificationNumber,
  QUALIFICATION_TYPES,
  type QualificationType,
  RETAKE_WAIT_HOURS,
  SHORT_RETAKE_QUALIFICATIONS,
  SHORT_RETAKE_WAIT_HOURS,
} from '../catalogs/qualifications.ts';
import { type AttemptOutcome, attemptCounts, type CandidateAttempt } from '../schemas/attempts.ts';

/**
 * The awarding body's rules for a sitting (seeds/000, 002, 004), as pure functions: the console
 * shows their warnings while a sitting is planned and prints them in the invigilation record.
 * Times are ISO 8601 strings with the centre's UTC offset ("2025-06-03T09:30:00+01:00"), so the
 * calendar day of a sitting is the date written in it.
 */

export interface RuleEntry {
  id: string;
  candidateName: string;
  registrationNumber: string;
  qualificationNumber: string;
  qualificationType: QualificationType;
  assessment: string;
  durationMinutes: number;
  extraMinutes: number;
  /** The recorded reasonable adjustment that allows more than 25% extra time, if any. */
  reasonableAdjustment: string | null;
}

export interface RuleSitting {
  id: string;
  startsAt: string;
  invigilatorCount: number;
  entries: readonly RuleEntry[];
}

export type { AttemptOutcome };

/**
 * An attempt in another sitting (the centre's history), for the retake, attempt-limit and daily
 * rules: what those rules read of a `CandidateAttempt` (shared/schemas/attempts.ts). The release and
 * finish times are used when they were recorded; a planned sitting has neither.
 */
export type Attempt = Pick<
  CandidateAttempt,
  'sittingId' | 'registrationNumber' | 'qualificationNumber' | 'assessment' | 'startsAt' | 'outcome'
> &
  Partial<Pick<CandidateAttempt, 'releasedAt' | 'finishedAt'>>;

/** When an attempt began: its release to the assessment, or the sitting's planned start. */
export function attemptStart(a: Attempt): number {
  return Date.parse(a.releasedAt ?? a.startsAt);
}

/** When an attempt ended: its recorded finish, else (not recorded) when it began. */
export function attemptEnd(a: Attempt): number {
  return a.finishedAt ? Date.parse(a.finishedAt) : attemptStart(a);
}

export type RuleId = 'ratio' | 'daily-limit' | 'retake-wait' | 'attempt-limit' | 'extra-time';

export interface RuleWarning {
  rule: RuleId;
  /** The entry (candidate) it is about; absent for sitting-wide warnings. */
  entryId?: string;
  message: string;
}

const HOUR_MS = 3_600_000;

/** The calendar day a time falls on, in the offset it was written with. */
export function localDay(isoWithOffset: string): string {
  return isoWithOffset.slice(0, 10);
}

export function key(s: string): string {
  return s.trim().toLowerCase().replace(/\s+/g, ' ');
}

export function sameAssessment(
  a: { registrationNumber: string; qualificationNumber: string; assessment: string },
  b: typeof a,
): boolean {
  return (
    key(a.registrationNumber) === key(b.registrationNumber) &&
    normaliseQualificationNumber(a.qualificationNumber) ===
      normaliseQualificationNumber(b.qualificationNumber) &&
    key(a.assessment) === key(b.assessment)
  );
}

/** At most 15 candidates per invigilator. */
export function ratioWarning(candidates: number, invigilators: number): RuleWarning | null {
  if (candidates === 0) return null;
  if (invigilators === 0) {
    return { rule: 'ratio', message: `${candidates} candidate(s) and no invigilator: add an invigilator.` };
  }
  if (candidates <= MAX_CANDIDATES_PER_INVIGILATOR * invigilators) return null;
  const needed = Math.ceil(candidates / MAX_CANDIDATES_PER_INVIGILATOR);
  return {
    rule: 'ratio',
    message: `${candidates} candidates with ${invigilators} invigilator(s): at most ${MAX_CANDIDATES_PER_INVIGILATOR} per invigilator, so ${needed} are needed.`,
  };
}

/** Extra time over 25% of the duration needs a recorded reasonable adjustment. */
export function extraTimeWarning(entry: RuleEntry): RuleWarning | null {
  if (entry.durationMinutes <= 0) return null;
  const share = entry.extraMinutes / entry.durationMinutes;
  if (share <= MAX_EXTRA_TIME_WITHOUT_ADJUSTMENT + 1e-9) return null;
  if (entry.reasonableAdjustment && entry.reasonableAdjustment.trim() !== '') return null;
  return {
    rule: 'extra-time',
    entryId: entry.id,
    message: `${entry.candidateName}: ${entry.extraMinutes} min extra on ${entry.durationMinutes} min is ${Math.round(share * 100)}%; over 25% needs a recorded reasonable adjustment.`,
  };
}

/** The wait after a failed attempt before a retake: 2 hours for the listed qualifications, else 48. */
export function retakeWaitHours(qualificationNumber: string): number {
  return normaliseQualificationNumber(qualificationNumber) in SHORT_RETAKE_QUALIFICATIONS
    ? SHORT_RETAKE_WAIT_HOURS
    : RETAKE_WAIT_HOURS;
}

/** "47 hours", "90 minutes": how long a gap was, rounded down to what matters. */
export function gapText(hours: number): string {
  return hours < 2 ? `${Math.round(hours * 60)} minutes` : `${Math.floor(hours)} hours`;
}

/**
 * The latest failed attempt at the same assessment that began before `start` (ms), and the hours from
 * its end (its finish when recorded) to `start`, when that is shorter than the wait.
 */
export function retakeTooSoon(
  subject: { registrationNumber: string; qualificationNumber: string; assessment: string },
  start: number,
  history: readonly Attempt[],
): { failed: Attempt; hours: number; wait: number } | null {
  let failed: Attempt | null = null;
  for (const a of history) {
    if (a.outcome !== 'failed' || !sameAssessment(a, subject) || attemptStart(a) >= start) continue;
    if (!failed || attemptEnd(a) > attemptEnd(failed)) failed = a;
  }
  if (!failed) return null;
  const wait = retakeWaitHours(subject.qualificationNumber);
  const hours = Math.max(0, start - attemptEnd(failed)) / HOUR_MS;
  return hours >= wait ? null : { failed, hours, wait };
}

export function retakeWarning(
  entry: RuleEntry,
  startsAt: string,
  history: readonly Attempt[],
): RuleWarning | null {
  const soon = retakeTooSoon(entry, Date.parse(startsAt), history);
  if (!soon) return null;
  return {
    rule: 'retake-wait',
    entryId: entry.id,
    message: `${entry.candidateName}: retake of "${entry.assessment}" only ${gapText(soon.hours)} after a failed attempt; the wait is ${soon.wait} hours.`,
  };
}

export function attemptLimitWarning(
  entry: RuleEntry,
  startsAt: string,
  history: readonly Attempt[],
): RuleWarning | null {
  const max = QUALIFICATION_TYPES[entry.qualificationType].maxAttempts;
  if (max === null) return null;
  const start = Date.parse(startsAt);
  const before = history.filter(
    (a) => attemptCounts(a) && sameAssessment(a, entry) && attemptStart(a) < start,
  ).length;
  const attempt = before + 1;
  if (attempt <= max) return null;
  return {
    rule: 'attempt-limit',
    entryId: entry.id,
    message: `${entry.candidateName}: this would be attempt ${attempt} at "${entry.assessment}"; ${QUALIFICATION_TYPES[entry.qualificationType].label} allows ${max}.`,
  };
}

/** No more than two online assessments per candidate per day, counting every sitting that day. */
export function dailyLimitWarnings(sitting: RuleSitting, history: readonly Attempt[]): RuleWarning[] {
  const day = localDay(sitting.startsAt);
  const counts = new Map<string, { count: number; entry: RuleEntry }>();
  for (const entry of sitting.entries) {
    const k = key(entry.registrationNumber);
    const c = counts.get(k);
    if (c) c.count++;
    else counts.set(k, { count: 1, entry });
  }
  for (const a of history) {
    if (a.sittingId === sitting.id || !attemptCounts(a) || localDay(a.startsAt) !== day) continue;
    const c = counts.get(key(a.registrationNumber));
    if (c) c.count++;
  }
  const warnings: RuleWarning[] = [];
  for (const { count, entry } of counts.values()) {
    if (count > MAX_ASSESSMENTS_PER_DAY) {
      warnings.push({
        rule: 'daily-limit',
        entryId: entry.id,
        message: `${entry.candidateName}: ${count} online assessments on ${day}; the limit is ${MAX_ASSESSMENTS_PER_DAY} a day.`,
      });
    }
  }
  return warnings;
}

/** Every warning for a sitting, sitting-wide first, then per candidate in seating order. */
export function sittingWarnings(sitting: RuleSitting, history: readonly Attempt[]): RuleWarning[] {
  const others = history.filter((a) => a.sittingId !== sitting.id);
  const warnings: RuleWarning[] = [];
  const ratio = ratioWarning(sitting.entries.length, sitting.invigilatorCount);
  if (ratio) warnings.push(ratio);
  warnings.push(...dailyLimitWarnings(sitting, others));
  for (const entry of sitting.entries) {
    for (const w of [
      retakeWarning(entry, sitting.startsAt, others),
      attemptLimitWarning(entry, sitting.startsAt, others),
      extraTimeWarning(entry),
    ]) {
      if (w) warnings.push(w);
    }
  }
  return warnings;
}
