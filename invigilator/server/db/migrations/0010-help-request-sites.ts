import type { Migration } from './migration.ts';
import { runStatements } from './migration.ts';

/**
 * Issues 12 and 13: help summoned belongs to a site, so that it reaches that site's staff and the
 * centre coordinator, not every site's (help/help-service.ts decides which). Null is centre-wide: help
 * the centre coordinator summons to a room with no sitting. Requests made before this migration take
 * the site of whoever asked, else of the sitting they were recorded in, else stay centre-wide.
 */
export const helpRequestSites: Migration = {
  version: 10,
  name: 'help requests belong to a site (null: centre-wide)',
  async up(trx) {
    await runStatements(trx, [
      'ALTER TABLE help_requests ADD COLUMN site_id TEXT REFERENCES sites(id)',
      `UPDATE help_requests SET site_id = COALESCE(
        (SELECT i.site_id FROM invigilators i WHERE i.id = help_requests.asked_by),
        (SELECT s.site_id FROM sittings s WHERE s.id = help_requests.sitting_id))`,
      'CREATE INDEX help_requests_site ON help_requests (site_id, asked_at)',
    ]);
  },
};
