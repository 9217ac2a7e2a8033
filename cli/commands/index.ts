import type { Command } from '../command.ts';
import { agent } from './agent.ts';
import { check } from './check.ts';
import { installHostCommand } from './install-host.ts';
import { nativeHost } from './native-host.ts';

/** Every subcommand, in the order `invigil --help` lists them. Later issues add theirs here. */
export const commands: Command[] = [check, agent, nativeHost, installHostCommand];
