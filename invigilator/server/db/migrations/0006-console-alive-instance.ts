import type { Migration } from './migration.ts';
import { runStatements } from './migration.ts';

/**
 * The "console alive" note names the console process that wrote it (its instance id), so that a console
 * starting on a PostgreSQL database that another console is serving can tell that the seats in the note
 * are that console's, online, and not seats to record as offline after a restart.
 */
export const consoleAliveInstance: Migration = {
  version: 6,
  name: 'the console alive note names the console process that wrote it',
  async up(trx) {
    await runStatements(trx, ['ALTER TABLE console_alive ADD COLUMN instance_id TEXT']);
  },
};
