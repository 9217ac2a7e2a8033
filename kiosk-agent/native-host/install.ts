/**
 * `invigil install-host`: registers `invigil native-host` with a browser. Browsers start a host
 * with a minimal environment (no PATH to rely on, no nvm), so the manifest's `path` is a small
 * wrapper script that runs this Node (`process.execPath`) on this installation's invigil.js, with
 * the socket path baked in when one was given.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChromiumBrowser, PolicyOs } from '../../shared/catalogs/browser-policy.ts';
import { EXTENSION_ID } from '../../shared/constants.ts';
import { NATIVE_HOST_NAME } from '../../shared/schemas/native.ts';
import { extensionOrigin } from './host.ts';
import { hostLocations, profileHostDir } from './locations.ts';

export interface InstallHostOptions {
  browser: ChromiumBrowser;
  os: PolicyOs;
  /** Install into this browser profile only (`<dir>/NativeMessagingHosts/`). */
  userDataDir?: string;
  /** Bake `--socket PATH` into the wrapper (tests, or an agent on a non-default socket). */
  socketPath?: string;
  /** The extension allowed to start the host (a centre's own id when it signs its own CRX). */
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
  const extensionId = o.extensionId ?? EXTENSION_ID;
  const socketArgs = [
    ...(o.socketPath ? ['--socket', o.socketPath] : []),
    ...(extensionId !== EXTENSION_ID ? ['--extension-id', extensionId] : []),
  ];
  const wrapperText = windows
    ? `@echo off\r\nrem Written by \`invigil install-host\`: the browser starts native hosts with a minimal environment.\r\n${[o.nodePath, o.cliPath, 'native-host', ...socketArgs].map(cmdQuote).join(' ')} %*\r\n`
    : `#!/bin/sh\n# Written by \`invigil install-host\`: the browser starts native hosts with a minimal environment,\n# so this names the Node and the invigil.js to run.\nexec ${[o.nodePath, o.cliPath, 'native-host', ...socketArgs].map(shQuote).join(' ')} "$@"\n`;
  const manifestJson = {
    name: NATIVE_HOST_NAME,
    description: 'Invigil: links the exam browser extension to the Invigil agent on this PC',
    path: wrapper,
    type: 'stdio',
    allowed_origins: [extensionOrigin(extensionId)],
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
