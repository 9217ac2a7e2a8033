/**
 * Reading the seat's config file: the parser and its messages are shared/schemas/config-file.ts (the
 * deployment commands use the same one); this reads the file, bounded in size first.
 *
 * The file can hold the seat's console credential (`invigil enrol` writes it, mode 600): the agent
 * refuses to start when users other than root (and the agent's own user) can read it, and
 * `invigil check` reports it (`config-credential-exposed`).
 */
import { readFileSync, statSync } from 'node:fs';
import { FIREFOX_EXTENSION_ID } from '../shared/catalogs/browser-policy.ts';
import { EXTENSION_ID } from '../shared/constants.ts';
import { type AgentConfig, AgentConfigSchema } from '../shared/schemas/config.ts';
import {
  ConfigError,
  configTooLarge,
  MAX_CONFIG_BYTES,
  parseConfig,
  unreadableConfig,
} from '../shared/schemas/config-file.ts';

export { ConfigError, parseConfig };

/** The config with every default filled in, for `invigil check` without a file. */
export function defaultConfig(): AgentConfig {
  return AgentConfigSchema.parse({});
}

export function loadConfig(file: string): AgentConfig {
  let text: string;
  try {
    if (statSync(file).size > MAX_CONFIG_BYTES) throw configTooLarge(file);
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw unreadableConfig(file, error);
  }
  return parseConfig(text, file);
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
