import { z } from 'zod';
import { MANUAL_INCIDENT_KIND_IDS } from '../catalogs/incidents.ts';
import { QUALIFICATION_NUMBER_PATTERN, QUALIFICATION_TYPE_IDS } from '../catalogs/qualifications.ts';
import { SITE_KIND_IDS } from '../catalogs/sites.ts';
import { FinishKindSchema } from './attempts.ts';
import { IsoDateTimeSchema, SeveritySchema, ShortTextSchema, TextSchema } from './common.ts';
import { HelpRequestViewSchema } from './help.ts';
import { HandViewSchema, PauseViewSchema, SeatHandSchema, SeatPauseSchema } from './invigilation-day.ts';

/**
 * The console's HTTP API (dashboard <-> `invigil console`) and its live updates. Every request body
 * is parsed against these schemas; a failure is a 400 naming the field.
 */

const trimmed = (max: number) => z.string().trim().max(max);
/** Ids the console makes (UUIDs). */
export const RecordIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'not a valid id');

/** A site as other answers name it (issue 12): the kinds are shared/catalogs/sites.ts's. */
export const SiteRefSchema = z.object({
  id: RecordIdSchema,
  name: z.string(),
  kind: z.enum(SITE_KIND_IDS),
  /** The kind in words ("Sub-contracted delivery site"). */
  kindLabel: z.string(),
});
export type SiteRef = z.infer<typeof SiteRefSchema>;
/** `?siteId=`: a list narrowed to one site (the centre coordinator's filter; others see their own site only). */
export const SiteFilterQuerySchema = z.strictObject({ siteId: RecordIdSchema.optional() });

export const InvigilatorNameSchema = trimmed(100).min(1, 'enter a name');
/** The awarding body's invigilator PIN, as issued (letters and digits). */
export const PinSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9]{3,20}$/, 'a PIN is 3 to 20 letters or digits');
export const PasswordSchema = z
  .string()
  .min(10, 'a password has at least 10 characters')
  .max(200, 'a password has at most 200 characters');
export const RoleSchema = z.enum(['coordinator', 'invigilator']);

export const SetupRequestSchema = z.strictObject({
  token: z.string().min(16).max(128),
  centreName: trimmed(200).min(1, 'enter the centre name'),
  name: InvigilatorNameSchema,
  pin: PinSchema,
  password: PasswordSchema,
});
export const SignInRequestSchema = z.strictObject({
  name: InvigilatorNameSchema,
  pin: PinSchema,
  password: z.string().min(1, 'enter your password').max(200),
});
export type SignInRequest = z.infer<typeof SignInRequestSchema>;

export const InvigilatorCreateSchema = z.strictObject({
  name: InvigilatorNameSchema,
  pin: PinSchema,
  password: PasswordSchema,
  role: RoleSchema.default('invigilator'),
  /**
   * Where they work: an invigilator's site (the lead site, or the creator's own site, when not given);
   * for a coordinator, the sub-contracted delivery site they are limited to (none: the whole centre).
   */
  siteId: RecordIdSchema.optional(),
});
export const InvigilatorViewSchema = z.object({
  id: RecordIdSchema,
  name: z.string(),
  pin: z.string(),
  role: RoleSchema,
  /** Their site; null for the centre coordinator (every site). */
  siteId: RecordIdSchema.nullable().optional(),
});
export type InvigilatorView = z.infer<typeof InvigilatorViewSchema>;

export const MeResponseSchema = z.object({
  invigilator: InvigilatorViewSchema,
  centre: z.object({ id: RecordIdSchema, name: z.string() }),
  /** The site they work at (null: the centre coordinator, who sees every site). */
  site: SiteRefSchema.nullable().optional(),
});
export type MeResponse = z.infer<typeof MeResponseSchema>;

/**
 * One-time sign-in links: a coordinator makes one for an invigilator (`POST
 * /api/invigilators/:id/sign-in-links`); opening it (`/#/link/<token>`) signs that invigilator in
 * once, within `validMinutes`. Only the token's hash is stored.
 */
