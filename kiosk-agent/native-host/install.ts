/**
 * `invigil install-host`: registers `invigil native-host` with a browser. The manifest's `path` is a
 * small launcher that runs this Node (`process.execPath`) on this installation's invigil.js, with the
 * socket path baked in when one was given, and nothing else:
 *
 * - The browser passes its own environment on to the host, and a candidate can start the browser with
 *   any environment: NODE_OPTIONS=--require, NODE_PATH, LD_PRELOAD, OPENSSL_CONF and the like would load
 *   their code into the host. So the launcher starts the host with an empty environment
 *   (`env -i`; the host needs none: its socket and extension id are on its command line). The agent
 *   checks that the host's environment is empty before it lets it speak for the browser
 *   (kiosk-agent/link-trust/connector.ts).
 * - Windows (written from documentation, not run: cmd.exe's `set` and `setlocal`): the launcher
 *   clears every variable that Node.js or OpenSSL reads code or modules from, then runs the host.
 *
 * On an exam PC the launcher and what it runs are installed by root (`sudo invigil install-host`), so
 * the candidate can change neither.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  FIREFOX_EXTENSION_ID,
  type PolicyOs,
  type SeatBrowser,
} from '../../shared/catalogs/browser-policy.ts';
import { EXTENSION_ID } from '../../shared/constants.ts';
import { NATIVE_HOST_NAME } from '../../shared/schemas/native.ts';
import { extensionOrigin } from './host.ts';
import { hostLocations, profileHostDir } from './locations.ts';

export interface InstallHostOptions {
  browser: SeatBrowser;
  os: PolicyOs;
  /** Install into this browser profile only (`<dir>/NativeMessagingHosts/`; Chromium-family only). */
  userDataDir?: string;
  /** Bake `--socket PATH` into the wrapper (tests, or an agent on a non-default socket). */
  socketPath?: string;
  /** The extension allowed to start the host (a centre's own id when it signs its own CRX; Firefox: the add-on id). */
  extensionId?: string;
  /** Machine-wide (for every user) rather than for this user. */
  machineWide: boolean;
  nodePath: string;
  cliPath: string;
}

export interface InstallPlan {
  dir: string;
  manifest: string;
  wrapper: string;
  /** Windows: the registry key whose default value names the manifest. */
  registryKey?: string;
  wrapperText: string;
  manifestJson: Record<string, unknown>;
}

const shQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
const cmdQuote = (s: string) => `"${s.replaceAll('"', '""')}"`;

/**
 * Windows: variables that load code or modules into Node.js or OpenSSL (Node's CLI documentation,
 * "Environment variables"; OpenSSL's openssl-env(7)), cleared by the launcher.
 */
export const WINDOWS_CLEARED_VARIABLES = [
  'NODE_OPTIONS',
  'NODE_PATH',
  'NODE_REPL_EXTERNAL_MODULE',
  'NODE_EXTRA_CA_CERTS',
  'NODE_ICU_DATA',
  'NODE_V8_COVERAGE',
  'NODE_PENDING_DEPRECATION',
  'NODE_PRESERVE_SYMLINKS',
  'NODE_TLS_REJECT_UNAUTHORIZED',
  'NODE_DEBUG',
  'NODE_DEBUG_NATIVE',
  'UV_THREADPOOL_SIZE',
  'OPENSSL_CONF',
  'OPENSSL_MODULES',
  'OPENSSL_ENGINES',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
] as const;

/** Where `env` lives on Linux and macOS (coreutils and BSD both install it there). */
const ENV = '/usr/bin/env';

export function planInstall(o: InstallHostOptions): InstallPlan {
  const windows = o.os === 'windows';
  const loc = hostLocations(o.browser, o.os);
  const dir = o.userDataDir
    ? profileHostDir(o.userDataDir)
    : windows
      ? join(
          o.machineWide
            ? (process.env.ProgramData ?? 'C:\\ProgramData')
            : (process.env.LOCALAPPDATA ?? 'C:\\Users\\Default\\AppData\\Local'),
          'Invigil',
        )
      : o.machineWide
        ? loc.machine
        : loc.user;
  const wrapper = join(dir, `${NATIVE_HOST_NAME}${windows ? '.cmd' : '.sh'}`);
  const firefox = o.browser === 'firefox';
  if (firefox && o.userDataDir) {
    throw new Error('Firefox reads native-messaging manifests from fixed folders only, not from a profile');
  }
  const defaultId = firefox ? FIREFOX_EXTENSION_ID : EXTENSION_ID;
  const extensionId = o.extensionId ?? defaultId;
  // Firefox starts the host with the manifest's path and the add-on id, not an origin: the host is
  // told which browser calls it, so it knows what to expect.
  const socketArgs = [
    ...(o.socketPath ? ['--socket', o.socketPath] : []),
    ...(firefox ? ['--browser', 'firefox'] : []),
    ...(extensionId !== defaultId ? ['--extension-id', extensionId] : []),
  ];
  const wrapperText = windows
    ? [
        '@echo off',
        'rem Written by `invigil install-host`. Runs the Invigil native host without the variables that',
        'rem would load code into Node.js or OpenSSL, whatever environment the browser passes on.',
        'setlocal',
        ...WINDOWS_CLEARED_VARIABLES.map((v) => `set "${v}="`),
        `${[o.nodePath, o.cliPath, 'native-host', ...socketArgs].map(cmdQuote).join(' ')} %*`,
        '',
      ].join('\r\n')
    : `#!/bin/sh\n# Written by \`invigil install-host\`. Runs the Invigil native host with an empty environment\n# (env -i), whatever environment the browser passes on: nothing such as NODE_OPTIONS or LD_PRELOAD\n# can load code into it. The agent refuses a host whose environment is not empty.\nexec ${[ENV, '-i', o.nodePath, o.cliPath, 'native-host', ...socketArgs].map(shQuote).join(' ')} "$@"\n`;
  const manifestJson = {
    name: NATIVE_HOST_NAME,
    description: 'Invigil: links the exam browser extension to the Invigil agent on this PC',
    path: wrapper,
    type: 'stdio',
    ...(firefox
      ? { allowed_extensions: [extensionId] }
      : { allowed_origins: [extensionOrigin(extensionId)] }),
  };
  return {
    dir,
    manifest: join(dir, `${NATIVE_HOST_NAME}.json`),
    wrapper,
    wrapperText,
    manifestJson,
    ...(windows && !o.userDataDir
      ? { registryKey: `${o.machineWide ? loc.machine : loc.user}\\${NATIVE_HOST_NAME}` }
      : {}),
  };
}

/** Writes each file whole (temp file, then rename), so a browser never reads half a manifest. */
function writeWhole(file: string, text: string, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, file);
}

export function installHost(o: InstallHostOptions): InstallPlan {
  const plan = planInstall(o);
  mkdirSync(plan.dir, { recursive: true });
  writeWhole(plan.wrapper, plan.wrapperText, 0o755);
  writeWhole(plan.manifest, `${JSON.stringify(plan.manifestJson, null, 2)}\n`, 0o644);
  if (plan.registryKey) {
    execFileSync('reg', ['add', plan.registryKey, '/ve', '/t', 'REG_SZ', '/d', plan.manifest, '/f'], {
      windowsHide: true,
    });
  }
  return plan;
}
