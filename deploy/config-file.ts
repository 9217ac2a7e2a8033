/**
 * Reads a seat config file (JSON or YAML) for the deployment commands and checks it against
 * `AgentConfigSchema`. Every problem is reported as one line that names the file and the setting.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { type AgentConfig, AgentConfigSchema } from '../shared/schemas/config.ts';

/** Bad input from the person running a command: printed as one line, exit code 2. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

const MAX_CONFIG_BYTES = 1024 * 1024;

/** Loads and validates a config file; throws `InputError` naming the file and the first problems. */
export function loadConfigFile(path: string): AgentConfig {
  let text: string;
  try {
    const bytes = readFileSync(path);
    if (bytes.length > MAX_CONFIG_BYTES) throw new InputError(`config ${path} is larger than 1 MB`);
    text = bytes.toString('utf8');
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') throw new InputError(`config ${path} does not exist`);
    if (code === 'EISDIR') throw new InputError(`config ${path} is a folder, not a file`);
    if (code === 'EACCES') throw new InputError(`config ${path} cannot be read (permission denied)`);
    throw new InputError(`config ${path} cannot be read: ${(error as Error).message}`);
  }
  const raw = parseConfigText(path, text);
  const result = AgentConfigSchema.safeParse(raw ?? {});
  if (!result.success) throw new InputError(`config ${path}: ${formatIssues(result.error)}`);
  return result.data;
}

function parseConfigText(path: string, text: string): unknown {
  const ext = extname(path).toLowerCase();
  if (ext === '.json') {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new InputError(`config ${path} is not valid JSON: ${(error as Error).message}`);
    }
  }
  // YAML is a superset of JSON, so any other name is read as YAML.
  try {
    return parseYaml(text, { prettyErrors: false, uniqueKeys: true });
  } catch (error) {
    const first = ((error as Error).message ?? '').split('\n')[0];
    throw new InputError(`config ${path} is not valid YAML: ${first}`);
  }
}

/** `policy.extension.allowedHosts: entry 2 is empty; printing: expected boolean` (at most three). */
export function formatIssues(error: z.ZodError): string {
  const lines = error.issues.slice(0, 3).map((issue) => {
    // A list entry's message already says "entry N"; the numeric path part would repeat it.
    const path = issue.path.filter((p, i, all) => !(typeof p === 'number' && i === all.length - 1));
    const where = path.length > 0 ? `${path.join('.')}: ` : '';
    return `${where}${issue.message}`;
  });
  const more = error.issues.length > 3 ? ` (and ${error.issues.length - 3} more)` : '';
  return `${lines.join('; ')}${more}`;
}
