/**
 * The console's tables as the query layer sees them (Kysely), the same on SQLite and PostgreSQL.
 *
 * Portable on purpose: ids are text (UUIDs), times are UTC ISO 8601 text (so they compare and sort as
 * text on both engines, and an export from one imports into the other unchanged), flags are integers
 * 0/1, and JSON is text. Only the audit trail's row number differs (an auto-increment on SQLite, an
 * identity column on PostgreSQL).
 */
import type { Generated } from 'kysely';

export interface SchemaMigrationsTable {
  version: number;
  name: string;
  applied_at: string;
}

export interface CentresTable {
  id: string;
  name: string;
  created_at: string;
}

export interface SetupTokensTable {
  centre_id: string;
  token_hash: string;
  created_at: string;
}

export interface SitesTable {
  id: string;
  centre_id: string;
  name: string;
  /** `lead`, `multi-site`, `satellite` or `sub-contracted` (shared/catalogs/sites.ts). */
  kind: string;
  created_at: string;
}

export interface RoomsTable {
  id: string;
  site_id: string;
  name: string;
  created_at: string;
}

export interface InvigilatorsTable {
  id: string;
  centre_id: string;
  name: string;
  pin: string;
  password_hash: string;
  role: string;
  created_at: string;
  /** The site an invigilator works at, or a coordinator is limited to; null: the whole centre. */
  site_id: string | null;
}

export interface SessionsTable {
  token_hash: string;
  invigilator_id: string;
  created_at: string;
  expires_at: string;
}

