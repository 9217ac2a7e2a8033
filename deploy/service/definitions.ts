/**
 * Service definitions that run `invigil agent --config FILE` at boot, restarted whenever it stops:
 * a systemd unit (Linux), a launchd daemon (macOS) and a WinSW service (Windows).
 *
 * Why a system service running as root, not a per-user one: the candidate must not be able to stop
 * or kill the agent, nor read the seat's console credential in its config (root only, 0600); the
 * agent must run before anyone signs in and see every user's processes.
 *
 * The browser's native host runs as the seat's account (the candidates' login) and connects to the
 * agent's socket, which must therefore be open to that account and no other. On Linux the agent runs
 * with that account's group as its group and `--socket-access group`: the socket it creates in
 * /run/invigil is root:<seat group>, mode 0660, in a 0750 folder (connecting needs write permission on
 * the socket and search permission on the folder), and other local users get nothing.
 */
import { plistXml, xmlSafe } from '../policy/formats/plist.ts';

export const SERVICE_NAME = 'invigil-agent';
/** The socket the Linux service serves: in /run/invigil, the RuntimeDirectory systemd opens to the seat group. */
export const SERVICE_SOCKET = '/run/invigil/agent.sock';
export const UNIT_FILE = `${SERVICE_NAME}.service`;
export const LAUNCHD_LABEL = 'uk.invigil.agent';

export interface ServiceOptions {
  /** The Node.js executable on the target machine. */
  node: string;
  /** The invigil command's script (dist/cli/invigil.js) on the target machine. */
  invigil: string;
  /** Absolute path of the seat config on the target machine. */
  config: string;
  /** Linux: the group of the account the browser runs as; the agent's socket is opened to it. */
  seatGroup?: string;
  /** The agent's socket, when the unit names it (`--socket`); the native host is registered with the same path. */
  socketPath?: string;
  /** Linux: X display the display checks read, and its authority file. */
  display?: string;
  xauthority?: string;
}

/**
 * A string as one systemd command-line word: quoted when needed, with `%` and `$` doubled so
 * systemd does not expand them (systemd.service(5), "Command lines").
 */
export function systemdWord(s: string): string {
  if (/[\r\n\0]/.test(s))
    throw new Error(`a service argument cannot contain a line break: ${JSON.stringify(s)}`);
  const escaped = s.replaceAll('%', '%%').replaceAll('$', '$$$$');
  if (/^[A-Za-z0-9_./:@+=,%-]+$/.test(escaped)) return escaped;
  return `"${escaped.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

function systemdEnv(name: string, value: string): string {
  return `Environment=${systemdWord(`${name}=${value}`)}`;
}

export function systemdUnit(o: ServiceOptions): string {
  // Group access: the socket and its folder are opened to the seat account's group (0660 / 0750).
  const access = [
    ...(o.socketPath ? ['--socket', o.socketPath] : []),
    ...(o.seatGroup ? ['--socket-access', 'group'] : []),
  ];
  const exec = [o.node, o.invigil, 'agent', '--config', o.config, ...access].map(systemdWord).join(' ');
  const env = [systemdEnv('NODE_ENV', 'production')];
  if (o.display) env.push(systemdEnv('DISPLAY', o.display));
  if (o.xauthority) env.push(systemdEnv('XAUTHORITY', o.xauthority));
  return `# Invigil exam-seat agent: machine checks, the extension's reports, the link to the console.
# Written by \`invigil install-service\`; remove with \`invigil install-service --uninstall\`.
[Unit]
Description=Invigil exam-seat agent
Documentation=man:systemd.service(5)
Wants=network-online.target
After=network-online.target display-manager.service
# Keep restarting however often it stops: a seat without its agent shows Offline, never Ready.
StartLimitIntervalSec=0

[Service]
Type=simple
ExecStart=${exec}
User=root
Group=${o.seatGroup ?? 'root'}
Restart=always
RestartSec=2
TimeoutStopSec=15
# Root, so the candidate can neither stop the agent nor read the seat credential in its config.
# The group is the seat account's: with --socket-access group the socket the agent creates in /run/invigil
# is root:${o.seatGroup ?? 'root'} 0660, so the browser's native host (running as that account) can connect and
# no other user can. /var/lib/invigil, the durable event store, stays closed to the group (0700).
RuntimeDirectory=invigil
RuntimeDirectoryMode=0750
StateDirectory=invigil
StateDirectoryMode=0700
UMask=0007
${env.join('\n')}
NoNewPrivileges=yes
ProtectSystem=full
ProtectHome=read-only
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
ProtectKernelLogs=yes
ProtectClock=yes
ProtectHostname=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
RestrictNamespaces=yes
LockPersonality=yes
SystemCallArchitectures=native
# Not PrivateTmp: the display checks talk to the X server through /tmp/.X11-unix.

[Install]
WantedBy=multi-user.target
`;
}

/**
 * macOS: a LaunchDaemon (root, started at boot, kept alive), for /Library/LaunchDaemons. As on Linux
 * the socket is opened to a group: `staff`, every standard account's primary group on macOS.
 */
export function launchdPlist(o: ServiceOptions): string {
  return plistXml({
    Label: LAUNCHD_LABEL,
    ProgramArguments: [o.node, o.invigil, 'agent', '--config', o.config],
    UserName: 'root',
    GroupName: 'staff',
    // launchd takes the umask as a decimal number: 7 is 0007.
    Umask: 7,
    RunAtLoad: true,
    KeepAlive: true,
    ThrottleInterval: 5,
    WorkingDirectory: '/',
    EnvironmentVariables: { NODE_ENV: 'production' },
    StandardOutPath: '/Library/Logs/Invigil/agent.log',
    StandardErrorPath: '/Library/Logs/Invigil/agent.log',
  });
}

function xmlText(s: string): string {
  if (!xmlSafe(s)) throw new Error(`a control character cannot go into XML: ${JSON.stringify(s)}`);
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** A Windows command-line argument, quoted as the C runtime's parser expects. */
export function windowsArg(s: string): string {
  if (s !== '' && !/[\s"]/.test(s)) return s;
  let out = '"';
  let backslashes = 0;
  for (const ch of s) {
    if (ch === '\\') backslashes++;
    else if (ch === '"') {
      out += `${'\\'.repeat(backslashes * 2 + 1)}"`;
      backslashes = 0;
    } else {
      out += '\\'.repeat(backslashes) + ch;
      backslashes = 0;
    }
  }
  return `${out}${'\\'.repeat(backslashes * 2)}"`;
}

