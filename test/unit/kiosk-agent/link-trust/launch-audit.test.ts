import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  auditLaunch,
  isBrowserMainProcess,
  switchesOf,
  UNDERMINING_FLAGS,
} from '../../../../kiosk-agent/link-trust/launch-audit.ts';
import { macosArgv } from '../../../../kiosk-agent/link-trust/process-info.ts';

const chromium = '/usr/lib/chromium/chromium';
const flagsOf = (
  argv: string[],
  expect: Parameters<typeof auditLaunch>[2] = { allowFlags: [] },
  env: Map<string, string> | null = null,
) => auditLaunch(argv, env, expect).map((p) => p.flag);

describe('the browser launch audit', () => {
  test('a browser started as IT set it up has nothing to say', () => {
    expect(flagsOf([chromium])).toEqual([]);
    expect(
      flagsOf([chromium, '--no-first-run', '--password-store=basic', 'https://awarding.theimi.org.uk/']),
    ).toEqual([]);
  });

  test.each([
    ['--remote-debugging-port=9222'],
    ['--remote-debugging-pipe'],
    ['--load-extension=/tmp/x'],
    ['--disable-extensions'],
    ['--disable-extensions-except=/tmp/x'],
    ['--incognito'],
    ['--guest'],
    ['--headless=new'],
    ['--disable-web-security'],
    ['--proxy-server=127.0.0.1:8080'],
    ['--host-resolver-rules=MAP * 127.0.0.1'],
    ['-incognito'],
    ['--Incognito'],
  ])('%s is named', (arg) => {
    const [problem] = auditLaunch([chromium, arg], null, { allowFlags: [] });
    expect(problem?.flag).toBe(`--${arg.replace(/^-+/, '').split('=')[0]?.toLowerCase()}`);
    expect(problem?.seen).toBe(arg);
    expect(problem?.why.length).toBeGreaterThan(10);
  });

  test("a profile other than the seat's counts; the seat's own does not", () => {
    expect(
      flagsOf([chromium, '--user-data-dir=/tmp/evil'], {
        userDataDir: '/home/exam/.config/chromium',
        allowFlags: [],
      }),
    ).toEqual(['--user-data-dir']);
    expect(
      flagsOf([chromium, '--user-data-dir=/home/exam/.config/chromium/'], {
        userDataDir: '/home/exam/.config/chromium',
        allowFlags: [],
      }),
    ).toEqual([]);
    // Without a profile in the seat's config, any --user-data-dir is another profile.
    expect(flagsOf([chromium, '--user-data-dir=/home/exam/.config/chromium'])).toEqual(['--user-data-dir']);
  });

  test('a flag the seat allows (a demo or test rig) passes; the others still count', () => {
    expect(
      flagsOf([chromium, '--remote-debugging-pipe', '--load-extension=/x'], {
        allowFlags: ['--remote-debugging-pipe'],
      }),
    ).toEqual(['--load-extension']);
  });

  test('code loaded through the environment counts too', () => {
    const env = new Map([
      ['HOME', '/home/exam'],
      ['LD_PRELOAD', '/tmp/hook.so'],
      ['GTK_MODULES', ''],
    ]);
    expect(flagsOf([chromium], { allowFlags: [] }, env)).toEqual(['LD_PRELOAD']);
  });

  test('nothing after -- is a switch, and a flag named twice is said once', () => {
    expect(switchesOf([chromium, '--', '--incognito']).map((s) => s.name)).toEqual([]);
    expect(flagsOf([chromium, '--incognito', '--incognito'])).toEqual(['--incognito']);
  });

  test("helpers (--type=renderer) are not the browser's main process", () => {
    expect(isBrowserMainProcess([chromium, '--type=renderer', '--lang=en'])).toBe(false);
    expect(isBrowserMainProcess([chromium, '--user-data-dir=/x'])).toBe(true);
  });

  test('every rule names a switch and says why', () => {
    for (const r of UNDERMINING_FLAGS) {
      expect(r.flag).toMatch(/^--[a-z0-9-]+$/);
      expect(r.why).toMatch(/^[a-z]/);
    }
  });
});

describe('Firefox on macOS: policy set on the command line (NSUserDefaults argument domain)', () => {
  // `ps -ww -o args=` of Firefox's main process, one line a process (test/fixtures/macos/).
  const lines = readFileSync(
    resolve(import.meta.dirname, '../../../../test/fixtures/macos/ps-args-firefox.txt'),
    'utf8',
  )
    .split('\n')
    .filter(Boolean);
  const mac = { allowFlags: [], firefoxMacPolicy: true };
  const audit = (line: string) => auditLaunch(macosArgv(line) ?? [], null, mac);

  test('Firefox started from its icon, or with the assessment to open, has nothing to say', () => {
    expect(audit(lines[0] ?? '')).toEqual([]);
    expect(audit(lines[1] ?? '')).toEqual([]);
  });

  test('attack: each "-Name value" whose Name is a Firefox policy (flattened too) or EnterprisePoliciesEnabled is named', () => {
    expect(audit(lines[2] ?? '').map((p) => [p.flag, p.seen])).toEqual([
      ['-EnterprisePoliciesEnabled', '-EnterprisePoliciesEnabled YES'],
      ['-BlockAboutConfig', '-BlockAboutConfig NO'],
    ]);
    expect(audit(lines[3] ?? '').map((p) => p.flag)).toEqual([
      '-ExtensionSettings__keepassxc-browser@keepassxc.org__installation_mode',
    ]);
    const [off] = audit(lines[4] ?? '');
    expect(off?.why).toBe(
      'turns Firefox\'s policy on or off from the command line (on macOS Firefox takes "-Name value" arguments as settings, over /Library/Preferences and the account\'s own): close that Firefox and start it as IT set it up, with no such argument',
    );
    const [tools] = audit(lines[5] ?? '');
    expect(tools?.why).toBe(
      'sets Firefox\'s DisableDeveloperTools policy from the command line (on macOS Firefox takes "-Name value" arguments as settings, over /Library/Preferences and the account\'s own): close that Firefox and start it as IT set it up, with no such argument',
    );
  });

  test('only on a macOS Firefox seat, and only a Firefox policy name as the key (Chromium and Linux do not read them)', () => {
    expect(auditLaunch(macosArgv(lines[2] ?? '') ?? [], null, { allowFlags: [] })).toEqual([]);
    const argv = ['/Applications/Firefox.app/Contents/MacOS/firefox', '-NSQuitAlwaysKeepsWindows', 'NO'];
    expect(auditLaunch(argv, null, mac)).toEqual([]);
    // NSUserDefaults takes the key after one dash: "--BlockAboutConfig" sets "-BlockAboutConfig", no policy.
    expect(auditLaunch([argv[0] ?? '', '--BlockAboutConfig', 'NO'], null, mac)).toEqual([]);
  });
});
