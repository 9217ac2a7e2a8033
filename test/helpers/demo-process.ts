/**
 * `invigil demo --headless` as a real process (the built dist/cli/invigil.js) on a machine without a
 * display, driven through its own keys on stdin as a person would press them. Shared by the demo's
 * end-to-end tests (Chromium and Firefox as the candidate's browser): it starts the demo, waits for the
 * dashboard link it prints, and on `stop()` presses Ctrl-C and, as a safety net for a failed run, ends
 * anything of the demo's still running and removes its folders.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endProcessesMentioning } from '../../demo/processes.ts';
import { INVIGIL, waitFor } from './agent-cli.ts';
import { registerBrowser } from './chromium.ts';
import { SCREENSHOT_DIR } from './extension-state.ts';
import { waitForMachinePolicyFree } from './machine-policy.ts';

export interface DemoProcess {
  readonly proc: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  readonly output: string;
  /** Its throwaway folder, as it printed it. */
  readonly folder: string;
  /** The one-time dashboard sign-in link it printed. */
  readonly link: string;
  /** Waits until the demo has printed something matching `re` (after `from`), and returns the match. */
  printed(re: RegExp, timeoutMs?: number, from?: number): Promise<RegExpMatchArray>;
  /** Presses a key in the demo's terminal (a line on its stdin); returns where its answer starts. */
  press(key: string): number;
  /** The demo's own picture of the candidate's screen, kept with the test's screenshots. */
  candidateScreenshot(name: string, timeoutMs?: number): Promise<{ address: string; png: Buffer }>;
  stop(): Promise<void>;
}

export async function startDemo(args: readonly string[]): Promise<DemoProcess> {
  // Another suite's machine policy would change the demo's browser: wait for it, then say ours runs.
  await waitForMachinePolicyFree();
  const unregister = registerBrowser();
  const cwd = mkdtempSync(join(tmpdir(), 'invigil-demo-test-cwd-'));
  const env = { ...process.env };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  const proc = spawn(process.execPath, [INVIGIL, 'demo', '--headless', '--port', '0', ...args], {
    cwd,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let folder = '';
  let link = '';
  proc.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  proc.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });

  const printed = async (re: RegExp, timeoutMs = 60_000, from = 0): Promise<RegExpMatchArray> => {
    try {
      return await waitFor(
        `the demo to print ${re}`,
        () => {
          if (proc.exitCode !== null) throw new Error(`the demo exited (${proc.exitCode})`);
          return output.slice(from).match(re);
        },
        timeoutMs,
        100,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}; it printed:\n${output.slice(-4000)}`);
    }
  };
  const press = (key: string): number => {
    const at = output.length;
    proc.stdin?.write(`${key}\n`);
    return at;
  };
  const stop = async () => {
    if (proc.exitCode === null) {
      proc.kill('SIGINT');
      await Promise.race([
        new Promise((r) => proc.once('exit', r)),
        new Promise((r) => setTimeout(r, 30_000)),
      ]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
    // Safety net for a failed run: nothing of the demo's may outlive the test.
    if (folder) {
      await endProcessesMentioning(folder);
      rmSync(folder, { recursive: true, force: true });
    }
    rmSync(cwd, { recursive: true, force: true });
    unregister();
  };

  try {
    folder = (await printed(/Throwaway folder (\S+)/, 30_000))[1] ?? '';
    link = (await printed(/^\s+(http:\/\/127\.0\.0\.1:\d+\/#\/link\/\S+)$/m, 300_000))[1] ?? '';
    await printed(/Things to try/);
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    proc,
    get output() {
      return output;
    },
    folder,
    link,
    printed,
    press,
    async candidateScreenshot(name, timeoutMs = 30_000) {
      const at = press('s');
      const m = await printed(/Saved what the candidate sees \((\S*)\): (\S+\.png)/, timeoutMs, at);
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const kept = join(SCREENSHOT_DIR, `${name}.png`);
      copyFileSync(m[2] ?? '', kept);
      return { address: m[1] ?? '', png: readFileSync(kept) };
    },
    stop,
  };
}
