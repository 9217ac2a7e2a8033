import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError, loadConfigFile } from '../../deploy/config-file.ts';
import {
  LAUNCHD_LABEL,
  launchdPlist,
  SERVICE_NAME,
  SERVICE_SOCKET,
  type ServiceOptions,
  systemdUnit,
  UNIT_FILE,
  windowsInstallScript,
  winswXml,
} from '../../deploy/service/definitions.ts';
import {
  installSteps,
  installUnit,
  ServiceError,
  systemdBooted,
  uninstallSteps,
  uninstallUnit,
  unitPath,
} from '../../deploy/service/linux.ts';
import { type FileToWrite, writeFilesAtomically } from '../../deploy/write-files.ts';
import { credentialExposure } from '../../kiosk-agent/config.ts';
import { type Command, type ParsedArgs, stringFlag, UserError } from '../command.ts';

type Platform = 'linux' | 'macos' | 'windows';
const PLATFORMS: readonly Platform[] = ['linux', 'macos', 'windows'];

const help = `Usage: invigil install-service --config FILE [flags]

Runs \`invigil agent --config FILE\` as a system service that starts at boot and restarts whenever
it stops, and registers the browser's native messaging host (\`invigil install-host\`).

  linux     installs and starts a systemd unit (${UNIT_FILE}); needs root and systemd
  macos     writes a launchd daemon (${LAUNCHD_LABEL}.plist) to install with launchctl
  windows   writes a WinSW service definition and an install script for PowerShell
See docs/deploy.md for each OS, step by step.

Flags:
  --config FILE       the seat config the agent reads (checked before anything is installed)
  --dry-run           print what would be written and run, change nothing
  --uninstall         stop, disable and remove the service (Linux)
  --platform P        linux, macos or windows (default: this machine's)
  --out DIR           write the definition files into DIR instead of installing
  --root DIR          Linux: install into an offline system image at DIR (enable, do not start)
  --seat-user NAME    Linux: the account the browser runs as on this PC (the candidates' login).
                      The agent runs as root; its socket is opened to this account's group only,
                      so the browser's native host can reach it. Required on Linux.
  --display D         Linux: the X display the display checks read, such as :0
  --xauthority FILE   Linux: that display's authority file
  --node PATH         Node.js on the target machine (default: the one running this command)
  --invigil PATH      the invigil script on the target machine (default: this one)
  --browser B         chrome, chromium or edge: whose native messaging host to register
                      (default: the config's browser.name; chrome when writing files for macOS
                      or Windows)
  --skip-host         do not run \`invigil install-host\`

Exit codes: 0 done (or nothing to do), 1 a system step failed (the message says which, and what
was undone), 2 bad flags or config.

Examples:
  sudo invigil install-service --config /etc/invigil/seat.yaml --seat-user exam --dry-run
  sudo invigil install-service --config /etc/invigil/seat.yaml --seat-user exam --display :0
  invigil install-service --platform windows --config 'C:\\ProgramData\\Invigil\\seat.yaml' --out service\\
`;

function currentPlatform(): Platform {
  if (process.platform === 'win32') return 'windows';
  if (process.platform === 'darwin') return 'macos';
  return 'linux';
}

function absoluteFor(platform: Platform, path: string): boolean {
  return platform === 'windows' ? /^([A-Za-z]:\\|\\\\)/.test(path) : path.startsWith('/');
}

/** Paths of this installation: the same Node.js and the same invigil script, resolved through links. */
function thisInstallation(): { node: string; invigil: string } {
  const script = process.argv[1];
  if (!script)
    throw new UserError('cannot tell where this invigil command is installed; pass --invigil PATH');
  return { node: realpathSync(process.execPath), invigil: realpathSync(script) };
}

const TARGET_DEFAULTS: Record<Exclude<Platform, 'linux'>, { node: string; invigil: string }> = {
  macos: { node: '/usr/local/bin/node', invigil: '/usr/local/lib/node_modules/invigil/dist/cli/invigil.js' },
  windows: {
    node: 'C:\\Program Files\\nodejs\\node.exe',
    invigil: 'C:\\Program Files\\Invigil\\node_modules\\invigil\\dist\\cli\\invigil.js',
  },
};

