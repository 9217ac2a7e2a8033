import type { Command } from '../command.ts';
import { agent } from './agent.ts';
import { check } from './check.ts';
import { consoleCommand } from './console.ts';
import { demoCommand } from './demo.ts';
import { enrolCommand } from './enrol.ts';
import { installHostCommand } from './install-host.ts';
import { installServiceCommand } from './install-service.ts';
import { nativeHost } from './native-host.ts';
import { policyCommand } from './policy.ts';

/** Every subcommand, in the order `invigil --help` lists them: IT's health check first, then the daemons. */
export const commands: Command[] = [
  check,
  agent,
  nativeHost,
  consoleCommand,
  enrolCommand,
  installHostCommand,
  installServiceCommand,
  policyCommand,
  demoCommand,
];
