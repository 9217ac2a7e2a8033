/**
 * `invigil`: one command for every part of Invigil. Thin wiring only: each subcommand lives in
 * cli/commands/<name>.ts and calls into extension/, kiosk-agent/ or invigilator/ modules.
 */
import { parseArgs } from 'node:util';
import { type Command, UserError } from './command.ts';
import { commands } from './commands/index.ts';

const VERSION = (process.env.INVIGIL_VERSION as string | undefined) ?? '0.1.0';

async function mainHelp(): Promise<string> {
  const all = await Promise.all(commands.map((c) => c.load()));
  const width = Math.max(...all.map((c) => c.name.length));
  return [
    'invigil: exam-seat lockdown and invigilation',
    '',
    'Usage: invigil <command> [flags]',
    '',
    'Commands:',
    ...all.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `invigil <command> --help` for the flags of one command.',
    '',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(await mainHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    process.stderr.write(`invigil: unknown command "${name}". Run \`invigil --help\` for the list.\n`);
    return 2;
  }
  const command: Command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(command.help.endsWith('\n') ? command.help : `${command.help}\n`);
    return 0;
  }
  try {
    const parsed = parseArgs({
      args: rest,
      options: command.options,
      allowPositionals: command.allowPositionals ?? false,
      strict: true,
    });
    return await command.run({
      values: parsed.values as Record<string, string | boolean | undefined>,
      positionals: parsed.positionals,
    });
  } catch (error) {
    return reportError(command.name, error);
  }
}

function reportError(commandName: string, error: unknown): number {
  if (error instanceof UserError) {
    process.stderr.write(`invigil ${commandName}: ${error.message}\n`);
    return error.exitCode;
  }
  const code = (error as { code?: string } | null)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(
      `invigil ${commandName}: ${(error as Error).message}. Run \`invigil ${commandName} --help\`.\n`,
    );
    return 2;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`invigil ${commandName}: ${message}\n`);
  if (process.env.INVIGIL_DEBUG && error instanceof Error && error.stack)
    process.stderr.write(`${error.stack}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`invigil: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