function serviceOptions(args: ParsedArgs, platform: Platform, config: string): ServiceOptions {
  const here = platform === currentPlatform();
  const defaults = here ? thisInstallation() : TARGET_DEFAULTS[platform as Exclude<Platform, 'linux'>];
  if (!defaults) throw new UserError('generate Linux service files on a Linux machine');
  const node = stringFlag(args, 'node') ?? defaults.node;
  const invigil = stringFlag(args, 'invigil') ?? defaults.invigil;
  for (const [flag, value] of [
    ['node', node],
    ['invigil', invigil],
  ] as const) {
    if (!absoluteFor(platform, value))
      throw new UserError(`--${flag} must be an absolute path on ${platform} (got "${value}")`);
  }
  const seatUser = stringFlag(args, 'seat-user');
  if (seatUser !== undefined && !/^[a-z_][a-z0-9_.-]{0,31}$/i.test(seatUser)) {
    throw new UserError(`--seat-user must be an account name such as exam (got "${seatUser}")`);
  }
  if (platform === 'linux' && seatUser === undefined) {
    throw new UserError(
      "--seat-user is required: the account the browser runs as on this PC (the agent's socket is opened to its group)",
    );
  }
  const display = stringFlag(args, 'display');
  if (display !== undefined && !/^[A-Za-z0-9.-]*:\d+(\.\d+)?$/.test(display)) {
    throw new UserError(`--display must be an X display such as :0 (got "${display}")`);
  }
  const xauthority = stringFlag(args, 'xauthority');
  if (xauthority !== undefined && !xauthority.startsWith('/')) {
    throw new UserError(`--xauthority must be an absolute path (got "${xauthority}")`);
  }
  if (platform !== 'linux' && (seatUser || display || xauthority)) {
    throw new UserError('--seat-user, --display and --xauthority are for Linux');
  }
  return { node, invigil, config, seatGroup: seatUser && seatGroupOf(seatUser), display, xauthority };
}

/** The account's primary group here; an account not on this machine (an image) is taken to have its own group. */
function seatGroupOf(user: string): string {
  const r = spawnSync('id', ['-gn', user], { encoding: 'utf8' });
  if (r.status === 0 && r.stdout.trim() !== '') return r.stdout.trim();
  process.stderr.write(`note: there is no account "${user}" on this machine; using the group "${user}"\n`);
  return user;
}

function definitionFiles(platform: Platform, o: ServiceOptions, browser: string): FileToWrite[] {
  if (platform === 'linux') return [{ name: UNIT_FILE, data: systemdUnit(o) }];
  if (platform === 'macos') return [{ name: `${LAUNCHD_LABEL}.plist`, data: launchdPlist(o) }];
  return [
    { name: `${SERVICE_NAME}.xml`, data: winswXml(o) },
    {
      name: 'install-invigil-service.ps1',
      data: `\ufeff${windowsInstallScript(o, browser).replaceAll('\n', '\r\n')}`,
    },
  ];
}

const NEXT_STEPS: Record<Exclude<Platform, 'linux'>, (dir: string, browser: string) => string> = {
  macos: (dir, browser) => `Next, on the Mac (as an administrator):
  sudo invigil install-host --browser ${browser}
  sudo mkdir -p /Library/Logs/Invigil
  sudo install -o root -g wheel -m 644 ${dir}/${LAUNCHD_LABEL}.plist /Library/LaunchDaemons/
  sudo launchctl bootstrap system /Library/LaunchDaemons/${LAUNCHD_LABEL}.plist
  sudo invigil check --config CONFIG`,
  windows: (
    dir,
  ) => `Next, on the PC: save WinSW-x64.exe as ${dir}\\${SERVICE_NAME}.exe, then in an elevated PowerShell:
  powershell -ExecutionPolicy Bypass -File ${dir}\\install-invigil-service.ps1`,
};

