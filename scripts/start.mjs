// `npm start`: install what is missing, build, and run Chromium with the Invigil extension.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureNodeModules, ensureSystemPackages, nodeVersionOk, ROOT, step } from './ensure.mjs';

nodeVersionOk();
ensureNodeModules();
ensureSystemPackages(['chromium']);

const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit', cwd: ROOT });
if (build.status !== 0) process.exit(build.status ?? 1);

const chromium = existsSync('/usr/lib/chromium/chromium') ? '/usr/lib/chromium/chromium' : 'chromium';
const profile = mkdtempSync(join(tmpdir(), 'invigil-start-'));
const headless = !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
const extension = join(ROOT, 'dist/extension');
const args = [
  `--user-data-dir=${profile}`,
  `--load-extension=${extension}`,
  `--disable-extensions-except=${extension}`,
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
  ...(headless ? ['--headless', '--remote-debugging-port=0'] : []),
  'https://www.theimi.org.uk/awarding',
];
step(
  `Starting Chromium with the Invigil extension (${headless ? 'headless: no display found' : 'in a window'}). Ctrl-C stops it.`,
);
const child = spawn(chromium, args, { stdio: ['ignore', 'inherit', 'inherit'] });
const stop = () => child.kill('SIGTERM');
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
child.on('exit', () => {
  rmSync(profile, { recursive: true, force: true });
  process.exit(0);
});
