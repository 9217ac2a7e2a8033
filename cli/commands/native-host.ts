import { requireKoffi } from '../../kiosk-agent/link-trust/process-info.ts';
import { runNativeHost } from '../../kiosk-agent/native-host/host.ts';
import { defaultSocketPath } from '../../kiosk-agent/native-host/socket-path.ts';
import { type Command, type ParsedArgs, stringFlag, UserError } from '../command.ts';

/** A Firefox add-on id: name@domain, or a UUID in braces. */
export const FIREFOX_ADDON_ID = /^([A-Za-z0-9._+-]+@[A-Za-z0-9.-]+|\{[0-9a-fA-F-]{36}\})$/;

/**
 * First thing, before reading a byte from the browser: on Linux make this process non-dumpable
 * (prctl PR_SET_DUMPABLE 0), so that other programs of the seat account can no longer attach a
 * debugger to it, read or write its memory through /proc, or take its socket (pidfd_getfd): only
 * root can. Then a last net for errors: one line on stderr, never a stack trace, and keep serving.
 */
function hardenHostProcess(): void {
  if (process.platform === 'linux') {
    try {
      const koffi = requireKoffi();
      const prctl = koffi
        .load('libc.so.6')
        .func(
          'int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5)',
        );
      prctl(4 /* PR_SET_DUMPABLE */, 0, 0, 0, 0);
    } catch {
      // Without koffi the host still works; the agent's checks do not depend on this.
    }
  }
  const say = (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`invigil native-host: ${message.replaceAll('\n', ' ').slice(0, 300)}\n`);
  };
  process.on('uncaughtException', say);
  process.on('unhandledRejection', say);
}

export const nativeHost: Command = {
  name: 'native-host',
  summary: 'What the browser starts for native messaging (relays the extension to the agent)',
  help: `Usage: invigil native-host [ORIGIN] [--socket PATH]
       invigil native-host --browser firefox MANIFEST ADDON-ID [--socket PATH]

Started by the browser, not by people: \`invigil install-host\` registers it. Speaks native messaging
on stdin/stdout (a 4-byte little-endian length, then UTF-8 JSON) with the Invigil extension and
relays to the Invigil agent's local socket. ORIGIN is the caller, passed by the browser; any origin
but the Invigil extension's is refused. Firefox passes the manifest's path and the add-on id instead;
any add-on but Invigil's is refused.

Flags:
  --socket PATH         the agent's local socket (default: the per-user default)
  --browser firefox     started by Firefox (install-host writes this into the launcher)
  --extension-id ID     the extension allowed to use the host (default: the published Invigil id;
                        Firefox: the add-on id the Firefox build declares)
  --parent-window N     passed by Chrome on Windows; ignored

Exit codes: 0 the browser closed the link, 1 an impossible frame, 2 a refused caller.
`,
  options: {
    socket: { type: 'string' },
    'extension-id': { type: 'string' },
    'parent-window': { type: 'string' },
    browser: { type: 'string' },
  },
  allowPositionals: true,
  async run(args: ParsedArgs) {
    hardenHostProcess();
    const browser = stringFlag(args, 'browser');
    if (browser !== undefined && browser !== 'firefox') {
      throw new UserError(
        `--browser can only be firefox (got "${browser}"); Chromium-family browsers need no flag`,
      );
    }
    const firefox = browser === 'firefox';
    const extensionId = stringFlag(args, 'extension-id');
    if (extensionId !== undefined && !(firefox ? FIREFOX_ADDON_ID : /^[a-p]{32}$/).test(extensionId)) {
      throw new UserError(
        firefox
          ? `--extension-id must be a Firefox add-on id such as name@example.org (got "${extensionId}")`
          : `--extension-id must be 32 letters a to p (got "${extensionId}")`,
      );
    }
    return runNativeHost({
      // Firefox: the manifest's path first, then the add-on that calls.
      origin: firefox ? args.positionals[1] : args.positionals[0],
      ...(firefox ? { browser: 'firefox' as const } : {}),
      ...(extensionId ? { extensionId } : {}),
      socketPath: stringFlag(args, 'socket') ?? defaultSocketPath(),
      input: process.stdin,
      output: process.stdout,
      errors: process.stderr,
    });
  },
};