export const SIGN_IN_LINK_MAX_MINUTES = 60;
export const SignInLinkCreateSchema = z.strictObject({
  validMinutes: z.number().int().min(1).max(SIGN_IN_LINK_MAX_MINUTES).default(15),
});
export const SignInLinkViewSchema = z.object({
  /** The address to open: the dashboard's `#/link/<token>` route (the fragment never reaches a server log). */
  url: z.string(),
  expiresAt: IsoDateTimeSchema,
  invigilator: InvigilatorViewSchema,
});
export type SignInLinkView = z.infer<typeof SignInLinkViewSchema>;
export const SignInLinkUseSchema = z.strictObject({ token: z.string().min(16).max(128) });

/**
 * Enrolment codes are single-use and valid for an hour unless the person making one asks for more
 * (a room's worth of PCs, a longer day), within these caps.
 */
export const ENROLMENT_CODE_MAX_USES = 1000;
export const ENROLMENT_CODE_MAX_HOURS = 72;
/** A code for a satellite site behind NAT may be for this many PCs. */
export const ENROLMENT_CODE_MAX_USES_BEHIND_NAT = 10_000;
/** Enrolments a minute from one address; with a code marked for a satellite site behind NAT, its own allowance. */
export const ENROL_PER_MINUTE = 300;
export const ENROL_PER_MINUTE_BEHIND_NAT = 3000;
export const EnrolmentCodeCreateSchema = z
  .strictObject({
    /** How many PCs may enrol with this code. */
    uses: z.number().int().min(1).max(ENROLMENT_CODE_MAX_USES_BEHIND_NAT).default(1),
    validHours: z.number().int().min(1).max(ENROLMENT_CODE_MAX_HOURS).default(1),
    /** For a satellite site whose PCs all reach the console from one NAT address: a higher per-address limit. */
    behindNat: z.boolean().default(false),
    /** The site its PCs' seats belong to (the maker's own site, or else the lead site, when not given). */
    siteId: RecordIdSchema.optional(),
  })
  .refine((c) => c.behindNat || c.uses <= ENROLMENT_CODE_MAX_USES, {
    path: ['uses'],
    message: `at most ${ENROLMENT_CODE_MAX_USES} PCs (${ENROLMENT_CODE_MAX_USES_BEHIND_NAT} for a code for a satellite site behind NAT)`,
  });
export const EnrolmentCodeViewSchema = z.object({
  code: z.string(),
  expiresAt: IsoDateTimeSchema,
  usesLeft: z.number().int(),
  behindNat: z.boolean().optional(),
  site: SiteRefSchema.optional(),
});
export type EnrolmentCodeView = z.infer<typeof EnrolmentCodeViewSchema>;

// ---- seats ----

/**
 * A PC enrolled with the name of an enrolled PC: it may report as that seat only once a coordinator
 * approves it. Where it came from is shown as the console saw it (address, the user agent it sent).
 */
export const ReplacementViewSchema = z.object({
  id: RecordIdSchema,
  seatId: RecordIdSchema,
  pcName: z.string(),
  address: z.string(),
  userAgent: z.string().nullable(),
  requestedAt: IsoDateTimeSchema,
  status: z.enum(['pending', 'approved', 'refused', 'superseded']),
  decidedAt: IsoDateTimeSchema.nullable(),
  /** The coordinator who decided. */
  decidedBy: z.string().nullable(),
});
export type ReplacementView = z.infer<typeof ReplacementViewSchema>;

/** Connections refused again and again for one seat (a wrong or revoked credential), until dismissed. */
export const RefusalNoticeViewSchema = z.object({
  id: RecordIdSchema,
  seatId: RecordIdSchema,
  pcName: z.string(),
  firstAt: IsoDateTimeSchema,
  lastAt: IsoDateTimeSchema,
  count: z.number().int().positive(),
  addresses: z.array(z.string()),
});
export type RefusalNoticeView = z.infer<typeof RefusalNoticeViewSchema>;

/** GET /api/notices: what wants a person's attention. */
export const NoticesResponseSchema = z.object({
  /** Waiting for a coordinator. */
  replacements: z.array(ReplacementViewSchema),
  /** The latest decided requests, for reference. */
  decided: z.array(ReplacementViewSchema),
  refusals: z.array(RefusalNoticeViewSchema),
});
export type NoticesResponse = z.infer<typeof NoticesResponseSchema>;

export const SeatUpdateSchema = z.strictObject({ place: trimmed(200) });
export const SeatMessageSchema = z.strictObject({ text: trimmed(2000).min(1, 'enter a message') });

