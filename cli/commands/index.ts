import type { Command } from '../command.ts';
import { consoleCommand } from './console.ts';
import { enrolCommand } from './enrol.ts';

/** Every subcommand, in the order `invigil --help` lists them. Later issues add theirs here. */
export const commands: Command[] = [consoleCommand, enrolCommand];
