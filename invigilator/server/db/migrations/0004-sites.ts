import { randomUUID } from 'node:crypto';
import { FIRST_SITE_NAME } from '../../../../shared/catalogs/sites.ts';
import type { Migration } from './migration.ts';
import { runStatements } from './migration.ts';

/**
 * Sites (issue 12): a centre has sites of the awarding body's four kinds, each with rooms; seats,
 * sittings, enrolment codes, incidents and invigilators belong to a site (a coordinator with no site
 * sees the whole centre). Every centre from before gets one lead site, "Main site", holding everything
 * it had, and the rooms its sittings used.
 */
export const sites: Migration = {
  version: 4,
  name: 'sites and rooms; seats, sittings, codes, incidents and invigilators belong to a site',
  async up(trx) {
    await runStatements(trx, [
      `CREATE TABLE sites (
        id TEXT PRIMARY KEY, centre_id TEXT NOT NULL REFERENCES centres(id), name TEXT NOT NULL, kind TEXT NOT NULL,
        created_at TEXT NOT NULL, UNIQUE (centre_id, name))`,
      `CREATE TABLE rooms (
        id TEXT PRIMARY KEY, site_id TEXT NOT NULL REFERENCES sites(id), name TEXT NOT NULL, created_at TEXT NOT NULL,
        UNIQUE (site_id, name))`,
      'ALTER TABLE seats ADD COLUMN site_id TEXT REFERENCES sites(id)',
      'ALTER TABLE sittings ADD COLUMN site_id TEXT REFERENCES sites(id)',
      'ALTER TABLE invigilators ADD COLUMN site_id TEXT REFERENCES sites(id)',
      'ALTER TABLE enrolment_codes ADD COLUMN site_id TEXT REFERENCES sites(id)',
      'ALTER TABLE incidents ADD COLUMN site_id TEXT REFERENCES sites(id)',
      'CREATE INDEX seats_site ON seats (site_id)',
      'CREATE INDEX sittings_site ON sittings (site_id, starts_at)',
      'CREATE INDEX incidents_site ON incidents (site_id, at)',
    ]);
    const now = new Date().toISOString();
    for (const centre of await trx.selectFrom('centres').select('id').execute()) {
      const siteId = randomUUID();
      await trx
        .insertInto('sites')
        .values({ id: siteId, centre_id: centre.id, name: FIRST_SITE_NAME, kind: 'lead', created_at: now })
        .execute();
      for (const table of ['seats', 'sittings', 'enrolment_codes', 'incidents'] as const) {
        await trx.updateTable(table).set({ site_id: siteId }).where('centre_id', '=', centre.id).execute();
      }
      // Invigilators work at the site; coordinators keep the whole centre.
      await trx
        .updateTable('invigilators')
        .set({ site_id: siteId })
        .where('centre_id', '=', centre.id)
        .where('role', '=', 'invigilator')
        .execute();
      const rooms = await trx
        .selectFrom('sittings')
        .select('room')
        .distinct()
        .where('centre_id', '=', centre.id)
        .execute();
      for (const r of rooms) {
        await trx
          .insertInto('rooms')
          .values({ id: randomUUID(), site_id: siteId, name: r.room, created_at: now })
          .execute();
      }
    }
  },
};