export const SeatStateSchema = z.enum(['ready', 'attention', 'not-ready', 'offline']);
export const SeatReasonSchema = z.object({
  code: z.string(),
  severity: SeveritySchema,
  message: z.string(),
  subject: z.string().optional(),
});
export const GateViewSchema = z.object({
  state: z.enum(['held', 'released']),
  instructionId: z.string(),
  /** When the seat acknowledged it, or null while the console waits for the seat. */
  ackedAt: IsoDateTimeSchema.nullable(),
});
export const SeatViewSchema = z.object({
  id: RecordIdSchema,
  /** The site the seat belongs to. */
  siteId: RecordIdSchema.nullable().optional(),
  pcName: z.string(),
  place: z.string(),
  state: SeatStateSchema,
  /** Plain-English reasons, most serious first (Offline has its own). */
  reasons: z.array(SeatReasonSchema),
  connected: z.boolean(),
  extensionLinked: z.boolean().nullable(),
  /** When the seat's current status was reported (seat clock) and when it was last heard from. */
  statusAt: IsoDateTimeSchema.nullable(),
  lastSeenAt: IsoDateTimeSchema.nullable(),
  candidate: z
    .object({
      sittingId: RecordIdSchema,
      entryId: RecordIdSchema,
      name: z.string(),
      registrationNumber: z.string(),
      identityConfirmed: z.boolean(),
    })
    .nullable(),
  gate: GateViewSchema.nullable(),
  /** The latest message sent to the candidate, and when the seat confirmed showing it. */
  lastMessage: z
    .object({ instructionId: z.string(), sentAt: IsoDateTimeSchema, ackedAt: IsoDateTimeSchema.nullable() })
    .nullable(),
  /** The candidate's raised hand, until an invigilator answers it (issue 13). */
  hand: SeatHandSchema.nullable().optional(),
  /** The pause holding this seat (its own, or its room's), until an invigilator resumes it. */
  pause: SeatPauseSchema.nullable().optional(),
});
export type SeatView = z.infer<typeof SeatViewSchema>;

// ---- sittings ----

export const SittingEntryInputSchema = z.strictObject({
  /** Present when editing an existing entry (keeps its identity check and outcome). */
  id: RecordIdSchema.optional(),
  candidateName: trimmed(200).min(1, 'enter the candidate name'),
  registrationNumber: trimmed(40).min(1, 'enter the registration number'),
  qualificationNumber: z
    .string()
    .trim()
    .toUpperCase()
    .regex(QUALIFICATION_NUMBER_PATTERN, 'a qualification number looks like 601/8928/9'),
  qualificationType: z.enum(QUALIFICATION_TYPE_IDS).default('other'),
  assessment: trimmed(200).min(1, 'enter the assessment'),
  durationMinutes: z.number().int().min(1).max(600),
  extraMinutes: z.number().int().min(0).max(600).default(0),
  reasonableAdjustment: trimmed(500).nullable().default(null),
  /** The PC the candidate sits at (the seating plan); null until assigned. */
  seatId: RecordIdSchema.nullable().default(null),
});
export type SittingEntryInput = z.infer<typeof SittingEntryInputSchema>;

export const SittingInputSchema = z.strictObject({
  room: trimmed(200).min(1, 'enter the room'),
  startsAt: IsoDateTimeSchema,
  invigilatorIds: z.array(RecordIdSchema).max(50),
  entries: z.array(SittingEntryInputSchema).max(500),
  /** Where it is sat: set when it is planned (the planner's own site, or else the lead site, when not given); a sitting keeps its site. */
  siteId: RecordIdSchema.optional(),
});
export type SittingInput = z.infer<typeof SittingInputSchema>;

export const OutcomeSchema = z.enum(['passed', 'failed', 'absent', 'not-known']);
export const EntryOutcomeSchema = z.strictObject({ outcome: OutcomeSchema });

export const IdentityMethodSchema = z.enum(['photo-id', 'known-to-invigilator', 'other']);
export const IdentityConfirmSchema = z.strictObject({
  method: IdentityMethodSchema,
  note: trimmed(500).optional(),
});

export const RuleWarningSchema = z.object({
  rule: z.enum(['ratio', 'daily-limit', 'retake-wait', 'attempt-limit', 'extra-time']),
  entryId: z.string().optional(),
  message: z.string(),
});

export const IdentityCheckViewSchema = z.object({
  confirmedAt: IsoDateTimeSchema,
  confirmedBy: z.string(),
  method: IdentityMethodSchema,
  note: z.string().nullable(),
  pcName: z.string().nullable(),
});

