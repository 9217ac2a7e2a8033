/**
 * Reading the seat's config file (JSON or YAML; YAML is a superset of JSON, so one parser reads
 * both and reports line and column). Validation uses `AgentConfigSchema` from shared/; every error
 * names the field (`intervals.processesMs must be at least 100`), so IT can fix it without a manual.
 */
import { readFileSync, statSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { EXTENSION_ID } from '../shared/constants.ts';
import { type AgentConfig, AgentConfigSchema } from '../shared/schemas/config.ts';
import { describe, describeIssues } from '../shared/schemas/issues.ts';

export class ConfigError extends Error {
  constructor(
    message: string,
    /** Each problem on its own line, field first. */
    readonly problems: string[] = [message],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The config with every default filled in, for `invigil check` without a file. */
export function defaultConfig(): AgentConfig {
  return AgentConfigSchema.parse({});
}

/** A seat config is a few kilobytes; anything this big is the wrong file. */
const MAX_CONFIG_BYTES = 1024 * 1024;

export function loadConfig(file: string): AgentConfig {
  let text: string;
  try {
    if (statSync(file).size > MAX_CONFIG_BYTES)
      throw new ConfigError(`the config file ${file} is larger than 1 MB`);
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a folder'
            : (error as Error).message;
    throw new ConfigError(`cannot read the config file ${file}: ${why}`);
  }
  return parseConfig(text, file);
}

export function parseConfig(text: string, file = 'config'): AgentConfig {
  const doc = parseDocument(text, { uniqueKeys: true });
  const yamlError = doc.errors[0];
  const at = yamlError?.linePos?.[0]
    ? ` (line ${yamlError.linePos[0].line}, column ${yamlError.linePos[0].col})`
    : '';
  const what = (yamlError?.message ?? '').split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '');
  let raw: unknown;
  if (file.toLowerCase().endsWith('.json')) {
    // YAML would forgive what JSON does not (`"x": }` reads as x: null), so a .json file is read as JSON.
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new ConfigError(`${file} is not valid JSON${at}: ${yamlError ? what : (error as Error).message}`);
    }
  } else {
    if (yamlError) throw new ConfigError(`${file} is not valid YAML${at}: ${what}`);
    raw = doc.toJS() ?? {};
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${file} must contain settings (an object), not ${describe(raw)}`);
  }
  const result = AgentConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = describeIssues(result.error, raw);
  const head = problems.length === 1 ? problems[0] : `${problems.length} problems: ${problems.join('; ')}`;
  throw new ConfigError(`${file}: ${head}`, problems);
}

/**
 * The extension id this seat's browser runs: the published one, or a centre's own when it signs the
 * CRX itself (`policy.extensionId`, printed by `npm run package`).
 */
export function seatExtensionId(config: AgentConfig): string {
  return config.policy?.extensionId ?? EXTENSION_ID;
}
