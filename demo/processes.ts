/**
 * The processes the demo starts, and making sure none outlives it. Each runs in its own process
 * group (so a Ctrl-C in the terminal reaches the demo, which stops them in order) with its output in
 * a log file in the throwaway folder; `stop` ends the whole group. A last sweep of /proc ends
 * anything whose command line still names the throwaway folder (a native host the browser started,
 * for example).
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';

export interface DemoChild {
  name: string;
  pid: number;
  child: ChildProcess;
  logFile: string;
  /** What it printed on stdout, when `captureStdout` was asked for. */
  stdout(): string;
  /** Resolves with the exit code (or null after a signal) once it has exited. */
  exited: Promise<number | null>;
  running(): boolean;
  /**
   * SIGTERM to the process (or its whole group), SIGKILL to the group after `graceMs`. Resolves once
   * the process has exited.
   */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  /** Keep stdout in memory (for reading addresses it prints) as well as in the log. */
  captureStdout?: boolean;
  /** Extra stdio entries from fd 3 on (Chromium's DevTools pipe). */
  extraStdio?: SpawnOptions['stdio'];
  /** SIGTERM the leader only and let it end its helpers itself (Chromium), before the group SIGKILL. */
  termLeaderOnly?: boolean;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group has gone
  }
}

export async function startChild(
  name: string,
  command: string,
  args: string[],
  logFile: string,
  options: StartOptions = {},
): Promise<DemoChild> {
  const log = openSync(logFile, 'a');
  const extra = Array.isArray(options.extraStdio) ? options.extraStdio : [];
  const child = spawn(command, args, {
    env: options.env ?? process.env,
    detached: true,
    stdio: ['ignore', options.captureStdout ? 'pipe' : log, log, ...extra],
  });
  closeSync(log);
  let out = '';
  if (options.captureStdout) {
    const append = openSync(logFile, 'a');
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      try {
        writeSync(append, d);
      } catch {
        // the log is best effort
      }
    });
    child.once('exit', () => closeSync(append));
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new Error(
          e.code === 'ENOENT' ? `${command} is not installed` : `could not start ${name}: ${e.message}`,
        ),
      ),
    );
  });
  const pid = child.pid ?? 0;
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    name,
    pid,
    child,
    logFile,
    stdout: () => out,
    exited,
    running,
    async stop(graceMs = 5000) {
      if (running()) {
        if (options.termLeaderOnly) child.kill('SIGTERM');
        else killGroup(pid, 'SIGTERM');
        const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      // Helpers of its own that did not follow it out (Chromium's renderers, for one).
      killGroup(pid, 'SIGKILL');
    },
  };
}

/** Processes (other than this one) whose command line mentions `text`: what a run could leave behind. */
export function processesMentioning(text: string): { pid: number; command: string }[] {
  if (process.platform !== 'linux') return [];
  const found: { pid: number; command: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      if (command.includes(text)) found.push({ pid, command });
    } catch {
      // ended while we looked
    }
  }
  return found;
}

/** Ends every process whose command line mentions `text`; returns what had to be ended. */
export async function endProcessesMentioning(text: string): Promise<{ pid: number; command: string }[]> {
  const left = processesMentioning(text);
  for (const p of left) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (left.length > 0) await new Promise((r) => setTimeout(r, 200));
  return left;
}