export const SittingEntryViewSchema = SittingEntryInputSchema.extend({
  id: RecordIdSchema,
  qualificationType: z.enum(QUALIFICATION_TYPE_IDS),
  extraMinutes: z.number().int(),
  reasonableAdjustment: z.string().nullable(),
  seatId: RecordIdSchema.nullable(),
  outcome: OutcomeSchema,
  identity: IdentityCheckViewSchema.nullable(),
  /** The attempt (issue 13): when the seat was first released to the assessment, and the finish. */
  releasedAt: IsoDateTimeSchema.nullable().optional(),
  finishedAt: IsoDateTimeSchema.nullable().optional(),
  finishedHow: FinishKindSchema.nullable().optional(),
});
export type SittingEntryView = z.infer<typeof SittingEntryViewSchema>;

export const SittingViewSchema = z.object({
  id: RecordIdSchema,
  siteId: RecordIdSchema.nullable().optional(),
  room: z.string(),
  startsAt: IsoDateTimeSchema,
  closedAt: IsoDateTimeSchema.nullable(),
  invigilators: z.array(InvigilatorViewSchema.pick({ id: true, name: true, pin: true })),
  entries: z.array(SittingEntryViewSchema),
  warnings: z.array(RuleWarningSchema),
  createdBy: z.string(),
  createdAt: IsoDateTimeSchema,
});
export type SittingView = z.infer<typeof SittingViewSchema>;

// ---- incidents ----

export const ManualIncidentCreateSchema = z.strictObject({
  kind: z.enum(MANUAL_INCIDENT_KIND_IDS),
  description: trimmed(2000).min(1, 'describe what happened'),
  sittingId: RecordIdSchema.nullable().default(null),
  entryId: RecordIdSchema.nullable().default(null),
  seatId: RecordIdSchema.nullable().default(null),
  /** When it happened; defaults to now. */
  at: IsoDateTimeSchema.optional(),
});

export const IncidentViewSchema = z.object({
  id: z.string(),
  siteId: z.string().nullable().optional(),
  at: IsoDateTimeSchema,
  kind: z.string(),
  kindLabel: z.string(),
  source: z.enum(['automatic', 'manual']),
  description: z.string(),
  sittingId: z.string().nullable(),
  seatId: z.string().nullable(),
  pcName: z.string().nullable(),
  candidateName: z.string().nullable(),
  registrationNumber: z.string().nullable(),
  /** Who recorded it (manual), or null for automatic ones. */
  recordedBy: z.string().nullable(),
  /** How many times it happened: repeats at one seat less than a minute apart are one incident. */
  count: z.number().int().positive(),
  /** When it last happened (equal to `at` when it happened once). */
  lastAt: IsoDateTimeSchema,
});
export type IncidentView = z.infer<typeof IncidentViewSchema>;

/** GET /api/sittings/:id/record: everything the invigilation record holds (the page and the CSV). */
export const InvigilationRecordSchema = z.object({
  centre: z.object({ id: z.string(), name: z.string() }),
  /** The site the sitting was sat at (the record's heading and file name name it). */
  site: SiteRefSchema.nullable().optional(),
  sitting: SittingViewSchema,
  /** PC name and place for each seat in the seating plan. */
  seats: z.record(z.string(), z.object({ pcName: z.string(), place: z.string() })),
  incidents: z.array(IncidentViewSchema),
  /** Raised hands and how they were answered; pauses with their durations (issue 13). */
  hands: z.array(HandViewSchema).optional(),
  pauses: z.array(PauseViewSchema).optional(),
  generatedAt: IsoDateTimeSchema,
  generatedBy: z.string(),
});
export type InvigilationRecord = z.infer<typeof InvigilationRecordSchema>;

/** GET /api/records: the records of a range of days, of one site or (`site` null) the whole centre. */
export const RecordsExportSchema = z.object({
  centre: z.object({ id: z.string(), name: z.string() }),
  site: SiteRefSchema.nullable(),
  from: z.string(),
  to: z.string(),
  records: z.array(InvigilationRecordSchema),
  generatedAt: IsoDateTimeSchema,
  generatedBy: z.string(),
});
export type RecordsExport = z.infer<typeof RecordsExportSchema>;

