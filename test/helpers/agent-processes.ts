/**
 * Real programs named like catalog entries: a copy of a harmless binary (/bin/sleep) under the
 * catalog's name, started for real. The OS then lists a process by that name, exactly as it would
 * list the real program.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NamedProcess {
  name: string;
  pid: number;
  /** Ends the program and waits until it has gone. */
  stop(): Promise<void>;
}

const started = new Set<ChildProcess>();

/**
 * A copy of /bin/sleep named `name`, started in a fresh folder under `parent` (default: the temp
 * folder), or through a symbolic link named `via` (as a candidate would start KeePassXC as "notes").
 */
export async function startNamedProcess(
  name: string,
  options: { via?: string; parent?: string } = {},
): Promise<NamedProcess> {
  const dir = mkdtempSync(join(options.parent ?? tmpdir(), 'invigil-proc-'));
  chmodSync(dir, 0o755);
  const file = join(dir, name);
  copyFileSync('/bin/sleep', file);
  let run = file;
  if (options.via) {
    run = join(dir, options.via);
    symlinkSync(file, run);
  }
  const child = spawn(run, ['600'], { stdio: 'ignore' });
  started.add(child);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', reject);
  });
  return {
    name,
    pid: child.pid as number,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await gone;
      }
      started.delete(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Safety net for afterAll: kills anything still running. */
export function killAllNamedProcesses(): void {
  for (const c of started) c.kill('SIGKILL');
  started.clear();
}
