import { runNativeHost } from '../../kiosk-agent/native-host/host.ts';
import { defaultSocketPath } from '../../kiosk-agent/native-host/socket-path.ts';
import { type Command, type ParsedArgs, stringFlag, UserError } from '../command.ts';

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
  --extension-id ID     the extension allowed to use the host (default: the published Invigil id)
  --parent-window N     passed by Chrome on Windows; ignored

Exit codes: 0 the browser closed the link, 1 an impossible frame, 2 a refused caller.
`,
  options: {
    socket: { type: 'string' },
    'extension-id': { type: 'string' },
    'parent-window': { type: 'string' },
  },
  allowPositionals: true,
  async run(args: ParsedArgs) {
    const extensionId = stringFlag(args, 'extension-id');
    if (extensionId !== undefined && !/^[a-p]{32}$/.test(extensionId)) {
      throw new UserError(`--extension-id must be 32 letters a to p (got "${extensionId}")`);
    }
    return runNativeHost({
      origin: args.positionals[0],
      ...(extensionId ? { extensionId } : {}),
      socketPath: stringFlag(args, 'socket') ?? defaultSocketPath(),
      input: process.stdin,
      output: process.stdout,
      errors: process.stderr,
    });
  },
};