export const IncidentQuerySchema = z.strictObject({
  sittingId: RecordIdSchema.optional(),
  siteId: RecordIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

// ---- live updates (WebSocket /api/live) ----

export const LiveToDashboardSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('live/snapshot'),
    serverTime: IsoDateTimeSchema,
    seats: z.array(SeatViewSchema),
  }),
  /** Seats whose view changed since the last push (coalesced). */
  z.object({ type: z.literal('live/seats'), serverTime: IsoDateTimeSchema, seats: z.array(SeatViewSchema) }),
  z.object({ type: z.literal('live/incidents'), incidents: z.array(IncidentViewSchema) }),
  /** Sittings changed (someone else edited one): refetch. */
  z.object({ type: z.literal('live/sittings'), sittingIds: z.array(z.string()) }),
  /** Notices (seat replacement requests, refused connections) changed: refetch GET /api/notices. */
  z.object({ type: z.literal('live/notices') }),
  /** Help summoned from a room, or acknowledged (the whole request each time). */
  z.object({ type: z.literal('live/help'), request: HelpRequestViewSchema }),
]);
export type LiveToDashboard = z.infer<typeof LiveToDashboardSchema>;

/** GET /api/audit: one row of the audit trail (who did what, and refusals nobody signed in caused). */
export const AuditEntrySchema = z.object({
  at: IsoDateTimeSchema,
  /** Who did it, or null for the console itself (a refused sign-in, for one). */
  invigilator: z.string().nullable(),
  action: z.string(),
  subject: z.string().nullable(),
  /** JSON text, as recorded. */
  details: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

/** GET /api/health: counts only (no names), for monitoring and the benchmarks. */
export const HealthSchema = z.object({
  ok: z.literal(true),
  seatsConnected: z.number().int(),
  dashboards: z.number().int(),
  seatMessages: z.number().int(),
  seatEventsStored: z.number().int(),
  refusedConnections: z.number().int(),
  /** The same seat connections, by why they were refused (the seat itself is told in words). */
  refusedConnectionsByReason: z.object({
    /** No `Authorization: Bearer` or no seat id header. */
    noCredential: z.number().int(),
    /**
     * An unknown seat, or a wrong or revoked credential: one count, as the seat gets one answer (this
     * route is public: two would tell anyone whether a seat id exists).
     */
    wrongCredential: z.number().int(),
    /** A PC whose replacement request waits for a coordinator. */
    pendingReplacement: z.number().int(),
  }),
  /**
   * The live channel between console processes on one PostgreSQL database (LISTEN/NOTIFY, live-bus.ts),
   * counted since this process started. On SQLite (`shared: false`) it is a loopback: `sent` counts the
   * notices that would be sent, and nothing is received.
   */
  liveChannel: z.object({
    shared: z.boolean(),
    sent: z.number().int(),
    /** Every notice heard on the channel, this process's own and refused ones included. */
    received: z.number().int(),
    /** This process's own notices, heard back and ignored. */
    own: z.number().int(),
    /** Refused: too long, too deep, not JSON or not of the schema. */
    bad: z.number().int(),
    /** Times the listening connection was lost and opened again. */
    reconnects: z.number().int(),
    sendFailures: z.number().int(),
  }),
  /**
   * The database, counted since this process opened it: every statement it ran (BEGIN and COMMIT
   * included; on PostgreSQL each is a round trip) and every transaction.
   */
  database: z.object({
    engine: z.enum(['sqlite', 'postgres']),
    statements: z.number().int(),
    transactions: z.number().int(),
  }),
  /**
   * The seat events writer (one transaction per batch, events acknowledged after it commits), since
   * this process started: batches written, their total and longest time in milliseconds, the largest
   * batch, and the most events waiting at the start of a batch (that batch included).
   */
  seatEventWrites: z.object({
    batches: z.number().int(),
    msTotal: z.number(),
    msMax: z.number(),
    largestBatch: z.number().int(),
    queueMax: z.number().int(),
  }),
  seatsPausedOverBudget: z.number().int(),
  socketsDroppedNotReading: z.number().int(),
  eventLoopDelayP99Ms: z.number(),
  eventLoopDelayMaxMs: z.number(),
});
export type Health = z.infer<typeof HealthSchema>;

export const ApiErrorSchema = z.object({ error: TextSchema, field: ShortTextSchema.optional() });
export type ApiError = z.infer<typeof ApiErrorSchema>;
