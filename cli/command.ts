/**
 * The small contract every `invigil` subcommand meets: a name, help text, flags for
 * node:util parseArgs, and a run function that returns the exit code.
 */
import type { ParseArgsConfig } from 'node:util';

export interface Command {
  name: string;
  /** One line for `invigil --help`. */
  summary: string;
  /** Full help: usage line, what it does, flags, exit codes, examples. */
  help: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Accepts positional arguments (default: none). */
  allowPositionals?: boolean;
  run(args: ParsedArgs): Promise<number>;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/** A problem with what the user typed or configured: printed as one line, never a stack trace. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function intFlag(args: ParsedArgs, name: string, min: number, max: number): number | undefined {
  const v = stringFlag(args, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new UserError(`--${name} must be a whole number from ${min} to ${max} (got "${v}")`);
  }
  return Number(v);
}
