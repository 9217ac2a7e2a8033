import { defineConfig } from 'vitest/config';

/**
 * The console's API and store tests, run a second time on PostgreSQL (the -pg projects): the same
 * files, with INVIGIL_TEST_ENGINE=postgres and one real PostgreSQL server for the run.
 */
const CONSOLE_UNIT_TESTS = [
  'test/unit/invigilator/api.test.ts',
  'test/unit/invigilator/seats.test.ts',
  'test/unit/invigilator/sign-in-links.test.ts',
  'test/unit/invigilator/server/seats/seat-hub.test.ts',
  'test/unit/invigilator/server/seats/presence-repository.test.ts',
  'test/unit/invigilator/server/seats/event-repository.test.ts',
  'test/unit/invigilator/server/live-bus.test.ts',
  'test/unit/invigilator/server/live-notices.test.ts',
  'test/unit/invigilator/server/store/**/*.test.ts',
  'test/unit/invigilator/server/hands-and-pauses/**/*.test.ts',
  'test/unit/invigilator/server/help/**/*.test.ts',
  'test/unit/invigilator/server/report/**/*.test.ts',
  'test/unit/invigilator/server/sites/**/*.test.ts',
];
const CONSOLE_E2E_TESTS = ['test/e2e/invigilator/server/**/*.test.ts'];
const POSTGRES = {
  env: { INVIGIL_TEST_ENGINE: 'postgres' },
  globalSetup: ['test/helpers/postgres-global-setup.ts'],
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/unit/**/*.test.tsx'],
          environment: 'node',
          // Projects run one group after another (unit ones together, then e2e, then e2e-pg): unset,
          // vitest runs all projects at once, and the PostgreSQL console tests then competed with the
          // real browsers and X displays for this machine's two cores (lost keystrokes, late windows).
          sequence: { groupOrder: 0 },
          // The extension's modules load against an extension-shaped global (see the file).
          setupFiles: ['test/helpers/extension-context.ts'],
        },
      },
      {
        test: {
          name: 'unit-pg',
          include: CONSOLE_UNIT_TESTS,
          environment: 'node',
          sequence: { groupOrder: 0 },
          setupFiles: ['test/helpers/extension-context.ts'],
          ...POSTGRES,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          sequence: { groupOrder: 1 },
          // Real browsers, real processes and machine-wide policy files: one file at a time.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e-pg',
          include: CONSOLE_E2E_TESTS,
          environment: 'node',
          sequence: { groupOrder: 2 },
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
          ...POSTGRES,
        },
      },
    ],
  },
});
