/**
 * The native host for a Firefox seat: where `invigil install-host --browser firefox` writes Firefox's
 * manifest on each OS, what the manifest allows, and which caller the host accepts (Firefox passes the
 * manifest's path and the add-on id, not an origin). Real Firefox starting the real host is in
 * test/e2e/extension/firefox.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { manifestProblem } from '../../../../kiosk-agent/checks/native-hosts.ts';
import { originProblem } from '../../../../kiosk-agent/native-host/host.ts';
import { planInstall } from '../../../../kiosk-agent/native-host/install.ts';
import { hostLocations } from '../../../../kiosk-agent/native-host/locations.ts';
import { FIREFOX_EXTENSION_ID } from '../../../../shared/catalogs/browser-policy.ts';
import { EXTENSION_ID } from '../../../../shared/constants.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('install-host --browser firefox', () => {
  test("writes Firefox's manifest, naming the add-on in allowed_extensions, where Firefox reads it", () => {
    const plan = planInstall({
      browser: 'firefox',
      os: 'linux',
      machineWide: true,
      socketPath: '/run/invigil/agent.sock',
      nodePath: '/usr/bin/node',
      cliPath: '/opt/invigil/dist/cli/invigil.js',
    });
    expect(plan.manifest).toBe('/usr/lib/mozilla/native-messaging-hosts/uk.invigil.agent.json');
    expect(plan.manifestJson).toEqual({
      name: 'uk.invigil.agent',
      description: expect.any(String),
      path: '/usr/lib/mozilla/native-messaging-hosts/uk.invigil.agent.sh',
      type: 'stdio',
      allowed_extensions: [FIREFOX_EXTENSION_ID],
    });
    // The launcher tells the host which browser calls it.
    expect(plan.wrapperText).toContain(
      `'native-host' '--socket' '/run/invigil/agent.sock' '--browser' 'firefox' "$@"`,
    );
    expect(
      planInstall({ browser: 'firefox', os: 'linux', machineWide: false, nodePath: '/n', cliPath: '/c' }).dir,
    ).toBe(hostLocations('firefox', 'linux').user);
    expect(hostLocations('firefox', 'linux', '/home/exam').user).toBe(
      '/home/exam/.mozilla/native-messaging-hosts',
    );
    expect(
      planInstall({ browser: 'firefox', os: 'macos', machineWide: true, nodePath: '/n', cliPath: '/c' })
        .manifest,
    ).toBe('/Library/Application Support/Mozilla/NativeMessagingHosts/uk.invigil.agent.json');
    expect(
      planInstall({
        browser: 'firefox',
        os: 'windows',
        machineWide: true,
        nodePath: 'C:\\n',
        cliPath: 'C:\\c',
      }).registryKey,
    ).toBe('HKEY_LOCAL_MACHINE\\SOFTWARE\\Mozilla\\NativeMessagingHosts\\uk.invigil.agent');
  });

  test("a centre's own add-on id goes into the manifest and the launcher; a profile folder is refused", () => {
    const plan = planInstall({
      browser: 'firefox',
      os: 'linux',
      machineWide: true,
      extensionId: 'lockdown@centre.example',
      nodePath: '/n',
      cliPath: '/c',
    });
    expect(plan.manifestJson.allowed_extensions).toEqual(['lockdown@centre.example']);
    expect(plan.wrapperText).toContain(`'--browser' 'firefox' '--extension-id' 'lockdown@centre.example'`);
    expect(() =>
      planInstall({
        browser: 'firefox',
        os: 'linux',
        userDataDir: '/tmp/p',
        machineWide: false,
        nodePath: '/n',
        cliPath: '/c',
      }),
    ).toThrow(/fixed folders only/);
  });

  test("the agent's check of our manifest reads allowed_extensions on a Firefox seat", () => {
    const d = mkdtempSync(join(tmpdir(), 'invigil-ff-host-'));
    dirs.push(d);
    const program = join(d, 'host.sh');
    writeFileSync(program, '#!/bin/sh\n', { mode: 0o755 });
    const file = join(d, 'uk.invigil.agent.json');
    const write = (m: Record<string, unknown>) =>
      writeFileSync(file, JSON.stringify({ name: 'uk.invigil.agent', type: 'stdio', path: program, ...m }));
    write({ allowed_extensions: [FIREFOX_EXTENSION_ID] });
    expect(manifestProblem(file, FIREFOX_EXTENSION_ID, true)).toBeNull();
    // A Chromium manifest does not let Firefox start the host, nor the other way round.
    expect(manifestProblem(file, EXTENSION_ID)).toMatch(/does not allow the Invigil extension/);
    write({ allowed_origins: [`chrome-extension://${EXTENSION_ID}/`] });
    expect(manifestProblem(file, FIREFOX_EXTENSION_ID, true)).toBe(
      `${file} does not allow the Invigil add-on (${FIREFOX_EXTENSION_ID})`,
    );
  });
});

describe('the host started by Firefox', () => {
  test('accepts the Invigil add-on only', () => {
    expect(originProblem(FIREFOX_EXTENSION_ID, FIREFOX_EXTENSION_ID, 'firefox')).toBeNull();
    expect(originProblem('evil@example.org', FIREFOX_EXTENSION_ID, 'firefox')).toBe(
      `refusing evil@example.org: only the Invigil add-on (${FIREFOX_EXTENSION_ID}) may use this host`,
    );
    expect(originProblem(undefined, FIREFOX_EXTENSION_ID, 'firefox')).toMatch(/^no caller given/);
    // A Chromium origin is not a Firefox caller, and the add-on id is not a Chromium origin.
    expect(originProblem(`chrome-extension://${EXTENSION_ID}/`, FIREFOX_EXTENSION_ID, 'firefox')).toMatch(
      /^refusing/,
    );
    expect(originProblem(FIREFOX_EXTENSION_ID, EXTENSION_ID)).toMatch(/^refusing/);
  });
});
