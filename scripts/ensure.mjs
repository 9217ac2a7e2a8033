// Installs what a fresh clone on a fresh machine lacks, before anything imports a dependency.
// Only Node built-ins here: this runs before `npm ci`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

export function step(message) {
  process.stdout.write(`\x1b[1m▸ ${message}\x1b[0m\n`);
}

function fail(message) {
  process.stderr.write(`\n✖ ${message}\n`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: ROOT, ...opts });
  if (r.error) fail(`could not run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} failed (exit ${r.status})`);
}

/** npm dependencies: `npm ci` when node_modules is missing or older than the lockfile. */
export function ensureNodeModules() {
  const marker = join(ROOT, 'node_modules', '.package-lock.json');
  const lock = join(ROOT, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  step('Installing npm dependencies (npm ci; better-sqlite3 compiles, about a minute)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

const APT_PACKAGES = {
  chromium: {
    check: () => existsSync('/usr/lib/chromium/chromium') || existsSync('/usr/bin/chromium'),
    pkgs: ['chromium'],
  },
  // A real X server with hot-pluggable monitors (the display checks), a window manager, a second
  // program's window and xdotool (the browser losing focus), xwd (a picture of a window no harness
  // drives): for the end-to-end tests and the demo.
  xorg: {
    check: () =>
      [
        '/usr/bin/Xorg',
        '/usr/bin/xrandr',
        '/usr/lib/xorg/modules/drivers/dummy_drv.so',
        '/usr/bin/openbox',
        '/usr/bin/xdotool',
        '/usr/bin/xmessage',
        '/usr/bin/xwd',
      ].every((f) => existsSync(f)),
    pkgs: [
      'xserver-xorg-core',
      'xserver-xorg-video-dummy',
      'x11-xserver-utils',
      'openbox',
      'xdotool',
      'x11-utils',
      'x11-apps',
    ],
  },
  openssl: { check: () => existsSync('/usr/bin/openssl'), pkgs: ['openssl'] },
  // The Firefox build's end-to-end test and `invigil demo --browser firefox`.
  firefox: { check: () => existsSync('/usr/lib/firefox-esr/firefox-esr'), pkgs: ['firefox-esr'] },
};

/** The names in `names` whose programs are not installed. */
export function systemPackagesMissing(names) {
  return names.filter((n) => !APT_PACKAGES[n].check());
}

/** Debian packages (Chromium; Xorg with the dummy driver for the display tests). */
export function ensureSystemPackages(names) {
  const missing = names.filter((n) => !APT_PACKAGES[n].check());
  if (missing.length === 0) return;
  const pkgs = missing.flatMap((n) => APT_PACKAGES[n].pkgs);
  if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) {
    fail(`missing: ${pkgs.join(', ')}. Install them with your system's package manager.`);
  }
  if (!isRoot) {
    fail(
      `missing: ${pkgs.join(', ')}. Installing them needs root; run:\n\n    sudo apt-get install -y ${pkgs.join(' ')}\n\nthen run this command again.`,
    );
  }
  step(`Installing ${pkgs.join(', ')} with apt-get (about 30 s)`);
  run('apt-get', ['update', '-qq'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

export function nodeVersionOk() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19))
    fail(`Invigil needs Node.js 20.19 or newer (this is ${process.versions.node}).`);
}

export function packageVersion() {
  return JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
}

export function hasCommand(cmd) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
