import { v3Baseline } from './0003-v3-baseline.ts';
import { sites } from './0004-sites.ts';
import { caseInsensitiveLookups } from './0005-case-insensitive-lookups.ts';
import { consoleAliveInstance } from './0006-console-alive-instance.ts';
import { handsAndPauses } from './0007-hands-and-pauses.ts';
import { attemptsHelpSettings } from './0008-attempts-help-settings.ts';
import { seatPresence } from './0009-seat-presence.ts';
import { helpRequestSites } from './0010-help-request-sites.ts';
import type { Migration } from './migration.ts';

/**
 * Every migration, in order; the last one's number is the schema version this console writes. The
 * first is number 3: schema versions 1 to 3 are those of releases before numbered migrations, and
 * migration 3 produces version 3 exactly (and upgrades an SQLite file of version 1 or 2 to it).
 */
export const MIGRATIONS: readonly Migration[] = [
  v3Baseline,
  sites,
  caseInsensitiveLookups,
  consoleAliveInstance,
  handsAndPauses,
  attemptsHelpSettings,
  seatPresence,
  helpRequestSites,
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
