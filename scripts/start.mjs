// `npm start`: install what is missing, build, and run `invigil demo` (the whole system on this PC).
// Arguments go to the demo: `npm start -- --headless --port 0`, `npm start -- --browser firefox`.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  ensureNodeModules,
  ensureSystemPackages,
  nodeVersionOk,
  ROOT,
  step,
  systemPackagesMissing,
} from './ensure.mjs';

nodeVersionOk();
ensureNodeModules();
// The candidate's browser the demo will run: `npm start -- --browser firefox` needs Firefox ESR.
const args = process.argv.slice(2);
const browserAt = args.indexOf('--browser');
const firefox = args.includes('--browser=firefox') || (browserAt >= 0 && args[browserAt + 1] === 'firefox');
ensureSystemPackages(firefox ? ['firefox'] : ['chromium']);
// Without a display the demo starts a virtual one for the display checks, and it makes the stand-in
// assessment page's certificate with openssl: install them when we can, say what is lost otherwise.
const hasDisplay = Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
const wanted = hasDisplay ? ['openssl'] : ['xorg', 'openssl'];
const isRoot = process.getuid?.() === 0;
if (isRoot) ensureSystemPackages(wanted);
else {
  for (const name of systemPackagesMissing(wanted)) {
    process.stdout.write(
      name === 'xorg'
        ? '  (Xorg with the dummy driver is not installed, and installing it needs root: the demo runs without a virtual display)\n'
        : '  (openssl is not installed, and installing it needs root: the demo runs without its stand-in assessment page)\n',
    );
  }
}

const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit', cwd: ROOT });
if (build.status !== 0) process.exit(build.status ?? 1);

step('Starting the demo: invigil demo');
// Same terminal and process group: the demo reads its keys from the terminal. A Ctrl-C before it
// takes the keyboard reaches both of us; the demo treats the copy forwarded here as the same one.
const child = spawn(process.execPath, [join(ROOT, 'dist/cli/invigil.js'), 'demo', ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd: ROOT,
});
const forward = (signal) => {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
};
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
child.on('exit', (code, signal) => {
  // Node gives the terminal back as it found it when the demo exits; not when it was killed outright.
  if (signal === 'SIGKILL' && process.stdin.isTTY) spawnSync('stty', ['sane'], { stdio: 'inherit' });
  process.exit(code ?? (signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 1));
});
