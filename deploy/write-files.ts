/**
 * Writes a set of generated files into a folder all or nothing: every file goes to a temporary
 * name first and is renamed into place only when all of them were written.
 */
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from './config-file.ts';

export interface FileToWrite {
  name: string;
  data: Buffer | string;
  mode?: number;
}

export function writeFilesAtomically(dir: string, files: readonly FileToWrite[]): string[] {
  try {
    const st = statSync(dir, { throwIfNoEntry: false });
    if (st && !st.isDirectory()) throw new InputError(`--out ${dir} is a file, not a folder`);
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`cannot create the folder ${dir}: ${(error as Error).message}`);
  }
  const written: string[] = [];
  const temps: string[] = [];
  try {
    for (const f of files) {
      const tmp = join(dir, `.${f.name}.${process.pid}.tmp`);
      writeFileSync(tmp, f.data, { mode: f.mode ?? 0o644 });
      temps.push(tmp);
    }
    files.forEach((f, i) => {
      const target = join(dir, f.name);
      renameSync(temps[i] as string, target);
      written.push(target);
    });
    return written;
  } catch (error) {
    for (const t of temps) rmSync(t, { force: true });
    throw new InputError(`cannot write to ${dir}: ${(error as Error).message}`);
  }
}
