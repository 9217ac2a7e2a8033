/**
 * The deployment commands read the same seat config file as the agent, with the agent's reader
 * (kiosk-agent/config.ts): one parser, one set of error messages naming the setting.
 */
import { ConfigError, loadConfig } from '../kiosk-agent/config.ts';
import type { AgentConfig } from '../shared/schemas/config.ts';

/** Bad input from the person running a command: printed as one line, exit code 2. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** Loads and validates a config file; throws `InputError` naming the file and the problem. */
export function loadConfigFile(path: string): AgentConfig {
  try {
    return loadConfig(path);
  } catch (error) {
    if (error instanceof ConfigError) throw new InputError(error.message);
    throw error;
  }
}
