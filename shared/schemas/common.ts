import { z } from 'zod';

/** An ISO 8601 timestamp with a UTC offset, as produced by `new Date().toISOString()`. */
export const IsoDateTimeSchema = z.iso.datetime({ offset: true });
export type IsoDateTime = z.infer<typeof IsoDateTimeSchema>;

/**
 * An identifier for something that crosses a hop (an event, an instruction): a UUID from
 * `crypto.randomUUID()` or another short opaque token. Receivers are idempotent on it.
 */
export const IdSchema = z
  .string()
  .min(8)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'an id is 8 to 64 letters, digits, "-" or "_"');
export type Id = z.infer<typeof IdSchema>;

/** How much a finding matters: `block` makes a seat Not ready, `warn` needs attention, `info` is for the record. */
export const SeveritySchema = z.enum(['block', 'warn', 'info']);
export type Severity = z.infer<typeof SeveritySchema>;

/** Short human text (a name, a title): bounded so that nothing a seat sends can flood a page or a log. */
export const ShortTextSchema = z.string().max(200);
/** Longer human text (a message, a reason). */
export const TextSchema = z.string().max(2000);

/** Most entries in a finding's `details`. */
export const MAX_FINDING_DETAILS = 32;

/** A finding's machine-readable details: at most 32 entries, short keys, short scalar values. */
export const FindingDetailsSchema = z
  .record(z.string().min(1).max(64), z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]))
  .refine((d) => Object.keys(d).length <= MAX_FINDING_DETAILS, {
    message: `at most ${MAX_FINDING_DETAILS} entries`,
  })
  .meta({ maxProperties: MAX_FINDING_DETAILS });

/**
 * One thing a check found. `code` is stable (documented in shared/catalogs/findings.ts) so that
 * deployment scripts and the console can rely on it; `message` is plain English for people.
 */
export const FindingSchema = z.object({
  code: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'a finding code is kebab-case'),
  severity: SeveritySchema,
  /** Plain-English reason, for an invigilator or a candidate. */
  message: TextSchema,
  /** The thing found: a program ("KeePassXC"), a display ("HDMI-1"), an extension name, a policy field. */
  subject: ShortTextSchema.optional(),
  /** What to do about it, for IT or the invigilator. */
  remedy: TextSchema.optional(),
  /** Where it was found. */
  source: z.enum(['extension', 'agent', 'console']).optional(),
  /** Machine-readable details (pid, process name, extension id...). Values are rendered as text only. */
  details: FindingDetailsSchema.optional(),
});
export type Finding = z.infer<typeof FindingSchema>;

/** One line of a checklist: a check, whether it passed, and why, in plain English. */
export const CheckResultSchema = z.object({
  /** Stable id of the check (`site-blocking`, `password-saving`, `display-count`...). */
  id: z.string().min(1).max(64),
  /** What the check is about, for people ("Only the assessment site can be opened"). */
  title: ShortTextSchema,
  /** `pass`, `fail` (its findings say how bad), or `error` when the check itself could not run. */
  status: z.enum(['pass', 'fail', 'error']),
  /** Plain-English summary of the result, pass or fail. */
  summary: TextSchema,
  findings: z.array(FindingSchema).max(100),
});
export type CheckResult = z.infer<typeof CheckResultSchema>;