interface ConfiguredSeat {
  browser: string;
  /** The socket the agent serves and the browser's native host must find. */
  socketPath?: string;
  /** A centre-signed extension's id (policy.extensionId). */
  extensionId?: string;
}

/** Checks the config (the agent would refuse a bad one at every restart) and returns what the service needs from it. */
function checkConfig(configPath: string, log: (s: string) => void): ConfiguredSeat {
  const config = loadConfigFile(configPath);
  // The agent refuses to start on a credential others can read: refuse to install it that way.
  const exposed = credentialExposure(configPath, config);
  if (exposed) throw new InputError(exposed);

  if (config.dataDir === undefined) {
    log(
      'warning: the config has no dataDir; set dataDir: /var/lib/invigil (the service keeps it, root only)',
    );
  }
  return {
    browser: config.browser.name,
    ...(config.socketPath ? { socketPath: config.socketPath } : {}),
    ...(config.policy?.extensionId ? { extensionId: config.policy.extensionId } : {}),
  };
}

/** `invigil install-host` for the service: the host must find the service's socket and allow the seat's extension. */
function installHostArgs(o: ServiceOptions, browser: string, extensionId?: string): string[] {
  return [
    'install-host',
    '--browser',
    browser,
    ...(o.socketPath ? ['--socket', o.socketPath] : []),
    ...(extensionId ? ['--extension-id', extensionId] : []),
  ];
}

