/**
 * A seat's config file as text (JSON or YAML; YAML is a superset of JSON, so one parser reads both and
 * reports line and column) to a checked `AgentConfig`. Every error names the field (`intervals.processesMs
 * must be at least 100`), so IT can fix it without a manual. Size (1 MB) and nesting (32 levels) are
 * bounded before anything walks the document. Shared by the agent (kiosk-agent/config.ts) and the
 * deployment commands (deploy/config-file.ts): one parser, one set of messages; each reads the file itself.
 */
import { parseDocument } from 'yaml';
import { parseBoundedJson, valueDepth } from './bounded-json.ts';
import { type AgentConfig, AgentConfigSchema } from './config.ts';
import { describe, describeIssues } from './issues.ts';

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

/** A seat config is a few kilobytes; anything this big is the wrong file. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** Its deepest setting is four levels down. */
const MAX_CONFIG_DEPTH = 32;

/** Why a config file could not be read (from the error the file system gave), as one line. */
export function unreadableConfig(file: string, error: unknown): ConfigError {
  const code = (error as { code?: unknown } | null)?.code;
  const why =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'it is a folder'
          : (error as Error).message;
  return new ConfigError(`cannot read the config file ${file}: ${why}`);
}

/** The config file is larger than a config file can be. */
export function configTooLarge(file: string): ConfigError {
  return new ConfigError(`the config file ${file} is larger than 1 MB`);
}

export function parseConfig(text: string, file = 'config'): AgentConfig {
  if (text.length > MAX_CONFIG_BYTES) throw configTooLarge(file);
  const tooDeep = () =>
    new ConfigError(`${file} nests more than ${MAX_CONFIG_DEPTH} levels deep; a seat config is a few levels`);
  let raw: unknown;
  if (file.toLowerCase().endsWith('.json')) {
    // YAML would forgive what JSON does not (`"x": }` reads as x: null), so a .json file is read as JSON.
    const parsed = parseBoundedJson(text, { maxLength: MAX_CONFIG_BYTES, maxDepth: MAX_CONFIG_DEPTH });
    if (!parsed.ok) {
      if (parsed.problem === 'too-deep') throw tooDeep();
      const yamlError = safeYaml(text)?.errors[0];
      const at = yamlError?.linePos?.[0]
        ? ` (line ${yamlError.linePos[0].line}, column ${yamlError.linePos[0].col})`
        : '';
      const what = (yamlError?.message ?? '').split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '');
      throw new ConfigError(
        `${file} is not valid JSON${at}: ${yamlError ? what : parsed.reason.replace(/^it is not valid JSON \((.*)\)$/, '$1')}`,
      );
    }
    raw = parsed.value;
  } else {
    const doc = safeYaml(text);
    if (!doc) throw tooDeep();
    const yamlError = doc.errors[0];
    // The parser catches its own stack overflow and reports it as a syntax error.
    if (yamlError?.message.startsWith('Maximum call stack size exceeded')) throw tooDeep();
    if (yamlError) {
      const at = yamlError.linePos?.[0]
        ? ` (line ${yamlError.linePos[0].line}, column ${yamlError.linePos[0].col})`
        : '';
      const what = (yamlError.message ?? '').split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '');
      throw new ConfigError(`${file} is not valid YAML${at}: ${what}`);
    }
    try {
      raw = doc.toJS({ maxAliasCount: 100 }) ?? {};
    } catch (error) {
      if (error instanceof RangeError) throw tooDeep();
      throw new ConfigError(`${file} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  if (valueDepth(raw, MAX_CONFIG_DEPTH) > MAX_CONFIG_DEPTH) throw tooDeep();
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${file} must contain settings (an object), not ${describe(raw)}`);
  }
  const result = AgentConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = describeIssues(result.error, raw);
  const head = problems.length === 1 ? problems[0] : `${problems.length} problems: ${problems.join('; ')}`;
  throw new ConfigError(`${file}: ${head}`, problems);
}

/** The YAML parser recurses per level of nesting: a document nested deep enough overflows the stack. */
function safeYaml(text: string): ReturnType<typeof parseDocument> | null {
  try {
    return parseDocument(text, { uniqueKeys: true });
  } catch (error) {
    if (error instanceof RangeError) return null;
    throw error;
  }
}
