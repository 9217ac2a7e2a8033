/**
 * `invigil policy` and `invigil install-service` as IT runs them: the built command, real files,
 * real systemd tools (systemd-analyze, systemctl --root). Bad input gets one line naming the
 * problem and exit code 2, never a stack trace.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parsePlist } from 'plist';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseRegFile } from '../../helpers/reg-file.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const CLI = join(ROOT, 'dist/cli/invigil.js');
let work: string;
let seat: string;

function invigil(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: work });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectRefused(r: ReturnType<typeof invigil>, message: RegExp | string, code = 2) {
  expect(r.code).toBe(code);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout).toBe('');
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'invigil-cmds-'));
  seat = join(work, 'seat.yaml');
  writeFileSync(
    seat,
    'socketPath: /run/invigil/agent.sock\ndataDir: /var/lib/invigil\npolicy:\n  extension:\n    allowedHosts: [exams.example.org]\n',
    { mode: 0o600 },
  );
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('invigil policy', () => {
  test('prints a single-file policy to standard output, the same as the file --out writes', () => {
    const printed = invigil('policy', '--browser', 'chrome', '--os', 'linux', '--config', seat);
    expect(printed.code).toBe(0);
    const written = invigil(
      'policy',
      '--browser',
      'chrome',
      '--os',
      'linux',
      '--config',
      seat,
      '--out',
      'out-linux',
    );
    expect(written.code).toBe(0);
    expect(written.stdout).toContain('/etc/opt/chrome/policies/managed/');
    expect(readFileSync(join(work, 'out-linux/invigil-chrome.json'), 'utf8')).toBe(printed.stdout);
    expect(JSON.parse(printed.stdout).URLAllowlist[0]).toBe('exams.example.org');
  });

  test('writes the Windows files with --out, leaving no temporary files behind', () => {
    const r = invigil('policy', '--browser', 'edge', '--os', 'windows', '--config', seat, '--out', 'out-win');
    expect(r.code).toBe(0);
    expect(readdirSync(join(work, 'out-win')).sort()).toEqual([
      'README.txt',
      'invigil-edge-policies.csv',
      'invigil-edge.reg',
    ]);
    const tree = parseRegFile(readFileSync(join(work, 'out-win/invigil-edge.reg')));
    expect(
      tree.keys
        .get('HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Edge')
        ?.get('InPrivateModeAvailability'),
    ).toEqual({
      type: 'dword',
      value: 1,
    });
  });

  test('prints the macOS profile, which parses as a property list', () => {
    const r = invigil('policy', '--browser', 'chromium', '--os', 'macos');
    expect(r.code).toBe(0);
    expect((parsePlist(r.stdout) as { PayloadType: string }).PayloadType).toBe('Configuration');
  });

  test('writes only what applies to the browser and OS, says which policies are only announced, and relaxes what the config relaxes', () => {
    const relaxed = join(work, 'relaxed.yaml');
    writeFileSync(relaxed, 'policy:\n  relax: [AllowFileSelectionDialogs]\n');
    const chromium = invigil('policy', '--browser', 'chromium', '--os', 'linux', '--config', relaxed);
    expect(chromium.code).toBe(0);
    const policy = JSON.parse(chromium.stdout);
    expect(policy.TranslateEnabled).toBe(false);
    expect(policy.AllowFileSelectionDialogs).toBeUndefined();
    expect(policy.HubsSidebarEnabled).toBeUndefined();
    expect(chromium.stderr).toContain('GeminiSettings');
    expect(chromium.stderr).toContain("left to the browser's default: AllowFileSelectionDialogs");
    const edge = JSON.parse(invigil('policy', '--browser', 'edge', '--os', 'linux').stdout);
    expect(edge.HubsSidebarEnabled).toBe(false);
    expect(edge.GeminiSettings).toBeUndefined();
    expect(edge.URLBlocklist).toContain('edge://*');
  });

  test('Firefox: policies.json on standard output (Linux), what has no equivalent on standard error', () => {
    const r = invigil(
      'policy',
      '--browser',
      'firefox',
      '--os',
      'linux',
      '--install-url',
      'https://it.example/invigil.xpi',
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).policies.ExtensionSettings['exam-lockdown@invigil.uk'].install_url).toBe(
      'https://it.example/invigil.xpi',
    );
    expect(r.stderr).toContain('Firefox has no equivalent');
  });

  test('Firefox on macOS: policies.json and a configuration profile for org.mozilla.firefox, so --out is needed', () => {
    const args = ['policy', '--browser', 'firefox', '--os', 'macos', '--config', seat];
    const url = ['--install-url', 'https://it.example/invigil.xpi'];
    expectRefused(
      invigil(...args, ...url),
      'the Mozilla Firefox policy for macos is 2 files (policies.json, invigil-firefox.mobileconfig): pass --out DIR to write them',
    );
    const r = invigil(...args, ...url, '--out', 'out-firefox-mac');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('/Library/Managed Preferences/org.mozilla.firefox.plist');
    expect(readdirSync(join(work, 'out-firefox-mac')).sort()).toEqual([
      'invigil-firefox.mobileconfig',
      'policies.json',
    ]);
    const profile = parsePlist(
      readFileSync(join(work, 'out-firefox-mac/invigil-firefox.mobileconfig'), 'utf8'),
    ) as {
      PayloadContent: {
        PayloadType: string;
        EnterprisePoliciesEnabled: boolean;
        BlockAboutConfig: boolean;
      }[];
    };
    expect(profile.PayloadContent[0]).toMatchObject({
      PayloadType: 'org.mozilla.firefox',
      EnterprisePoliciesEnabled: true,
      BlockAboutConfig: true,
    });
  });

  test.each([
    [['--os', 'linux'], /--browser is required: one of chrome, edge, chromium, firefox/],
    [
      ['--browser', 'safari', '--os', 'linux'],
      /--browser must be one of chrome, edge, chromium, firefox \(got "safari"\)/,
    ],
    [['--browser', 'chrome', '--os', 'beos'], /--os must be one of windows, macos, linux \(got "beos"\)/],
    [['--browser', 'chrome', '--os', 'linux', '--colour', 'red'], /Unknown option '--colour'/],
    [['--browser', 'chrome', '--os', 'windows'], /is 3 files .*: pass --out DIR to write them/],
    [
      ['--browser', 'chrome', '--os', 'linux', '--extension-id', 'xyz'],
      /--extension-id must be an extension id: 32 letters from a to p/,
    ],
    [['--browser', 'chrome', '--os', 'linux', '--update-url', 'nope'], /--update-url/],
    [['--browser', 'firefox', '--os', 'linux'], /Firefox needs the address of the signed Invigil \.xpi/],
    [
      ['--browser', 'chrome', '--os', 'linux', '--config', 'missing.yaml'],
      /cannot read the config file missing\.yaml: no such file/,
    ],
  ])('refuses %j', (args, message) => {
    expectRefused(invigil('policy', ...args), message);
  });

  test.each([
    ['invalid YAML', 'policy: [unclosed\n', /is not valid YAML/],
    [
      'a typo in a setting',
      'policy:\n  printng: true\n',
      /"printng" in policy is not a setting Invigil knows/,
    ],
    [
      'a wildcard host',
      'policy:\n  extension:\n    allowedHosts: ["*"]\n',
      /policy\.extension\.allowedHosts: entry 1 "\*" would allow every site/,
    ],
    [
      'a wrong type',
      'policy:\n  printing: "yes"\n',
      /policy\.printing must be true or false \(got the text "yes"\)/,
    ],
    [
      'a policy a centre may not relax',
      'policy:\n  relax: [TranslateEnabled]\n',
      /policy\.relax\[0\]:? is not a policy a centre may relax \(one of AllowFileSelectionDialogs, /,
    ],
  ])(
    'refuses a config with %s, naming the file and the setting, and writes nothing',
    (_what, text, message) => {
      const file = join(work, 'bad.yaml');
      writeFileSync(file, text);
      const r = invigil('policy', '--browser', 'chrome', '--os', 'linux', '--config', file, '--out', 'never');
      expectRefused(r, message);
      expect(r.stderr).toContain(file);
      expect(existsSync(join(work, 'never'))).toBe(false);
    },
  );
});

describe('invigil install-service', () => {
  test('--dry-run shows the steps and the unit and changes nothing', () => {
    const r = invigil('install-service', '--config', seat, '--seat-user', 'nobody', '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('nothing has been changed');
    expect(r.stdout).toContain(
      'register the native messaging host: invigil install-host --browser chromium --socket /run/invigil/agent.sock',
    );
    expect(r.stdout).toMatch(/^User=root\nGroup=nogroup\n/m);
    expect(r.stdout).toContain('UMask=0007');
    expect(r.stdout).toContain('systemctl enable --now invigil-agent.service');
    expect(r.stdout).toContain(
      `ExecStart=${process.execPath} ${CLI} agent --config ${seat} --socket /run/invigil/agent.sock --socket-access group`,
    );
    expect(existsSync('/etc/systemd/system/invigil-agent.service')).toBe(false);
  });

  test('the unit passes systemd-analyze verify', () => {
    const out = join(work, 'unit');
    expect(invigil('install-service', '--config', seat, '--seat-user', 'nobody', '--out', out).code).toBe(0);
    const verify = spawnSync('systemd-analyze', ['verify', '--man=no', join(out, 'invigil-agent.service')], {
      encoding: 'utf8',
    });
    expect({ code: verify.status, output: `${verify.stdout}${verify.stderr}`.trim() }).toEqual({
      code: 0,
      output: '',
    });
  });

  test('a config path with spaces and % is quoted so systemd runs it unchanged', () => {
    const dir = join(work, 'odd dir 100%');
    const file = join(dir, 'seat.yaml');
    spawnSync('mkdir', ['-p', dir]);
    writeFileSync(file, readFileSync(seat));
    const out = join(work, 'unit-odd');
    expect(invigil('install-service', '--config', file, '--seat-user', 'nobody', '--out', out).code).toBe(0);
    const unit = readFileSync(join(out, 'invigil-agent.service'), 'utf8');
    expect(unit).toContain(`--config "${file.replaceAll('%', '%%')}"`);
    const verify = spawnSync('systemd-analyze', ['verify', '--man=no', join(out, 'invigil-agent.service')], {
      encoding: 'utf8',
    });
    expect(verify.status).toBe(0);
  });

  test('installs into a system image with systemctl --root (enabled, not started), and uninstalls', () => {
    const image = join(work, 'image');
    const r = invigil('install-service', '--config', seat, '--seat-user', 'nobody', '--root', image);
    expect(r.code).toBe(0);
    const wants = join(image, 'etc/systemd/system/multi-user.target.wants/invigil-agent.service');
    expect(lstatSync(wants).isSymbolicLink()).toBe(true);
    expect(readlinkSync(wants)).toBe('/etc/systemd/system/invigil-agent.service');
    expect(readFileSync(join(image, 'etc/systemd/system/invigil-agent.service'), 'utf8')).toContain(
      'WantedBy=multi-user.target',
    );
    const u = invigil('install-service', '--uninstall', '--root', image);
    expect(u.code).toBe(0);
    expect(existsSync(wants)).toBe(false);
    expect(existsSync(join(image, 'etc/systemd/system/invigil-agent.service'))).toBe(false);
  });

  test('refuses to install where systemd is not running, and changes nothing', () => {
    // The project's machines (developers' and CI) run without systemd as init; on a seat the same
    // command installs and starts the unit. Installing a real service from a test is not wanted.
    expect(
      existsSync('/run/systemd/system'),
      'this test needs a machine that was not booted with systemd',
    ).toBe(false);
    const r = invigil('install-service', '--config', seat, '--seat-user', 'nobody');
    expectRefused(r, /systemd is not running on this machine .*nothing was installed/, 1);
    expect(existsSync('/etc/systemd/system/invigil-agent.service')).toBe(false);
  });

  test('writes a launchd daemon for macOS that parses as a property list', () => {
    const r = invigil(
      'install-service',
      '--platform',
      'macos',
      '--config',
      '/Library/Invigil/seat.yaml',
      '--out',
      'mac',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('launchctl bootstrap system /Library/LaunchDaemons/uk.invigil.agent.plist');
    const daemon = parsePlist(readFileSync(join(work, 'mac/uk.invigil.agent.plist'), 'utf8'));
    expect(daemon).toMatchObject({
      Label: 'uk.invigil.agent',
      ProgramArguments: [
        '/usr/local/bin/node',
        '/usr/local/lib/node_modules/invigil/dist/cli/invigil.js',
        'agent',
        '--config',
        '/Library/Invigil/seat.yaml',
      ],
      UserName: 'root',
      GroupName: 'staff',
      Umask: 7,
      RunAtLoad: true,
      KeepAlive: true,
    });
  });

  test('writes a WinSW service and its PowerShell installer for Windows', () => {
    const r = invigil(
      'install-service',
      '--platform',
      'windows',
      '--config',
      'C:\\ProgramData\\Invigil\\seat.yaml',
      '--out',
      'win',
    );
    expect(r.code).toBe(0);
    const xml = readFileSync(join(work, 'win/invigil-agent.xml'), 'utf8');
    expect(xml).toContain('<executable>C:\\Program Files\\nodejs\\node.exe</executable>');
    expect(xml).toContain(
      '<arguments>"C:\\Program Files\\Invigil\\node_modules\\invigil\\dist\\cli\\invigil.js" agent --config C:\\ProgramData\\Invigil\\seat.yaml</arguments>',
    );
    expect(xml).toContain('<onfailure action="restart"');
    const ps1 = readFileSync(join(work, 'win/install-invigil-service.ps1'), 'utf8');
    expect(ps1.startsWith('\ufeff#Requires -RunAsAdministrator\r\n')).toBe(true);
    for (const step of [
      'install-host --browser chrome',
      '& $winsw install',
      '& $winsw start',
      'check --config $config',
    ]) {
      expect(ps1).toContain(step);
    }
  });

  test.each([
    [['--dry-run'], /--config FILE is required/],
    [
      ['--config', 'seat.yaml', '--dry-run'],
      /--seat-user is required: the account the browser runs as on this PC/,
    ],
    [
      ['--config', 'seat.yaml', '--seat-user', 'nobody', '--browser', 'safari', '--dry-run'],
      /--browser must be one of chrome, chromium, edge/,
    ],
    [['--config', 'seat.yaml', '--platform', 'solaris'], /--platform must be one of linux, macos, windows/],
    [
      ['--config', 'seat.yaml', '--seat-user', 'bad name', '--dry-run'],
      /--seat-user must be an account name/,
    ],
    [
      ['--config', 'seat.yaml', '--seat-user', 'nobody', '--display', 'screen one', '--dry-run'],
      /--display must be an X display such as :0/,
    ],
    [
      ['--config', 'nowhere.yaml', '--seat-user', 'nobody', '--dry-run'],
      /cannot read the config file .*nowhere\.yaml: no such file/,
    ],
    [
      ['--platform', 'windows', '--config', 'relative.yaml', '--out', 'w'],
      /--config must be an absolute path on the windows PC/,
    ],
    [['--platform', 'macos', '--config', '/Library/Invigil/seat.yaml'], /pass --out DIR/],
    [['--uninstall', '--platform', 'windows'], /--uninstall removes the Linux service/],
  ])('refuses %j', (args, message) => {
    expectRefused(invigil('install-service', ...args), message);
  });

  test("warns when the config would leave the store in the agent's default; the socket defaults to the service's", () => {
    const bare = join(work, 'bare.yaml');
    writeFileSync(bare, '{}\n');
    const r = invigil('install-service', '--config', bare, '--seat-user', 'nobody', '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('set dataDir: /var/lib/invigil');
    // The agent and the browser's native host are both pointed at the folder systemd opens to the seat group.
    expect(r.stdout).toContain(' agent --config ');
    expect(r.stdout).toContain('--socket /run/invigil/agent.sock --socket-access group');
    expect(r.stdout).toContain('invigil install-host --browser chromium --socket /run/invigil/agent.sock');
  });

  test("a centre-signed extension id and the config's socket reach the native host's registration", () => {
    const own = join(work, 'own.yaml');
    writeFileSync(
      own,
      'socketPath: /run/invigil/seat.sock\npolicy:\n  extensionId: abcdefghijklmnopabcdefghijklmnop\n',
    );
    const r = invigil('install-service', '--config', own, '--seat-user', 'nobody', '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'invigil install-host --browser chromium --socket /run/invigil/seat.sock --extension-id abcdefghijklmnopabcdefghijklmnop',
    );
    expect(r.stdout).toContain('--socket /run/invigil/seat.sock --socket-access group');
  });
});
