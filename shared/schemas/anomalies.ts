import { z } from 'zod';

/**
 * The quality assurer's analysis of a centre's own sittings (seeds/000: "IMI personnel will interrogate
 * the system to identify strange patterns of use, unusual times when online assessments are taken,
 * short completion times, frequent attempts at the same test"; the EQA does the same on a visit,
 * seeds/003). The rules are in shared/rules/anomalies.ts; these are the shapes that cross the API.
 */

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day is written 08:30');

/** True for a time zone name the platform knows ("Europe/London"). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** ISO weekday numbers: 1 is Monday, 7 is Sunday. */
export const WEEKDAY_NAMES = [
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
  'Sunday',
] as const;

/** When the centre runs assessments; a sitting outside these hours, or on another day, is flagged. */
export const CentreHoursSchema = z
  .strictObject({
    /** The centre's time zone (IANA name): times are judged on the centre's clock. */
    timeZone: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .refine(isTimeZone, 'not a time zone name such as Europe/London'),
    opens: HHMM,
    closes: HHMM,
    /** The days it is open, as ISO weekday numbers (1 Monday ... 7 Sunday). */
    days: z
      .array(z.number().int().min(1).max(7))
      .min(1, 'choose at least one day')
      .max(7)
      .refine((d) => new Set(d).size === d.length, 'a day is listed twice'),
  })
  .refine((h) => h.opens < h.closes, { message: 'the centre must open before it closes', path: ['closes'] });
export type CentreHours = z.infer<typeof CentreHoursSchema>;

export const DEFAULT_CENTRE_HOURS: CentreHours = {
  timeZone: 'Europe/London',
  opens: '08:00',
  closes: '18:00',
  days: [1, 2, 3, 4, 5],
};

/** How sensitive the rules are; the defaults are what the report uses unless the page changes them. */
export const AnomalyThresholdsSchema = z.strictObject({
  /** An attempt shorter than this share of the assessment's median working time is flagged. */
  shortShare: z.number().min(0.05).max(0.95).default(0.5),
  /** Timed attempts needed before a median means anything. */
  shortMinSample: z.number().int().min(3).max(1000).default(5),
  /** Attempts by one candidate at one assessment that count as frequent. */
  frequentAttempts: z.number().int().min(2).max(50).default(3),
  /** Incidents at one PC over the range that count as many. */
  seatIncidents: z.number().int().min(2).max(1000).default(5),
});
export type AnomalyThresholds = z.infer<typeof AnomalyThresholdsSchema>;
export const DEFAULT_ANOMALY_THRESHOLDS: AnomalyThresholds = AnomalyThresholdsSchema.parse({});

export const ANOMALY_RULES = {
  'unusual-time': 'Unusual time',
  'short-attempt': 'Short completion time',
  'frequent-attempts': 'Frequent attempts at the same assessment',
  'retake-too-soon': 'Retake too soon after a fail',
  'daily-limit': 'More than two assessments in a day',
  ratio: 'Too few invigilators',
  'extra-time': 'Extra time over 25% without a reasonable adjustment',
  'no-identity-check': 'Released without an identity check',
  'seat-incidents': 'PC with many incidents',
} as const;
export type AnomalyRule = keyof typeof ANOMALY_RULES;
export const ANOMALY_RULE_IDS = Object.keys(ANOMALY_RULES) as [AnomalyRule, ...AnomalyRule[]];

export const AnomalyFlagSchema = z.object({
  rule: z.enum(ANOMALY_RULE_IDS),
  /** Why it was raised, in plain English, with the numbers. */
  message: z.string(),
  /** When it happened (for ordering and the report's date column). */
  at: z.string(),
  /** The sitting to open for it (null only for a PC's incidents outside any sitting). */
  sittingId: z.string().nullable(),
  /** Every sitting involved (a retake names the failed sitting too; a day names each sitting that day). */
  sittingIds: z.array(z.string()),
  room: z.string().nullable(),
  entryId: z.string().nullable(),
  candidateName: z.string().nullable(),
  registrationNumber: z.string().nullable(),
  seatId: z.string().nullable(),
  pcName: z.string().nullable(),
});
export type AnomalyFlag = z.infer<typeof AnomalyFlagSchema>;
