import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import {
  hostsFromRegistry,
  hostsInDir,
  manifestProblem,
  passwordManagerHostFindings,
} from '../../../kiosk-agent/checks/native-hosts.ts';
import { parseRegQuery } from '../../../kiosk-agent/checks/windows-registry.ts';
import { planInstall } from '../../../kiosk-agent/native-host/install.ts';
import { EXTENSION_ID } from '../../../shared/constants.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'invigil-hosts-'));
  dirs.push(d);
  return d;
};

describe("password managers' browser connectors", () => {
  test('found in a host folder by manifest name', () => {
    const d = tmp();
    writeFileSync(join(d, 'org.keepassxc.keepassxc_browser.json'), '{}');
    writeFileSync(join(d, 'com.example.notes.json'), '{}');
    writeFileSync(join(d, 'README'), 'not a manifest');
    const f = passwordManagerHostFindings(hostsInDir(d), []);
    expect(f.map((x) => [x.code, x.subject, x.severity])).toEqual([
      ['password-manager-host', 'KeePassXC', 'warn'],
    ]);
    expect(f[0]?.message).toBe(
      `KeePassXC's browser connector is registered (org.keepassxc.keepassxc_browser in ${d}), so the app can fill in passwords in the browser.`,
    );
    expect(passwordManagerHostFindings(hostsInDir(d), ['com.example.notes']).map((x) => x.subject)).toEqual([
      'com.example.notes',
      'KeePassXC',
    ]);
  });

  test('Windows: found in the registry (reg query output)', () => {
    const root = 'HKEY_CURRENT_USER\\SOFTWARE\\Google\\Chrome\\NativeMessagingHosts';
    const text = readFileSync(
      resolve(import.meta.dirname, '../../fixtures/windows/reg-query-native-hosts.txt'),
      'utf8',
    );
    const hosts = hostsFromRegistry(parseRegQuery(text), root);
    expect(hosts.map((h) => [h.name, h.manifest])).toEqual([
      ['com.8bit.bitwarden', 'C:\\Users\\candidate\\AppData\\Roaming\\Bitwarden\\browsers\\chrome.json'],
      ['uk.invigil.agent', 'C:\\ProgramData\\Invigil\\uk.invigil.agent.json'],
      ['com.microsoft.browsercore', 'C:\\Program Files\\Windows Security\\BrowserCore\\manifest.json'],
    ]);
    expect(passwordManagerHostFindings(hosts, []).map((f) => f.subject)).toEqual(['Bitwarden']);
  });
});

describe("Invigil's own host manifest", () => {
  function manifest(fields: Record<string, unknown>) {
    const d = tmp();
    const program = join(d, 'host.sh');
    writeFileSync(program, '#!/bin/sh\n');
    chmodSync(program, 0o755);
    const file = join(d, 'uk.invigil.agent.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'uk.invigil.agent',
        type: 'stdio',
        path: program,
        allowed_origins: [`chrome-extension://${EXTENSION_ID}/`],
        ...fields,
      }),
    );
    return { file, program };
  }

  test('a correct manifest has no problem; each mistake is named', () => {
    expect(manifestProblem(manifest({}).file)).toBeNull();
    expect(
      manifestProblem(
        manifest({ allowed_origins: ['chrome-extension://aaaabbbbccccddddeeeeffffgggghhhh/'] }).file,
      ),
    ).toMatch(/does not allow the Invigil extension/);
    expect(manifestProblem(manifest({ path: 'invigil' }).file)).toMatch(/must give an absolute "path"/);
    expect(manifestProblem(manifest({ path: '/nonexistent/host' }).file)).toMatch(
      /the host program \/nonexistent\/host .* does not exist/,
    );
    const m = manifest({});
    chmodSync(m.program, 0o644);
    expect(manifestProblem(m.file)).toMatch(/is not executable/);
  });

  test('install-host plans the manifest and a wrapper with this Node, this invigil.js and the socket', () => {
    const d = tmp();
    const plan = planInstall({
      browser: 'chromium',
      os: 'linux',
      userDataDir: join(d, 'profile'),
      socketPath: "/tmp/it's/agent.sock",
      machineWide: false,
      nodePath: '/usr/bin/node',
      cliPath: '/opt/invigil/dist/cli/invigil.js',
    });
    expect(plan.manifest).toBe(join(d, 'profile', 'NativeMessagingHosts', 'uk.invigil.agent.json'));
    expect(plan.manifestJson).toMatchObject({
      path: plan.wrapper,
      allowed_origins: [`chrome-extension://${EXTENSION_ID}/`],
    });
    expect(plan.wrapperText).toContain(
      `exec '/usr/bin/env' '-i' '/usr/bin/node' '/opt/invigil/dist/cli/invigil.js' 'native-host' '--socket' '/tmp/it'\\''s/agent.sock' "$@"`,
    );
    const machine = planInstall({
      browser: 'chrome',
      os: 'linux',
      machineWide: true,
      nodePath: '/n',
      cliPath: '/c',
    });
    expect(machine.manifest).toBe('/etc/opt/chrome/native-messaging-hosts/uk.invigil.agent.json');
    const mac = planInstall({
      browser: 'edge',
      os: 'macos',
      machineWide: true,
      nodePath: '/n',
      cliPath: '/c',
    });
    expect(mac.manifest).toBe('/Library/Microsoft/Edge/NativeMessagingHosts/uk.invigil.agent.json');
    const win = planInstall({
      browser: 'edge',
      os: 'windows',
      machineWide: false,
      nodePath: 'C:\\node.exe',
      cliPath: 'C:\\invigil.js',
    });
    expect(win.registryKey).toBe(
      'HKEY_CURRENT_USER\\SOFTWARE\\Microsoft\\Edge\\NativeMessagingHosts\\uk.invigil.agent',
    );
    expect(win.wrapperText).toContain('"C:\\node.exe" "C:\\invigil.js" "native-host" %*');
    // Windows: the launcher clears what would load code into Node.js or OpenSSL, then runs the host.
    const lines = win.wrapperText.split('\r\n');
    expect(lines).toContain('setlocal');
    expect(lines).toContain('set "NODE_OPTIONS="');
    expect(lines).toContain('set "OPENSSL_CONF="');
    expect(lines.findIndex((l) => l.startsWith('set "NODE_OPTIONS'))).toBeLessThan(
      lines.findIndex((l) => l.includes('native-host')),
    );
    mkdirSync(join(d, 'x'));
  });
});
