import { describe, expect, test } from 'vitest';
import {
  auditLaunch,
  isBrowserMainProcess,
  switchesOf,
  UNDERMINING_FLAGS,
} from '../../../../kiosk-agent/link-trust/launch-audit.ts';

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
