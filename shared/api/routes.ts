import { z } from 'zod';
import { CentreHoursSchema } from '../schemas/anomalies.ts';
import {
  AnomalyReportSchema,
  CentreHoursResponseSchema,
  DayRangeQuerySchema,
  EntryFinishSchema,
  ResultsImportRefusalSchema,
  ResultsImportResponseSchema,
  ResultsImportSchema,
} from '../schemas/attempts-api.ts';
import {
  AuditEntrySchema,
  EnrolmentCodeCreateSchema,
  EnrolmentCodeViewSchema,
  EntryOutcomeSchema,
  HealthSchema,
  IdentityConfirmSchema,
  IncidentQuerySchema,
  IncidentViewSchema,
  InvigilationRecordSchema,
  InvigilatorCreateSchema,
  InvigilatorViewSchema,
  ManualIncidentCreateSchema,
  MeResponseSchema,
  NoticesResponseSchema,
  RecordIdSchema,
  RecordsExportSchema,
  ReplacementViewSchema,
  RuleWarningSchema,
  SeatMessageSchema,
  SeatUpdateSchema,
  SeatViewSchema,
  SetupRequestSchema,
  SignInLinkCreateSchema,
  SignInLinkUseSchema,
  SignInLinkViewSchema,
  SignInRequestSchema,
  SiteFilterQuerySchema,
  SittingInputSchema,
  SittingViewSchema,
} from '../schemas/console-api.ts';
import { HelpRequestCreateSchema, HelpRequestViewSchema } from '../schemas/help.ts';
import {
  HandAnswerSchema,
  HandViewSchema,
  PauseStartSchema,
  PauseViewSchema,
} from '../schemas/invigilation-day.ts';
import { ENROL_PATH, EnrolRequestSchema, EnrolResponseSchema } from '../schemas/protocol.ts';
import {
  RoomCreateSchema,
  RoomParams,
  RoomRenameSchema,
  SiteCreateSchema,
  SiteMoveSchema,
  SiteParams,
  SiteRenameSchema,
  SiteViewSchema,
} from '../schemas/sites.ts';

/**
 * Every route of the console's HTTP API, declared once: method, path, who may call it, and the zod
 * schemas of its path parameters, query, body and answers. The console registers its Fastify routes
 * from this table (requests validated, answers serialised through the schemas), the dashboard, the demo
 * and the tests call the console through the one typed client built on it (`client.ts`), and
 * `openapi.ts` turns it into the OpenAPI document served at `/api/openapi.json` and published as
 * `docs/openapi.json`.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
/**
 * Who may call a route: anyone, a signed-in invigilator, a coordinator (the centre's, or a sub-contracted
 * delivery site's own, whose powers stop at that site), or only the centre coordinator.
 */
export type RouteAccess = 'public' | 'signed-in' | 'coordinator' | 'centre-coordinator';
export type SuccessStatus = 200 | 201 | 202;

export interface ApiRoute {
  method: HttpMethod;
  /** Fastify's form: `:name` for a path parameter. */
  path: string;
  summary: string;
  description?: string;
  tag:
    | 'auth'
    | 'seats'
    | 'sittings'
    | 'record'
    | 'notices'
    | 'hands-and-pauses'
    | 'help'
    | 'attempts'
    | 'reports'
    | 'sites'
    | 'health';
  access: RouteAccess;
  /** Limited per address (429 with a message saying how long to wait). */
  rateLimited?: boolean;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** The answers on success, by status; the lowest is the usual one. Errors are `ApiErrorSchema`. */
  responses: Partial<Record<SuccessStatus, z.ZodType>>;
  /**
   * Refusals whose body says more than `ApiErrorSchema` (the results import's 400 names every bad row),
   * by status; every other refusal is `ApiErrorSchema`.
   */
  refusals?: Partial<Record<400 | 409, z.ZodType>>;
  /** Not JSON: the answer is text of this type (the record's and the anomaly report's CSV). */
  produces?: 'text/csv';
}

const route = <const R extends ApiRoute>(r: R): R => r;

const IdParams = z.strictObject({ id: RecordIdSchema });
const EntryParams = z.strictObject({ id: RecordIdSchema, entryId: RecordIdSchema });
const InvigilatorAnswer = z.object({ invigilator: InvigilatorViewSchema });
const SittingAnswer = z.object({ sitting: SittingViewSchema });
const ReplacementAnswer = z.object({ replacement: ReplacementViewSchema });

