/**
 * Installing, enabling and removing the agent's systemd unit. Each step says what it does; a step
 * that fails undoes what this run wrote, so a failed install leaves no half-installed service.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UNIT_FILE } from './definitions.ts';

export const SYSTEM_UNIT_DIR = '/etc/systemd/system';

export class ServiceError extends Error {
  override readonly name = 'ServiceError';
}

export interface Step {
  say: string;
  command?: string[];
}

/** Whether systemd is this machine's init (the same test as sd_booted(3)). */
export function systemdBooted(): boolean {
  return existsSync('/run/systemd/system');
}

export function unitPath(root?: string): string {
  return root ? join(root, SYSTEM_UNIT_DIR.slice(1), UNIT_FILE) : join(SYSTEM_UNIT_DIR, UNIT_FILE);
}

/** The steps an install performs, in order (printed by --dry-run, run by install). */
export function installSteps(root?: string): Step[] {
  if (root) {
    return [
      { say: `write ${unitPath(root)}` },
      { say: 'enable it in the image', command: ['systemctl', `--root=${root}`, 'enable', UNIT_FILE] },
    ];
  }
  return [
    { say: `write ${unitPath()}` },
    { say: 'reload systemd', command: ['systemctl', 'daemon-reload'] },
    { say: 'enable and start the agent', command: ['systemctl', 'enable', '--now', UNIT_FILE] },
  ];
}

export function uninstallSteps(root?: string): Step[] {
  if (root) {
    return [
      { say: 'disable it in the image', command: ['systemctl', `--root=${root}`, 'disable', UNIT_FILE] },
      { say: `remove ${unitPath(root)}` },
    ];
  }
  return [
    { say: 'stop and disable the agent', command: ['systemctl', 'disable', '--now', UNIT_FILE] },
    { say: `remove ${unitPath()}` },
    { say: 'reload systemd', command: ['systemctl', 'daemon-reload'] },
  ];
}

function run(command: string[]): { ok: boolean; output: string } {
  const [cmd, ...args] = command as [string, ...string[]];
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) return { ok: false, output: r.error.message };
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  return { ok: r.status === 0, output };
}

/** Writes the unit and enables it (and starts it, unless installing into an image). */
export function installUnit(unit: string, log: (line: string) => void, root?: string): void {
  const path = unitPath(root);
  const existed = existsSync(path);
  const [write, ...commands] = installSteps(root);
  log(`  ${write?.say}`);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(`${path}.tmp`, unit, { mode: 0o644 });
  renameSync(`${path}.tmp`, path);
  for (const step of commands) {
    log(`  ${step.say}: ${step.command?.join(' ')}`);
    const r = run(step.command ?? []);
    if (!r.ok) {
      // Undo: a unit that is written but not running would look installed and do nothing.
      if (!existed) {
        rmSync(path, { force: true });
        if (!root) run(['systemctl', 'daemon-reload']);
      }
      throw new ServiceError(
        `${step.command?.join(' ')} failed${r.output ? `: ${r.output.split('\n').slice(-3).join(' ')}` : ''}${existed ? '' : ` (removed ${path} again)`}`,
      );
    }
  }
}

export function uninstallUnit(log: (line: string) => void, root?: string): boolean {
  const path = unitPath(root);
  if (!existsSync(path)) return false;
  for (const step of uninstallSteps(root)) {
    if (step.command) {
      log(`  ${step.say}: ${step.command.join(' ')}`);
      const r = run(step.command);
      // Disabling a unit that is already stopped or disabled is not an error worth stopping for.
      if (!r.ok && step.command.includes('disable')) log(`    (${r.output.split('\n').pop() ?? 'failed'})`);
    } else {
      log(`  ${step.say}`);
      rmSync(path, { force: true });
    }
  }
  return true;
}
