import { firstRelease } from './0001-first-release.ts';
import { coalescedIncidentsReplacementsNotices } from './0002-coalesced-incidents-replacements-notices.ts';
import { sites } from './0003-sites.ts';
import { caseInsensitiveLookups } from './0004-case-insensitive-lookups.ts';
import type { Migration } from './migration.ts';

/** Every migration, in order; the last one's number is the schema version this console writes. */
export const MIGRATIONS: readonly Migration[] = [firstRelease, coalescedIncidentsReplacementsNotices, sites, caseInsensitiveLookups];

export const SCHEMA_VERSION = MIGRATIONS.length;
