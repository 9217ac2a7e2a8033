import type { Command } from '../command.ts';
import { installServiceCommand } from './install-service.ts';
import { policyCommand } from './policy.ts';

/** Every subcommand, in the order `invigil --help` lists them. Later issues add theirs here. */
export const commands: Command[] = [policyCommand, installServiceCommand];
