import { realpathSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { processOs } from '../../kiosk-agent/checks/processes.ts';
import { installHost } from '../../kiosk-agent/native-host/install.ts';
import type { SeatBrowser } from '../../shared/catalogs/browser-policy.ts';
import { type Command, type ParsedArgs, stringFlag, UserError } from '../command.ts';
import { FIREFOX_ADDON_ID } from './native-host.ts';

const BROWSERS: SeatBrowser[] = ['chrome', 'chromium', 'edge', 'firefox'];

export const installHostCommand: Command = {
  name: 'install-host',
  summary: "Register Invigil's native-messaging host with a browser",
  help: `Usage: invigil install-host --browser chrome|chromium|edge|firefox [--user-data-dir DIR | --user] [--socket PATH]

Writes the native-messaging host manifest (uk.invigil.agent, allowing only the Invigil extension)
where that browser looks for it on this OS, and a small launcher that runs this Node on this installation
of invigil with an empty environment (so nothing the browser passes on, such as NODE_OPTIONS or LD_PRELOAD,
can load code into it). The agent accepts only this host, started by the managed browser, as the
extension's voice. Run as root/administrator to install for every user; otherwise it installs
for the current user (--user: for the current user even as root). With --user-data-dir, only into that browser profile (DIR/NativeMessagingHosts).
Firefox's manifest names the add-on (allowed_extensions) and goes where Firefox reads it
(/usr/lib/mozilla/native-messaging-hosts or ~/.mozilla/native-messaging-hosts on Linux; the Mozilla
folders on macOS; HKLM/HKCU\\SOFTWARE\\Mozilla\\NativeMessagingHosts on Windows).

Flags:
  --browser NAME         chrome, chromium, edge or firefox (required)
  --user-data-dir DIR    install into this browser profile only (not Firefox)
  --user                 install for the current user ($HOME) even when run as root
  --socket PATH          the agent's local socket, baked into the wrapper (default: the per-user default)
  --extension-id ID      allow this extension id instead of the published one (a CRX the centre signed
                         itself has its own id: \`npm run package\` prints it); Firefox: the add-on id,
                         when the centre signs the .xpi under its own

Examples:
  sudo invigil install-host --browser chrome
  invigil install-host --browser chromium --user-data-dir /tmp/profile
  sudo invigil install-host --browser firefox
`,
  options: {
    browser: { type: 'string' },
    'user-data-dir': { type: 'string' },
    user: { type: 'boolean' },
    socket: { type: 'string' },
    'extension-id': { type: 'string' },
  },
  async run(args: ParsedArgs) {
    const browser = stringFlag(args, 'browser');
    if (!browser) throw new UserError('--browser is required: chrome, chromium, edge or firefox');
    if (!BROWSERS.includes(browser as SeatBrowser)) {
      throw new UserError(`--browser must be chrome, chromium, edge or firefox (got "${browser}")`);
    }
    const firefox = browser === 'firefox';
    const udd = stringFlag(args, 'user-data-dir');
    if (firefox && udd !== undefined) {
      throw new UserError(
        '--user-data-dir is for Chromium-family browsers: Firefox reads native-messaging manifests only from its fixed folders',
      );
    }
    const socket = stringFlag(args, 'socket');
    if (socket !== undefined && !isAbsolute(socket) && !socket.startsWith('\\\\')) {
      throw new UserError(`--socket must be an absolute path (got "${socket}")`);
    }
    const extensionId = stringFlag(args, 'extension-id');
    if (firefox && extensionId !== undefined && !FIREFOX_ADDON_ID.test(extensionId)) {
      throw new UserError(
        `--extension-id must be a Firefox add-on id such as name@example.org (got "${extensionId}")`,
      );
    }
    if (!firefox && extensionId !== undefined && !/^[a-p]{32}$/.test(extensionId)) {
      throw new UserError(
        `--extension-id must be 32 letters a to p, as \`npm run package\` prints it (got "${extensionId}")`,
      );
    }
    const cliPath = realpathSync(process.argv[1] ?? '');
    const userOnly = args.values.user === true;
    if (userOnly && udd !== undefined)
      throw new UserError('--user and --user-data-dir cannot be used together: choose one place');
    const isAdmin = process.platform === 'win32' || userOnly ? false : process.getuid?.() === 0;
    const plan = installHost({
      browser: browser as SeatBrowser,
      os: processOs(),
      ...(udd ? { userDataDir: resolve(udd) } : {}),
      ...(socket ? { socketPath: socket } : {}),
      ...(extensionId ? { extensionId } : {}),
      machineWide: isAdmin,
      nodePath: process.execPath,
      cliPath,
    });
    process.stdout.write(
      `Installed the Invigil native-messaging host for ${browser}${udd ? ` (profile ${resolve(udd)})` : isAdmin ? ' (every user)' : ' (this user)'}:\n  manifest  ${plan.manifest}\n  program   ${plan.wrapper}\n${plan.registryKey ? `  registry  ${plan.registryKey}\n` : ''}Restart the browser if it is running.\n`,
    );
    return 0;
  },
};
