/**
 * When a part of the demo dies under it (here the agent, killed outright), the demo says which, with
 * its log, stops everything else it started, removes its folder and exits 1: a broken demo never
 * leaves a console, a browser or an X server behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { endProcessesMentioning, processesMentioning } from '../../../demo/processes.ts';
import { assertBuilt, INVIGIL, waitFor } from '../../helpers/agent-cli.ts';
import { registerBrowser } from '../../helpers/chromium.ts';
import { waitForMachinePolicyFree } from '../../helpers/machine-policy.ts';

let demo: ChildProcess | undefined;
let folder = '';
const cwd = mkdtempSync(join(tmpdir(), 'invigil-demo-test-cwd-'));
let unregister: () => void = () => undefined;

afterAll(async () => {
  if (demo && demo.exitCode === null) demo.kill('SIGKILL');
  if (folder) {
    await endProcessesMentioning(folder);
    rmSync(folder, { recursive: true, force: true });
  }
  rmSync(cwd, { recursive: true, force: true });
  unregister();
});

test('the agent dying stops the whole demo, says so, and leaves nothing running', async () => {
  assertBuilt();
  await waitForMachinePolicyFree();
  unregister = registerBrowser();
  const env = { ...process.env };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  const child = spawn(process.execPath, [INVIGIL, 'demo', '--headless', '--port', '0'], {
    cwd,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  demo = child;
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  folder =
    (await waitFor('the throwaway folder', () => output.match(/Throwaway folder (\S+)/)?.[1], 30_000)) ?? '';
  await waitFor('the things to try', () => output.includes('Things to try'), 300_000);

  const agent = processesMentioning(folder).find((p) => p.command.includes(' agent --config '));
  expect(agent, output).toBeDefined();
  process.kill(agent?.pid ?? 0, 'SIGKILL');

  const code = await new Promise<number | null>((r) => {
    if (child.exitCode !== null) r(child.exitCode);
    else child.once('exit', (c) => r(c));
  });
  expect(code, output.slice(-3000)).toBe(1);
  expect(output).toMatch(/✖ the agent stopped unexpectedly \(killed by SIGKILL\); its log: \S+agent\.log/);
  expect(output).toMatch(/Stopped\. Nothing left running; removed /);
  expect(processesMentioning(folder)).toEqual([]);
  expect(existsSync(folder)).toBe(false);
}, 420_000);
