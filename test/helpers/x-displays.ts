/**
 * A real X server with hot-pluggable monitors, for the display checks: Xorg with the dummy video
 * driver, whose outputs DUMMY0..DUMMY15 behave like real connectors to xrandr (and so to
 * systeminformation). One monitor (DUMMY0) is connected at start; `plug` connects another beside
 * it, `mirror` connects one showing the same picture, `switchOff` turns one off. The dummy driver
 * keeps an output connected once it has had a mode (like a monitor left plugged in but switched
 * off), so a test that needs a fresh single-display setup starts its own server.
 * Needs xserver-xorg-core, xserver-xorg-video-dummy and x11-xserver-utils (scripts/ensure.mjs).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The display numbers this project's agent tests may use (other suites use other numbers). */
export const AGENT_DISPLAYS = [90, 91, 92, 93, 94] as const;

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

export interface XDisplay {
  /** ":90" */
  display: string;
  xrandr(...args: string[]): string;
  /** Connects and switches on monitor DUMMY<i> to the right of DUMMY0. */
  plug(i: number): void;
  /** Connects DUMMY<i> showing the same picture as DUMMY0. */
  mirror(i: number): void;
  /** Switches DUMMY<i> off; it stays connected. */
  switchOff(i: number): void;
  stop(): Promise<void>;
}

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

export async function startXDisplay(n: (typeof AGENT_DISPLAYS)[number]): Promise<XDisplay> {
  const display = `:${n}`;
  const dir = mkdtempSync(join(tmpdir(), `invigil-x${n}-`));
  writeFileSync(join(dir, 'xorg.conf'), XORG_CONF);
  // A server left over from an interrupted run would hold the display number.
  rmSync(`/tmp/.X${n}-lock`, { force: true });
  rmSync(`/tmp/.X11-unix/X${n}`, { force: true });
  const proc: ChildProcess = spawn(
    'Xorg',
    [
      display,
      '-noreset',
      '-nolisten',
      'tcp',
      '-config',
      join(dir, 'xorg.conf'),
      '-logfile',
      join(dir, 'xorg.log'),
    ],
    { stdio: 'ignore' },
  );
  const xrandr = (...args: string[]) =>
    execFileSync('xrandr', args, {
      env: { ...process.env, DISPLAY: display },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      xrandr('--current');
      break;
    } catch {
      if (Date.now() > deadline || proc.exitCode !== null) {
        proc.kill('SIGKILL');
        throw new Error(`Xorg did not start on ${display}; see ${join(dir, 'xorg.log')}`);
      }
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
  return {
    display,
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
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (proc.exitCode === null) proc.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