/**
 * Windows: a WinSW service definition (WinSW wraps a console program such as node.exe as a real
 * Windows service; node.exe cannot answer the service manager itself, so `sc.exe create` alone
 * would fail to start with error 1053). It runs as LocalSystem, starts at boot and restarts on exit.
 */
export function winswXml(o: ServiceOptions): string {
  const args = [o.invigil, 'agent', '--config', o.config].map(windowsArg).join(' ');
  return `<!-- Invigil exam-seat agent as a Windows service, for WinSW (https://github.com/winsw/winsw).
     Save WinSW-x64.exe next to this file as ${SERVICE_NAME}.exe, then run install-invigil-service.ps1. -->
<service>
  <id>${SERVICE_NAME}</id>
  <name>Invigil exam-seat agent</name>
  <description>Machine checks for the exam seat, the extension's reports and the link to the invigilator's console.</description>
  <executable>${xmlText(o.node)}</executable>
  <arguments>${xmlText(args)}</arguments>
  <startmode>Automatic</startmode>
  <delayedAutoStart>false</delayedAutoStart>
  <onfailure action="restart" delay="2 sec"/>
  <onfailure action="restart" delay="5 sec"/>
  <onfailure action="restart" delay="10 sec"/>
  <resetfailure>1 hour</resetfailure>
  <env name="NODE_ENV" value="production"/>
  <logpath>%ProgramData%\\Invigil\\logs</logpath>
  <log mode="roll-by-size">
    <sizeThreshold>10240</sizeThreshold>
    <keepFiles>8</keepFiles>
  </log>
</service>
`;
}

/** PowerShell that installs the host and the WinSW service, starts it and runs the health check. */
export function windowsInstallScript(o: ServiceOptions, browser: string): string {
  const ps = (s: string) => `'${s.replaceAll("'", "''")}'`;
  return `#Requires -RunAsAdministrator
# Installs the Invigil agent as a Windows service (WinSW) and registers the native messaging host.
# Run from an elevated PowerShell in the folder that holds this script, ${SERVICE_NAME}.xml and
# ${SERVICE_NAME}.exe (WinSW-x64.exe, renamed).
$ErrorActionPreference = 'Stop'
$here = Split-Path -Parent $MyInvocation.MyCommand.Path
$node = ${ps(o.node)}
$invigil = ${ps(o.invigil)}
$config = ${ps(o.config)}
$winsw = Join-Path $here '${SERVICE_NAME}.exe'
if (-not (Test-Path $winsw)) { throw "Save WinSW-x64.exe as $winsw first (see docs/deploy.md)." }
if (-not (Test-Path $config)) { throw "The seat config $config does not exist." }

Write-Host '1/4 Registering the native messaging host (invigil install-host)'
& $node $invigil install-host --browser ${browser}
if ($LASTEXITCODE -ne 0) { throw "invigil install-host failed (exit $LASTEXITCODE)" }

Write-Host '2/4 Installing the service ${SERVICE_NAME}'
New-Item -ItemType Directory -Force -Path (Join-Path $env:ProgramData 'Invigil\\logs') | Out-Null
& $winsw install
if ($LASTEXITCODE -ne 0) { throw "WinSW install failed (exit $LASTEXITCODE)" }

Write-Host '3/4 Starting it'
& $winsw start
if ($LASTEXITCODE -ne 0) { throw "WinSW start failed (exit $LASTEXITCODE)" }

Write-Host '4/4 Checking the seat (invigil check)'
& $node $invigil check --config $config
exit $LASTEXITCODE
`;
}
