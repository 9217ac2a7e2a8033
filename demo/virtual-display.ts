/**
 * A real X server with hot-pluggable monitors, for the display checks on a PC without a screen:
 * Xorg with the dummy video driver, whose outputs DUMMY0..DUMMY15 behave like real connectors to
 * xrandr (and so to systeminformation and `invigil agent`). One monitor (DUMMY0) is connected at
 * start; `plug` connects another beside it, `mirror` connects one showing the same picture,
 * `switchOff` turns one off. The dummy driver keeps an output connected once it has had a mode (like
 * a monitor left plugged in but switched off), so "unplugging" means starting a fresh server.
 *
 * Used by `invigil demo` (display number chosen by Xorg itself: `-displayfd`, so never one in use)
 * and by the tests (a fixed number each suite owns). Needs xserver-xorg-core,
 * xserver-xorg-video-dummy and x11-xserver-utils.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const XORG_CONF = `Section "Device"
  Identifier "dummy"
  Driver "dummy"
  VideoRam 256000
EndSection
Section "Monitor"
  Identifier "m0"
  HorizSync 5.0-1000.0
  VertRefresh 5.0-200.0
EndSection
Section "Screen"
  Identifier "s0"
  Device "dummy"
  Monitor "m0"
  DefaultDepth 24
  SubSection "Display"
    Depth 24
    Virtual 7680 2160
  EndSubSection
EndSection
`;

/** A 1280x720 mode for the extra monitors (the dummy driver's outputs start with none). */
const MODE = [
  'vd1280x720',
  '74.50',
  '1280',
  '1344',
  '1472',
  '1664',
  '720',
  '723',
  '728',
  '748',
  '-hsync',
  '+vsync',
];

export interface VirtualDisplay {
  /** ":1" */
  display: string;
  /** The Xorg process id. */
  pid: number;
  /** The folder holding its config and log. */
  dir: string;
  xrandr(...args: string[]): string;
  /** Connects and switches on monitor DUMMY<i> to the right of DUMMY0. */
  plug(i: number): void;
  /** Connects DUMMY<i> showing the same picture as DUMMY0. */
  mirror(i: number): void;
  /** Switches DUMMY<i> off; it stays connected. */
  switchOff(i: number): void;
  /** SIGTERM (SIGKILL after 5 s), then removes its folder unless it was given one. */
  stop(): Promise<void>;
}

export interface VirtualDisplayOptions {
  /**
   * The display number to take. Without it, Xorg picks the first free one itself (`-displayfd`),
   * so it never takes a number another server holds.
   */
  number?: number;
  /** Where to keep xorg.conf and xorg.log (default: a new temporary folder, removed by `stop`). */
  dir?: string;
  /** Start Xorg in its own process group, so a Ctrl-C meant for the caller does not reach it. */
  detached?: boolean;
  timeoutMs?: number;
}

/** What is missing for a virtual display on this machine, or null when it can start. */
export function virtualDisplayMissing(): string | null {
  if (process.platform !== 'linux') return 'virtual displays need Linux (Xorg with the dummy driver)';
  const missing: string[] = [];
  if (!existsSync('/usr/bin/Xorg')) missing.push('xserver-xorg-core');
  if (!existsSync('/usr/lib/xorg/modules/drivers/dummy_drv.so')) missing.push('xserver-xorg-video-dummy');
  if (!existsSync('/usr/bin/xrandr')) missing.push('x11-xserver-utils');
  return missing.length > 0 ? `missing Debian packages: ${missing.join(', ')}` : null;
}

export async function startVirtualDisplay(options: VirtualDisplayOptions = {}): Promise<VirtualDisplay> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'invigil-xorg-'));
  writeFileSync(join(dir, 'xorg.conf'), XORG_CONF);
  const logfile = join(dir, 'xorg.log');
  const fixed = options.number !== undefined;
  const proc: ChildProcess = spawn(
    'Xorg',
    [
      ...(fixed ? [`:${options.number}`] : ['-displayfd', '3']),
      '-noreset',
      '-nolisten',
      'tcp',
      '-config',
      join(dir, 'xorg.conf'),
      '-logfile',
      logfile,
    ],
    { stdio: ['ignore', 'ignore', 'ignore', fixed ? 'ignore' : 'pipe'], detached: options.detached ?? false },
  );
  const failed = (why: string): Error => {
    if (proc.exitCode === null) proc.kill('SIGKILL');
    if (ownDir) rmSync(dir, { recursive: true, force: true });
    return new Error(`${why}${ownDir ? '' : `; see ${logfile}`}`);
  };
  const spawned = new Promise<void>((resolve, reject) => {
    proc.once('spawn', () => resolve());
    proc.once('error', (e) => reject(e));
  });
  try {
    await spawned;
  } catch (error) {
    throw failed(`could not run Xorg: ${(error as Error).message}`);
  }

  let display: string;
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  if (fixed) {
    display = `:${options.number}`;
  } else {
    // Xorg writes the number it took, then a newline, once it listens.
    const number = await new Promise<string | null>((resolve) => {
      let text = '';
      const pipe = proc.stdio[3] as NodeJS.ReadableStream | null;
      const timer = setTimeout(() => resolve(null), Math.max(0, deadline - Date.now()));
      pipe?.on('data', (d: Buffer) => {
        text += d.toString();
        if (text.includes('\n')) {
          clearTimeout(timer);
          resolve(text.trim());
        }
      });
      proc.once('exit', () => {
        clearTimeout(timer);
        resolve(null);
      });
    });
    if (!number || !/^\d+$/.test(number)) throw failed('Xorg did not start (no display number)');
    display = `:${number}`;
  }

  const xrandr = (...args: string[]) =>
    execFileSync('xrandr', args, {
      env: { ...process.env, DISPLAY: display },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  for (;;) {
    try {
      xrandr('--current');
      break;
    } catch {
      if (Date.now() > deadline || proc.exitCode !== null) throw failed(`Xorg did not start on ${display}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  let modeAdded = false;
  const addMode = (i: number) => {
    if (!modeAdded) {
      try {
        xrandr('--newmode', ...MODE);
      } catch {
        // already defined on this server
      }
      modeAdded = true;
    }
    try {
      xrandr('--addmode', `DUMMY${i}`, 'vd1280x720');
    } catch {
      // already added to this output
    }
  };
  const exited = new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    else proc.once('exit', () => resolve());
  });
  return {
    display,
    pid: proc.pid ?? 0,
    dir,
    xrandr,
    plug(i) {
      addMode(i);
      xrandr('--output', `DUMMY${i}`, '--mode', 'vd1280x720', '--right-of', 'DUMMY0');
    },
    mirror(i) {
      addMode(i);
      xrandr('--output', `DUMMY${i}`, '--mode', 'vd1280x720', '--same-as', 'DUMMY0');
    },
    switchOff(i) {
      xrandr('--output', `DUMMY${i}`, '--off');
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The commands that plug a second monitor into this display by hand (printed by the demo). */
export function plugCommands(display: string, i = 1): string[] {
  return [
    `DISPLAY=${display} xrandr --newmode ${MODE.join(' ')}`,
    `DISPLAY=${display} xrandr --addmode DUMMY${i} vd1280x720`,
    `DISPLAY=${display} xrandr --output DUMMY${i} --mode vd1280x720 --right-of DUMMY0`,
  ];
}