export interface SignInLinksTable {
  token_hash: string;
  invigilator_id: string;
  centre_id: string;
  created_by: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface EnrolmentCodesTable {
  code_hash: string;
  centre_id: string;
  created_by: string | null;
  created_at: string;
  expires_at: string;
  uses_left: number;
  /** 1: for a satellite site behind one NAT address (its own, higher, per-address enrolment limit). */
  behind_nat: number;
  /** The site the PCs enrolled with this code belong to. */
  site_id: string | null;
}

export interface SeatsTable {
  id: string;
  centre_id: string;
  pc_name: string;
  place: string;
  credential_hash: string;
  enrolled_at: string;
  site_id: string | null;
}

export interface SeatStatusTable {
  seat_id: string;
  state: string;
  status_json: string;
  seq: number;
  at: string;
  last_seen_at: string;
}

/** Keyed by (seat_id, id): event ids are each seat's own. */
export interface SeatEventsTable {
  seat_id: string;
  id: string;
  type: string;
  at: string;
  received_at: string;
  json: string;
  sitting_id: string | null;
}

export interface SittingsTable {
  id: string;
  centre_id: string;
  room: string;
  starts_at: string;
  closed_at: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  site_id: string | null;
}

export interface SittingInvigilatorsTable {
  sitting_id: string;
  invigilator_id: string;
}

export interface EntriesTable {
  id: string;
  sitting_id: string;
  position: number;
  candidate_name: string;
  registration_number: string;
  qualification_number: string;
  qualification_type: string;
  assessment: string;
  duration_minutes: number;
  extra_minutes: number;
  reasonable_adjustment: string | null;
  seat_id: string | null;
  outcome: string;
  /** The attempt (migration 8): the seat's first acknowledged release, the finish and how. */
  released_at: string | null;
  finished_at: string | null;
  /** `finished` or `submitted-early` (shared/schemas/attempts.ts). */
  finished_how: string | null;
}

export interface IdentityChecksTable {
  id: string;
  entry_id: string;
  confirmed_at: string;
  confirmed_by: string;
  method: string;
  note: string | null;
  pc_name: string | null;
  revoked_at: string | null;
  revoked_by: string | null;
}

export interface InstructionsTable {
  id: string;
  seat_id: string;
  type: string;
  payload_json: string;
  created_at: string;
  created_by: string | null;
  acked_at: string | null;
  superseded: number;
}

export interface IncidentsTable {
  id: string;
  centre_id: string;
  at: string;
  kind: string;
  source: string;
  description: string;
  sitting_id: string | null;
  entry_id: string | null;
  seat_id: string | null;
  event_id: string | null;
  recorded_by: string | null;
  created_at: string;
  count: number;
  last_at: string | null;
  site_id: string | null;
}

export interface SeatReplacementsTable {
  id: string;
  centre_id: string;
  seat_id: string;
  credential_hash: string;
  pc_name: string;
  address: string;
  user_agent: string | null;
  requested_at: string;
  status: string;
  decided_at: string | null;
  decided_by: string | null;
}

export interface SeatNoticesTable {
  id: string;
  centre_id: string;
  seat_id: string;
  kind: string;
  first_at: string;
  last_at: string;
  count: number;
  details_json: string;
  dismissed_at: string | null;
  dismissed_by: string | null;
}

/** One row (id 1): when this console (or, on PostgreSQL, any console) was last alive, and the seats then online. */
export interface ConsoleAliveTable {
  id: number;
  at: string;
  online_json: string;
  /** The console process (its database instance id) that wrote the note; null before migration 6. */
  instance_id: string | null;
}

/** Issue 12: which console process holds each seat's connection (migration 9). */
export interface SeatPresenceTable {
  seat_id: string;
  /** The holding process's database instance id. */
  instance_id: string;
  connected: number;
  /** When the holder last heard from the seat (written every 2 s while it holds it). */
  seen_at: string;
  /** Set once per offline episode, by the one process that records it; cleared when the seat is back. */
  offline_since: string | null;
  flooding_until: string | null;
  shared_until: string | null;
}

export interface AuditTable {
  id: Generated<number>;
  centre_id: string;
  at: string;
  invigilator_id: string | null;
  action: string;
  subject: string | null;
  details_json: string | null;
}

/** A raised hand (migration 7): at most one open (unanswered) a seat; repeats count on it. */
export interface HandsTable {
  id: string;
  centre_id: string;
  seat_id: string;
  sitting_id: string | null;
  entry_id: string | null;
  raised_at: string;
  last_raised_at: string;
  count: number;
  /** `button` or `shortcut`. */
  via: string;
  event_id: string;
  answered_at: string | null;
  answered_by: string | null;
  reason: string | null;
  note: string | null;
}

/** A pause of one seat's entry, or of a whole room's sitting (entry_id null) (migration 7). */
export interface PausesTable {
  id: string;
  centre_id: string;
  sitting_id: string;
  entry_id: string | null;
  reason: string;
  note: string | null;
  started_at: string;
  started_by: string | null;
  ended_at: string | null;
  ended_by: string | null;
}

/** Help summoned from a room (migration 8), recorded as an incident too. */
export interface HelpRequestsTable {
  id: string;
  centre_id: string;
  room: string;
  reason: string;
  note: string | null;
  sitting_id: string | null;
  asked_at: string;
  asked_by: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  incident_id: string;
  /** Migration 10: the site it belongs to; null for centre-wide help. */
  site_id: string | null;
}

/** A centre's settings (migration 8): JSON text per key (the centre's hours, for one). */
export interface CentreSettingsTable {
  centre_id: string;
  key: string;
  value_json: string;
  updated_at: string;
  updated_by: string | null;
}

export interface Tables {
  schema_migrations: SchemaMigrationsTable;
  centres: CentresTable;
  setup_tokens: SetupTokensTable;
  sites: SitesTable;
  rooms: RoomsTable;
  invigilators: InvigilatorsTable;
  sessions: SessionsTable;
  sign_in_links: SignInLinksTable;
  enrolment_codes: EnrolmentCodesTable;
  seats: SeatsTable;
  seat_status: SeatStatusTable;
  seat_events: SeatEventsTable;
  sittings: SittingsTable;
  sitting_invigilators: SittingInvigilatorsTable;
  entries: EntriesTable;
  identity_checks: IdentityChecksTable;
  instructions: InstructionsTable;
  incidents: IncidentsTable;
  seat_replacements: SeatReplacementsTable;
  seat_notices: SeatNoticesTable;
  console_alive: ConsoleAliveTable;
  audit: AuditTable;
  hands: HandsTable;
  pauses: PausesTable;
  help_requests: HelpRequestsTable;
  centre_settings: CentreSettingsTable;
  seat_presence: SeatPresenceTable;
}

/**
 * Every table in the order their rows can be copied (a row's references come before it): what
 * `invigil console export/import` walks, and what a round trip is checked against.
 */
export const TABLES_IN_ORDER = [
  'centres',
  'setup_tokens',
  'sites',
  'rooms',
  'invigilators',
  'sessions',
  'sign_in_links',
  'enrolment_codes',
  'seats',
  'seat_status',
  'seat_events',
  'sittings',
  'sitting_invigilators',
  'entries',
  'identity_checks',
  'instructions',
  'incidents',
  'seat_replacements',
  'seat_notices',
  'console_alive',
  'audit',
  'hands',
  'pauses',
  'help_requests',
  'centre_settings',
  'seat_presence',
] as const satisfies readonly Exclude<keyof Tables, 'schema_migrations'>[];