export const apiRoutes = {
  // ---- auth: first sign-in, sign-in and out, one-time links, invigilator accounts ----
  getSetup: route({
    method: 'GET',
    path: '/api/setup',
    tag: 'auth',
    summary: 'Whether the centre still needs its first coordinator (the one-time setup link).',
    access: 'public',
    responses: { 200: z.object({ needed: z.boolean() }) },
  }),
  completeSetup: route({
    method: 'POST',
    path: '/api/setup',
    tag: 'auth',
    summary: 'Create the first coordinator with the setup link the console printed; signs them in.',
    access: 'public',
    rateLimited: true,
    body: SetupRequestSchema,
    responses: { 201: InvigilatorAnswer },
  }),
  signIn: route({
    method: 'POST',
    path: '/api/sign-in',
    tag: 'auth',
    summary: 'Sign in with name, PIN and password; sets the session cookie.',
    description:
      'Limited per address (10 a minute), per name (a doubling delay after 3 wrong passwords) and overall.',
    access: 'public',
    rateLimited: true,
    body: SignInRequestSchema,
    responses: { 200: InvigilatorAnswer },
  }),
  createSignInLink: route({
    method: 'POST',
    path: '/api/invigilators/:id/sign-in-links',
    tag: 'auth',
    summary: 'Make a one-time sign-in link for an invigilator (valid up to 60 minutes).',
    access: 'coordinator',
    params: IdParams,
    body: SignInLinkCreateSchema,
    responses: { 201: SignInLinkViewSchema },
  }),
  useSignInLink: route({
    method: 'POST',
    path: '/api/sign-in/link',
    tag: 'auth',
    summary: 'Exchange a one-time sign-in link’s token for a session.',
    access: 'public',
    rateLimited: true,
    body: SignInLinkUseSchema,
    responses: { 200: InvigilatorAnswer },
  }),
  signOut: route({
    method: 'POST',
    path: '/api/sign-out',
    tag: 'auth',
    summary: 'End this session (and close its live socket).',
    access: 'public',
    responses: { 200: z.object({ signedOut: z.literal(true) }) },
  }),
  me: route({
    method: 'GET',
    path: '/api/me',
    tag: 'auth',
    summary: 'Who is signed in, and their centre.',
    access: 'signed-in',
    responses: { 200: MeResponseSchema },
  }),
  listInvigilators: route({
    method: 'GET',
    path: '/api/invigilators',
    tag: 'auth',
    summary: 'The centre’s invigilators.',
    access: 'signed-in',
    responses: { 200: z.object({ invigilators: z.array(InvigilatorViewSchema) }) },
  }),
  createInvigilator: route({
    method: 'POST',
    path: '/api/invigilators',
    tag: 'auth',
    summary: 'Add an invigilator or coordinator (409 when the PIN is taken).',
    access: 'coordinator',
    body: InvigilatorCreateSchema,
    responses: { 201: InvigilatorAnswer },
  }),
  listAudit: route({
    method: 'GET',
    path: '/api/audit',
    tag: 'auth',
    summary: 'The latest 500 rows of the audit trail.',
    access: 'centre-coordinator',
    responses: { 200: z.object({ audit: z.array(AuditEntrySchema) }) },
  }),

  // ---- seats: enrolment, the seat list, places, messages to candidates ----
  createEnrolmentCode: route({
    method: 'POST',
    path: '/api/enrolment-codes',
    tag: 'seats',
    summary: 'Make an enrolment code for one or more PCs.',
    access: 'signed-in',
    body: EnrolmentCodeCreateSchema,
    responses: { 201: EnrolmentCodeViewSchema },
  }),
  enrolSeat: route({
    method: 'POST',
    path: ENROL_PATH,
    tag: 'seats',
    summary: 'A PC exchanges an enrolment code for a seat credential (`invigil enrol`).',
    description:
      '201: enrolled. 202: the PC name was already enrolled, so this is a replacement request that a coordinator must approve before the credential works. Called by agents, so no session and no Origin; limited per address.',
    access: 'public',
    rateLimited: true,
    body: EnrolRequestSchema,
    responses: { 201: EnrolResponseSchema, 202: EnrolResponseSchema },
  }),
  listSeats: route({
    method: 'GET',
    path: '/api/seats',
    tag: 'seats',
    summary:
      'The seats with their live state: every site’s for the centre coordinator (or one, `siteId`), one’s own site’s for everyone else.',
    access: 'signed-in',
    query: SiteFilterQuerySchema,
    responses: { 200: z.object({ seats: z.array(SeatViewSchema) }) },
  }),
  updateSeat: route({
    method: 'PATCH',
    path: '/api/seats/:id',
    tag: 'seats',
    summary: 'Set where a seat is (its place in the room).',
    access: 'signed-in',
    params: IdParams,
    body: SeatUpdateSchema,
    responses: { 200: z.object({ seat: SeatViewSchema.optional() }) },
  }),
  messageSeat: route({
    method: 'POST',
    path: '/api/seats/:id/message',
    tag: 'seats',
    summary: 'Show a message to the candidate at a seat.',
    access: 'signed-in',
    params: IdParams,
    body: SeatMessageSchema,
    responses: { 201: z.object({ instructionId: z.string() }) },
  }),

  // ---- sittings: planning, identity checks, outcomes, closing ----
  listSittings: route({
    method: 'GET',
    path: '/api/sittings',
    tag: 'sittings',
    summary:
      'The sittings, with the centre rules’ warnings: every site’s for the centre coordinator (or one, `siteId`), one’s own site’s for everyone else.',
    access: 'signed-in',
    query: SiteFilterQuerySchema,
    responses: { 200: z.object({ sittings: z.array(SittingViewSchema) }) },
  }),
  createSitting: route({
    method: 'POST',
    path: '/api/sittings',
    tag: 'sittings',
    summary: 'Plan a sitting.',
    access: 'signed-in',
    body: SittingInputSchema,
    responses: { 201: SittingAnswer },
  }),
  checkSitting: route({
    method: 'POST',
    path: '/api/sittings/check',
    tag: 'sittings',
    summary: 'The warnings a sitting would have, before it is saved.',
    access: 'signed-in',
    body: SittingInputSchema.extend({ id: RecordIdSchema.optional() }),
    responses: { 200: z.object({ warnings: z.array(RuleWarningSchema) }) },
  }),
  getSitting: route({
    method: 'GET',
    path: '/api/sittings/:id',
    tag: 'sittings',
    summary: 'One sitting.',
    access: 'signed-in',
    params: IdParams,
    responses: { 200: SittingAnswer },
  }),
  updateSitting: route({
    method: 'PUT',
    path: '/api/sittings/:id',
    tag: 'sittings',
    summary: 'Change a sitting (409 once it is closed).',
    access: 'signed-in',
    params: IdParams,
    body: SittingInputSchema,
    responses: { 200: SittingAnswer },
  }),
  closeSitting: route({
    method: 'POST',
    path: '/api/sittings/:id/close',
    tag: 'sittings',
    summary: 'Close a sitting: its record can no longer change.',
    access: 'signed-in',
    params: IdParams,
    responses: { 200: SittingAnswer },
  }),
  confirmIdentity: route({
    method: 'POST',
    path: '/api/sittings/:id/entries/:entryId/identity',
    tag: 'sittings',
    summary: 'The identity check: the right candidate is at the right PC; the seat is released.',
    access: 'signed-in',
    params: EntryParams,
    body: IdentityConfirmSchema,
    responses: { 201: SittingAnswer },
  }),
  revokeIdentity: route({
    method: 'DELETE',
    path: '/api/sittings/:id/entries/:entryId/identity',
    tag: 'sittings',
    summary: 'Undo an identity check: the seat is held again.',
    access: 'signed-in',
    params: EntryParams,
    responses: { 200: SittingAnswer },
  }),
  setOutcome: route({
    method: 'PUT',
    path: '/api/sittings/:id/entries/:entryId/outcome',
    tag: 'sittings',
    summary: 'Record a candidate’s outcome by hand (a coordinator’s to enter; or import the results CSV).',
    access: 'coordinator',
    params: EntryParams,
    body: EntryOutcomeSchema,
    responses: { 200: SittingAnswer },
  }),

  // ---- record: incidents and the invigilation record ----
  listIncidents: route({
    method: 'GET',
    path: '/api/incidents',
    tag: 'record',
    summary:
      'Incidents, newest first, optionally of one sitting or one site (one’s own site’s only, but for the centre coordinator).',
    access: 'signed-in',
    query: IncidentQuerySchema,
    responses: { 200: z.object({ incidents: z.array(IncidentViewSchema) }) },
  }),
  createIncident: route({
    method: 'POST',
    path: '/api/incidents',
    tag: 'record',
    summary: 'Record an incident by hand.',
    access: 'signed-in',
    body: ManualIncidentCreateSchema,
    responses: { 201: z.object({ incident: IncidentViewSchema }) },
  }),
  getRecord: route({
    method: 'GET',
    path: '/api/sittings/:id/record',
    tag: 'record',
    summary: 'The invigilation record of a sitting (the print page).',
    access: 'signed-in',
    params: IdParams,
    responses: { 200: z.object({ record: InvigilationRecordSchema }) },
  }),
  getRecordCsv: route({
    method: 'GET',
    path: '/api/sittings/:id/record.csv',
    tag: 'record',
    summary: 'The invigilation record of a sitting as CSV (cells a spreadsheet would run are quoted).',
    access: 'signed-in',
    params: IdParams,
    responses: { 200: z.string() },
    produces: 'text/csv',
  }),

  getRecords: route({
    method: 'GET',
    path: '/api/records',
    tag: 'record',
    summary:
      'The invigilation records of every sitting that started in a range of days: one site’s (`siteId`) or the whole centre’s (the print page).',
    access: 'signed-in',
    query: DayRangeQuerySchema,
    responses: { 200: RecordsExportSchema },
  }),
  getRecordsCsv: route({
    method: 'GET',
    path: '/api/records.csv',
    tag: 'record',
    summary:
      'The same records as one CSV, each sitting’s rows after the other; the file name names the site or the centre.',
    access: 'signed-in',
    query: DayRangeQuerySchema,
    responses: { 200: z.string() },
    produces: 'text/csv',
  }),

  // ---- notices: replacement requests and refused connections ----
  listNotices: route({
    method: 'GET',
    path: '/api/notices',
    tag: 'notices',
    summary: 'What wants a person’s attention: replacement requests and refused connections.',
    access: 'signed-in',
    responses: { 200: NoticesResponseSchema },
  }),
  approveReplacement: route({
    method: 'POST',
    path: '/api/seat-replacements/:id/approve',
    tag: 'notices',
    summary: 'Approve a PC as a seat’s replacement: the old credential is revoked.',
    access: 'coordinator',
    params: IdParams,
    responses: { 200: ReplacementAnswer },
  }),
  refuseReplacement: route({
    method: 'POST',
    path: '/api/seat-replacements/:id/refuse',
    tag: 'notices',
    summary: 'Refuse a replacement request.',
    access: 'coordinator',
    params: IdParams,
    responses: { 200: ReplacementAnswer },
  }),
  dismissNotice: route({
    method: 'POST',
    path: '/api/notices/:id/dismiss',
    tag: 'notices',
    summary: 'Dismiss a refused-connections notice.',
    access: 'signed-in',
    params: IdParams,
    responses: { 200: z.object({ dismissed: z.literal(true) }) },
  }),

  // ---- attempts: finish times, outcomes from the awarding body's results ----
  finishEntry: route({
    method: 'PUT',
    path: '/api/sittings/:id/entries/:entryId/finish',
    tag: 'attempts',
    summary:
      'Mark a candidate finished, or submitted before completing (409 once closed, absent or finished).',
    access: 'signed-in',
    params: EntryParams,
    body: EntryFinishSchema,
    responses: { 200: SittingAnswer },
  }),
  undoFinishEntry: route({
    method: 'DELETE',
    path: '/api/sittings/:id/entries/:entryId/finish',
    tag: 'attempts',
    summary: 'Undo a candidate’s finish (409 once the sitting is closed).',
    access: 'signed-in',
    params: EntryParams,
    responses: { 200: SittingAnswer },
  }),
  importResults: route({
    method: 'POST',
    path: '/api/results/import',
    tag: 'attempts',
    summary: 'Import the awarding body’s results CSV: outcomes matched to this centre’s candidate entries.',
    description:
      'Any bad or unmatched row refuses the whole file (400 with every problem row named): nothing is half-imported.',
    access: 'centre-coordinator',
    body: ResultsImportSchema,
    responses: { 200: ResultsImportResponseSchema },
    refusals: { 400: ResultsImportRefusalSchema },
  }),

  // ---- hands and pauses: raised hands answered, a seat or the room paused and resumed ----
  answerHand: route({
    method: 'POST',
    path: '/api/hands/:id/answer',
    tag: 'hands-and-pauses',
    summary: 'Answer a raised hand with a reason (404 when it is answered already).',
    access: 'signed-in',
    params: IdParams,
    body: HandAnswerSchema,
    responses: { 200: z.object({ hand: HandViewSchema }) },
  }),
  listPauses: route({
    method: 'GET',
    path: '/api/sittings/:id/pauses',
    tag: 'hands-and-pauses',
    summary: 'A sitting’s pauses, with their durations.',
    access: 'signed-in',
    params: IdParams,
    responses: { 200: z.object({ pauses: z.array(PauseViewSchema) }) },
  }),
  startPause: route({
    method: 'POST',
    path: '/api/sittings/:id/pauses',
    tag: 'hands-and-pauses',
    summary: 'Pause one candidate’s seat or the whole room: the seats are held until resumed.',
    access: 'signed-in',
    params: IdParams,
    body: PauseStartSchema,
    responses: { 201: z.object({ pause: PauseViewSchema }) },
  }),
  resumePause: route({
    method: 'POST',
    path: '/api/pauses/:id/resume',
    tag: 'hands-and-pauses',
    summary: 'End a pause: its seats are released again (404 when it has ended already).',
    access: 'signed-in',
    params: IdParams,
    responses: { 200: z.object({ pause: PauseViewSchema }) },
  }),

  // ---- help: summon help to a room, acknowledge it ----
  listHelp: route({
    method: 'GET',
    path: '/api/help',
    tag: 'help',
    summary: 'Requests for help of the last 12 hours, at the sites I see (and centre-wide ones).',
    access: 'signed-in',
    responses: { 200: z.object({ requests: z.array(HelpRequestViewSchema) }) },
  }),
  summonHelp: route({
    method: 'POST',
    path: '/api/help',
    tag: 'help',
    summary:
      'Summon help to a room: every dashboard signed in at its site, and the centre coordinator’s, hears it (live/help).',
    access: 'signed-in',
    body: HelpRequestCreateSchema,
    responses: { 201: z.object({ request: HelpRequestViewSchema }) },
  }),
  acknowledgeHelp: route({
    method: 'POST',
    path: '/api/help/:id/acknowledge',
    tag: 'help',
    summary: 'Acknowledge a request for help: on my way (409 for the one who asked).',
    access: 'signed-in',
    params: IdParams,
    responses: { 200: z.object({ request: HelpRequestViewSchema, already: z.boolean() }) },
  }),

  // ---- reports: the quality assurer's anomaly report, the centre's hours ----
  getAnomalyReport: route({
    method: 'GET',
    path: '/api/reports/anomalies',
    tag: 'reports',
    summary:
      'The anomaly report for a range of days (at most 400): what the awarding body and the EQA will see.',
    access: 'signed-in',
    query: DayRangeQuerySchema,
    responses: { 200: z.object({ report: AnomalyReportSchema }) },
  }),
  getAnomalyReportCsv: route({
    method: 'GET',
    path: '/api/reports/anomalies.csv',
    tag: 'reports',
    summary: 'The anomaly report as CSV, each flag with a link to its sitting.',
    access: 'signed-in',
    query: DayRangeQuerySchema,
    responses: { 200: z.string() },
    produces: 'text/csv',
  }),
  getCentreHours: route({
    method: 'GET',
    path: '/api/settings/centre-hours',
    tag: 'reports',
    summary: 'The centre’s opening hours and time zone (the defaults until a coordinator sets them).',
    access: 'signed-in',
    responses: { 200: CentreHoursResponseSchema },
  }),
  setCentreHours: route({
    method: 'PUT',
    path: '/api/settings/centre-hours',
    tag: 'reports',
    summary: 'Set the centre’s opening hours and time zone, which the anomaly report measures against.',
    access: 'centre-coordinator',
    body: CentreHoursSchema,
    responses: { 200: CentreHoursResponseSchema },
  }),

  // ---- sites: the centre's sites and rooms, who works where ----
  listSites: route({
    method: 'GET',
    path: '/api/sites',
    tag: 'sites',
    summary: 'The centre’s sites with their rooms (one’s own site only, but for the centre coordinator).',
    access: 'signed-in',
    responses: { 200: z.object({ sites: z.array(SiteViewSchema) }) },
  }),
  createSite: route({
    method: 'POST',
    path: '/api/sites',
    tag: 'sites',
    summary:
      'Add a site (multi-site, satellite or sub-contracted delivery) with its rooms (409 when the name is taken).',
    access: 'centre-coordinator',
    body: SiteCreateSchema,
    responses: { 201: z.object({ site: SiteViewSchema }) },
  }),
  renameSite: route({
    method: 'PUT',
    path: '/api/sites/:id',
    tag: 'sites',
    summary: 'Rename a site (409 when the name is taken).',
    access: 'centre-coordinator',
    params: SiteParams,
    body: SiteRenameSchema,
    responses: { 200: z.object({ site: SiteViewSchema }) },
  }),
  addRoom: route({
    method: 'POST',
    path: '/api/sites/:id/rooms',
    tag: 'sites',
    summary: 'Add a room to a site (a site’s own coordinator: to that site; 409 when the name is taken).',
    access: 'coordinator',
    params: SiteParams,
    body: RoomCreateSchema,
    responses: { 201: z.object({ site: SiteViewSchema }) },
  }),
  renameRoom: route({
    method: 'PUT',
    path: '/api/sites/:id/rooms/:roomId',
    tag: 'sites',
    summary: 'Rename a room; the site’s sittings not yet closed follow it, closed records keep the old name.',
    access: 'coordinator',
    params: RoomParams,
    body: RoomRenameSchema,
    responses: { 200: z.object({ site: SiteViewSchema }) },
  }),
  moveSeat: route({
    method: 'PUT',
    path: '/api/seats/:id/site',
    tag: 'sites',
    summary: 'Move a seat (a PC) to another site.',
    access: 'centre-coordinator',
    params: IdParams,
    body: SiteMoveSchema,
    responses: { 200: z.object({ seat: SeatViewSchema.optional() }) },
  }),
  moveInvigilator: route({
    method: 'PUT',
    path: '/api/invigilators/:id/site',
    tag: 'sites',
    summary:
      'Move an invigilator to another site (a coordinator: limit them to a sub-contracted delivery site).',
    access: 'centre-coordinator',
    params: IdParams,
    body: SiteMoveSchema,
    responses: { 200: InvigilatorAnswer },
  }),

  // ---- health ----
  health: route({
    method: 'GET',
    path: '/api/health',
    tag: 'health',
    summary: 'Counts only (no names), for monitoring and the benchmarks.',
    access: 'public',
    responses: { 200: HealthSchema },
  }),
  resetHealth: route({
    method: 'POST',
    path: '/api/health/reset',
    tag: 'health',
    summary: 'Restart the event-loop delay sampling.',
    access: 'signed-in',
    responses: { 200: z.object({ ok: z.literal(true) }) },
  }),
  openapi: route({
    method: 'GET',
    path: '/api/openapi.json',
    tag: 'health',
    summary: 'This document.',
    access: 'public',
    responses: { 200: z.record(z.string(), z.unknown()) },
  }),
} as const satisfies Record<string, ApiRoute>;

