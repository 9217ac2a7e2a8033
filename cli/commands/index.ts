import type { Command } from '../command.ts';

/** Every subcommand, in the order `invigil --help` lists them. Later issues add theirs here. */
export const commands: Command[] = [];
