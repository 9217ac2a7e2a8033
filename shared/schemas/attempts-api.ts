import { z } from 'zod';
import { AnomalyFlagSchema, CentreHoursSchema } from './anomalies.ts';
import { RecordIdSchema, SiteRefSchema } from './console-api.ts';
import { ResultsProblemSchema } from './results-csv.ts';

/**
 * The console API for attempts (finish, outcome import) and the quality assurer's anomaly report.
 */

/** The invigilator marks a candidate finished, or submitted before completion (a seeds/000 category). */
export const EntryFinishSchema = z.strictObject({
  how: z.enum(['finished', 'submitted-early']),
});

/** The awarding body's results as CSV text (the dashboard reads the file and sends its text). */
export const ResultsImportSchema = z.strictObject({
  /** Bounded by the console's 256 KB request body (some 5,000 rows); a bigger file is split by month. */
  csv: z.string().max(256 * 1024),
  fileName: z.string().max(255).optional(),
});

export const ResultsImportResponseSchema = z.object({
  /** Candidate entries whose outcome was set. */
  updated: z.number().int(),
  /** Rows whose outcome was already the same. */
  unchanged: z.number().int(),
  notes: z.array(z.string()),
});
export type ResultsImportResponse = z.infer<typeof ResultsImportResponseSchema>;

/** A refused import: nothing was changed; every bad row is named. */
export const ResultsImportRefusalSchema = z.object({
  error: z.string(),
  problems: z.array(ResultsProblemSchema),
});
export type ResultsImportRefusal = z.infer<typeof ResultsImportRefusalSchema>;

export const DayRangeQuerySchema = z
  .strictObject({
    from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'from is a date written 2026-03-01'),
    to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'to is a date written 2026-03-31'),
    /** One site's (issue 12); the whole centre's when not given (a site's own people see their site only). */
    siteId: RecordIdSchema.optional(),
  })
  .refine((q) => q.from <= q.to, { message: 'the range must start on or before its end', path: ['to'] })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 400 * 86_400_000, {
    message: 'a report covers at most 400 days',
    path: ['to'],
  });

export const AnomalyReportSchema = z.object({
  centreName: z.string(),
  /** The site the report is narrowed to (issue 12); null or absent: the whole centre. */
  site: SiteRefSchema.nullable().optional(),
  range: z.object({ from: z.string(), to: z.string() }),
  hours: CentreHoursSchema,
  generatedAt: z.string(),
  /** Sittings and attempts looked at within the range. */
  sittings: z.number().int(),
  attempts: z.number().int(),
  flags: z.array(AnomalyFlagSchema),
});
export type AnomalyReport = z.infer<typeof AnomalyReportSchema>;

export const CentreHoursResponseSchema = z.object({ hours: CentreHoursSchema, setByCentre: z.boolean() });
