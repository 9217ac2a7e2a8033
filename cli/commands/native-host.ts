import { runNativeHost } from '../../kiosk-agent/native-host/host.ts';
import { defaultSocketPath } from '../../kiosk-agent/native-host/socket-path.ts';
import { type Command, type ParsedArgs, stringFlag } from '../command.ts';

export const nativeHost: Command = {
  name: 'native-host',
  summary: 'What the browser starts for native messaging (relays the extension to the agent)',
  help: `Usage: invigil native-host [ORIGIN] [--socket PATH]

Started by the browser, not by people: \`invigil install-host\` registers it. Speaks native messaging
on stdin/stdout (a 4-byte little-endian length, then UTF-8 JSON) with the Invigil extension and
relays to the Invigil agent's local socket. ORIGIN is the caller, passed by the browser; any origin
but the Invigil extension's is refused.

Flags:
  --socket PATH         the agent's local socket (default: the per-user default)
  --parent-window N     passed by Chrome on Windows; ignored

Exit codes: 0 the browser closed the link, 1 an impossible frame, 2 a refused caller.
`,
  options: { socket: { type: 'string' }, 'parent-window': { type: 'string' } },
  allowPositionals: true,
  async run(args: ParsedArgs) {
    return runNativeHost({
      origin: args.positionals[0],
      socketPath: stringFlag(args, 'socket') ?? defaultSocketPath(),
      input: process.stdin,
      output: process.stdout,
      errors: process.stderr,
    });
  },
};