function runInstallHost(o: ServiceOptions, args: string[], log: (s: string) => void): void {
  log(`  register the native messaging host: invigil ${args.join(' ')}`);
  const r = spawnSync(o.node, [o.invigil, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : (output.split('\n').pop() ?? `exit ${r.status}`);
    throw new ServiceError(`invigil install-host failed (${why}); the service was not installed`);
  }
  for (const line of output.split('\n').filter(Boolean)) log(`    ${line}`);
}

export const installServiceCommand: Command = {
  name: 'install-service',
  summary: 'run the agent as a service at boot (systemd; launchd and Windows files)',
  help,
  options: {
    config: { type: 'string' },
    'dry-run': { type: 'boolean' },
    uninstall: { type: 'boolean' },
    platform: { type: 'string' },
    out: { type: 'string' },
    root: { type: 'string' },
    'seat-user': { type: 'string' },
    display: { type: 'string' },
    xauthority: { type: 'string' },
    node: { type: 'string' },
    invigil: { type: 'string' },
    'skip-host': { type: 'boolean' },
    browser: { type: 'string' },
  },
  async run(args) {
    const log = (s: string) => process.stdout.write(`${s}\n`);
    const warn = (s: string) => process.stderr.write(`${s}\n`);
    const platformFlag = stringFlag(args, 'platform');
    if (platformFlag !== undefined && !(PLATFORMS as readonly string[]).includes(platformFlag)) {
      throw new UserError(`--platform must be one of ${PLATFORMS.join(', ')} (got "${platformFlag}")`);
    }
    const platform = (platformFlag as Platform | undefined) ?? currentPlatform();
    const dryRun = args.values['dry-run'] === true;
    const uninstall = args.values.uninstall === true;
    const out = stringFlag(args, 'out');
    const rootFlag = stringFlag(args, 'root');
    const root = rootFlag === undefined ? undefined : resolve(rootFlag);
    if (uninstall && (out !== undefined || platform !== 'linux')) {
      throw new UserError('--uninstall removes the Linux service; on macOS and Windows see docs/deploy.md');
    }
    if (root !== undefined && (platform !== 'linux' || out !== undefined)) {
      throw new UserError('--root is for installing the Linux service into a system image');
    }

    try {
      if (uninstall) {
        if (dryRun) {
          log('Would remove the Invigil agent service (nothing has been changed):');
          for (const s of uninstallSteps(root))
            log(`  ${s.say}${s.command ? `: ${s.command.join(' ')}` : ''}`);
          return 0;
        }
        if (!root) requireLinuxInstall();
        log('Removing the Invigil agent service:');
        const removed = uninstallUnit(log, root);
        log(removed ? 'Removed.' : `Nothing to remove: ${unitPath(root)} does not exist.`);
        return 0;
      }

      const configFlag = stringFlag(args, 'config');
      if (configFlag === undefined)
        throw new UserError('--config FILE is required: the seat config the agent will read');
      const local = platform === currentPlatform() || platform === 'linux';
      const config = local ? resolve(configFlag) : configFlag;
      if (!absoluteFor(platform, config)) {
        throw new UserError(`--config must be an absolute path on the ${platform} PC (got "${configFlag}")`);
      }
      // The agent would refuse a bad config at every restart: refuse it now, once, with the reason.
      const configured = local ? checkConfig(config, warn) : undefined;
      const browserFlag = stringFlag(args, 'browser');
      if (browserFlag !== undefined && !['chrome', 'chromium', 'edge'].includes(browserFlag)) {
        throw new UserError(`--browser must be one of chrome, chromium, edge (got "${browserFlag}")`);
      }
      const browser = browserFlag ?? configured?.browser ?? 'chrome';
      const options = serviceOptions(args, platform, config);
      // On Linux the agent serves the folder systemd opens to the seat account, unless the config names another.
      if (platform === 'linux') options.socketPath = configured?.socketPath ?? SERVICE_SOCKET;
      const hostArgs = installHostArgs(options, browser, configured?.extensionId);
      const files = definitionFiles(platform, options, browser);

      if (out !== undefined) {
        const written = writeFilesAtomically(out, files);
        for (const w of written) log(`wrote ${w}`);
        if (platform !== 'linux') log(NEXT_STEPS[platform](out, browser));
        return 0;
      }
      if (platform !== 'linux') {
        if (!dryRun) {
          throw new UserError(
            `on ${platform} this command writes the service files for you to install: pass --out DIR (or --dry-run to see them)`,
          );
        }
        for (const f of files) log(`--- ${f.name} ---\n${String(f.data).replace(/^\ufeff/, '')}`);
        return 0;
      }

      const unit = String(files[0]?.data);
      const skipHost = args.values['skip-host'] === true || root !== undefined;
      if (dryRun) {
        log('Would install the Invigil agent as a systemd service (nothing has been changed):');
        let n = 1;
        if (!skipHost) log(`  ${n++}. register the native messaging host: invigil ${hostArgs.join(' ')}`);
        for (const s of installSteps(root))
          log(`  ${n++}. ${s.say}${s.command ? `: ${s.command.join(' ')}` : ''}`);
        log(`\n--- ${unitPath(root)} ---\n${unit}`);
        return 0;
      }
      if (!root) requireLinuxInstall();
      log(
        root
          ? `Installing the Invigil agent service into the image at ${root}:`
          : 'Installing the Invigil agent service:',
      );
      if (!skipHost) runInstallHost(options, hostArgs, log);
      installUnit(unit, log, root);
      if (root) {
        log('Done: the agent starts when the image boots. Run `invigil install-host` inside the image too.');
      } else {
        log(
          `Done: the agent is running. Status: systemctl status ${UNIT_FILE}; logs: journalctl -u ${SERVICE_NAME}`,
        );
        log(`Check the seat: invigil check --config ${config}`);
      }
      return 0;
    } catch (error) {
      if (error instanceof InputError) throw new UserError(error.message, 2);
      if (error instanceof ServiceError) throw new UserError(error.message, 1);
      throw error;
    }
  },
};

function requireLinuxInstall(): void {
  if (process.platform !== 'linux') throw new UserError('installing a systemd service needs Linux', 1);
  if (process.getuid?.() !== 0)
    throw new UserError('installing a system service needs root: run it with sudo', 1);
  if (!systemdBooted()) {
    throw new UserError(
      'systemd is not running on this machine (no /run/systemd/system), so nothing was installed; use --dry-run to see the unit, or --root DIR for a system image',
      1,
    );
  }
}
