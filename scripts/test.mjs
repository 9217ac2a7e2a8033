// `npm test`: install what is missing, build, then run the unit and end-to-end tests
// (real Chromium, real processes, real sockets, real X displays).
// Extra arguments go to vitest: `npm test -- test/unit` runs only the unit tests.
import { spawnSync } from 'node:child_process';
import { ensureNodeModules, ensureSystemPackages, nodeVersionOk, ROOT, step } from './ensure.mjs';

nodeVersionOk();
ensureNodeModules();
ensureSystemPackages(['chromium', 'xorg', 'openssl', 'firefox']);

const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit', cwd: ROOT });
if (build.status !== 0) process.exit(build.status ?? 1);

step('Running the tests (vitest: unit, then end to end)');
const vitest = spawnSync(
  process.execPath,
  ['node_modules/vitest/vitest.mjs', 'run', ...process.argv.slice(2)],
  {
    stdio: 'inherit',
    cwd: ROOT,
  },
);
process.exit(vitest.status ?? 1);
