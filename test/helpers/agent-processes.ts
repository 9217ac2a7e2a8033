/**
 * Real programs named like catalog entries: a copy of a harmless binary (/bin/sleep) under the
 * catalog's name, started for real. The OS then lists a process by that name, exactly as it would
 * list the real program.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NamedProcess {
  name: string;
  pid: number;
  /** Ends the program and waits until it has gone. */
  stop(): Promise<void>;
}

const started = new Set<ChildProcess>();

export async function startNamedProcess(name: string): Promise<NamedProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'invigil-proc-'));
  const file = join(dir, name);
  copyFileSync('/bin/sleep', file);
  const child = spawn(file, ['600'], { stdio: 'ignore' });
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
