/**
 * Reading the seat's config file (JSON or YAML; YAML is a superset of JSON, so one parser reads
 * both and reports line and column). Validation uses `AgentConfigSchema` from shared/; every error
 * names the field (`intervals.processesMs must be at least 100`), so IT can fix it without a manual.
 * Size (1 MB) and nesting (32 levels) are bounded before anything walks the document.
 *
 * The file can hold the seat's console credential (`invigil enrol` writes it, mode 600): the agent
 * refuses to start when users other than root (and the agent's own user) can read it, and
 * `invigil check` reports it (`config-credential-exposed`).
 */
import { readFileSync, statSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { FIREFOX_EXTENSION_ID } from '../shared/catalogs/browser-policy.ts';
import { EXTENSION_ID } from '../shared/constants.ts';
import { parseBoundedJson, valueDepth } from '../shared/schemas/bounded-json.ts';
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
/** Its deepest setting is four levels down. */
const MAX_CONFIG_DEPTH = 32;

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
  if (text.length > MAX_CONFIG_BYTES) throw new ConfigError(`the config file ${file} is larger than 1 MB`);
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

/**
 * Why the config file's credential is exposed, or null: it holds `console.credential` and a user other
 * than root and the agent's own can read it (group or other read permission, or another owner).
 * Windows keeps permissions in ACLs, which this does not read.
 */
export function credentialExposure(file: string, config: AgentConfig): string | null {
  if (!config.console || process.platform === 'win32') return null;
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(file);
  } catch {
    return null;
  }
  const mode = st.mode & 0o777;
  const me = process.getuid?.() ?? 0;
  if ((mode & 0o044) !== 0) {
    return `${file} holds the seat's console credential and other users can read it (mode ${mode.toString(8)}): run chmod 600 ${file}`;
  }
  if (st.uid !== 0 && st.uid !== me) {
    return `${file} holds the seat's console credential and belongs to another user (uid ${st.uid}), who can read it: run chown root ${file}`;
  }
  return null;
}

/**
 * The extension id this seat's browser runs: the published one, or a centre's own when it signs the
 * CRX itself (`policy.extensionId`, printed by `npm run package`); on a Firefox seat the add-on id
 * (`policy.firefox.extensionId`, default the id the Firefox build declares).
 */
export function seatExtensionId(config: AgentConfig): string {
  if (config.browser.name === 'firefox') return config.policy?.firefox?.extensionId ?? FIREFOX_EXTENSION_ID;
  return config.policy?.extensionId ?? EXTENSION_ID;
}