export type ApiRoutes = typeof apiRoutes;
export type RouteName = keyof ApiRoutes;

type OutputOf<S> = S extends z.ZodType ? z.output<S> : never;
type InputOf<S> = S extends z.ZodType ? z.input<S> : never;
type ResponseSchemas<R extends ApiRoute> = R['responses'][keyof R['responses']];

/** What a caller sends (defaults may be left out). */
export type RouteInput<R extends ApiRoute> = (R['params'] extends z.ZodType
  ? { params: z.input<R['params']> }
  : { params?: undefined }) &
  (R['query'] extends z.ZodType ? { query?: z.input<R['query']> } : { query?: undefined }) &
  (R['body'] extends z.ZodType ? { body: z.input<R['body']> } : { body?: undefined });
/** What the route's handler receives, validated (defaults filled in). */
export interface RouteParsed<R extends ApiRoute> {
  params: R['params'] extends z.ZodType ? z.output<R['params']> : undefined;
  query: R['query'] extends z.ZodType ? z.output<R['query']> : undefined;
  body: R['body'] extends z.ZodType ? z.output<R['body']> : undefined;
}
/** What the caller gets back on success. */
export type RouteOutput<R extends ApiRoute> = OutputOf<ResponseSchemas<R>>;
/** What the handler answers with (the response schema then strips it to what is documented). */
export type RouteAnswer<R extends ApiRoute> = InputOf<ResponseSchemas<R>>;

/** The usual success status of a route: the lowest it declares. */
export function successStatus(r: ApiRoute): SuccessStatus {
  const codes = Object.keys(r.responses)
    .map(Number)
    .sort((a, b) => a - b);
  return (codes[0] ?? 200) as SuccessStatus;
}

/** `/api/sittings/:id` with `{ id: 'x' }` → `/api/sittings/x` (each value URI-encoded). */
export function fillPath(path: string, params: Record<string, unknown> | undefined): string {
  return path.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
    const value = params?.[name];
    if (value === undefined || value === null)
      throw new Error(`${path}: the path parameter ${name} is missing`);
    return encodeURIComponent(String(value));
  });
}
