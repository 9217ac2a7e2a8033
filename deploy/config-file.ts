/**
 * The deployment commands read the same seat config file as the agent, with the same parser
 * (shared/schemas/config-file.ts): one set of error messages naming the setting.
 */
import { readFileSync, statSync } from 'node:fs';
import type { AgentConfig } from '../shared/schemas/config.ts';
import {
  ConfigError,
  configTooLarge,
  MAX_CONFIG_BYTES,
  parseConfig,
  unreadableConfig,
} from '../shared/schemas/config-file.ts';

/** Bad input from the person running a command: printed as one line, exit code 2. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** Loads and validates a config file; throws `InputError` naming the file and the problem. */
export function loadConfigFile(path: string): AgentConfig {
  let text: string;
  try {
    if (statSync(path).size > MAX_CONFIG_BYTES) throw configTooLarge(path);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputError((error instanceof ConfigError ? error : unreadableConfig(path, error)).message);
  }
  try {
    return parseConfig(text, path);
  } catch (error) {
    if (error instanceof ConfigError) throw new InputError(error.message);
    throw error;
  }
}
