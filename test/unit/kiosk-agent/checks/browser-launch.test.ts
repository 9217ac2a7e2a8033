import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { LaunchAuditor } from '../../../../kiosk-agent/checks/browser-launch.ts';
import type { RunningProcess } from '../../../../kiosk-agent/checks/processes.ts';
import { macosArgv } from '../../../../kiosk-agent/link-trust/process-info.ts';

const exe = '/usr/lib/chromium/chromium';
const proc = (pid: number, argv: string[], file = exe): RunningProcess => ({
  pid,
  name: 'chromium',
  exe: file,
  argv,
});

describe('the browser launch line', () => {
  test("each undermining flag of the managed browser's main processes is one blocking finding naming it", () => {
    const envs = new Map<number, Map<string, string>>([[30, new Map([['LD_PRELOAD', '/tmp/x.so']])]]);
    const auditor = new LaunchAuditor(
      { executables: [exe], browser: 'chromium', userDataDir: '/home/exam/.config/chromium', allowFlags: [] },
      (pid) => envs.get(pid) ?? new Map(),
    );
    const line = auditor.evaluate([
      proc(10, [exe]),
      proc(11, [exe, '--type=renderer', '--disable-extensions']),
      proc(20, [exe, '--disable-extensions', '--user-data-dir=/tmp/own']),
      proc(21, [exe, '--disable-extensions']),
      proc(30, [exe]),
      proc(40, ['/usr/bin/other', '--disable-extensions'], '/usr/bin/other'),
    ]);
    expect(line.status).toBe('fail');
    expect(line.findings.map((f) => [f.code, f.subject, f.severity])).toEqual([
      ['browser-launch-flag', '--disable-extensions', 'block'],
      ['browser-launch-flag', '--user-data-dir', 'block'],
      ['browser-launch-flag', 'LD_PRELOAD', 'block'],
    ]);
    expect(line.findings[0]?.message).toBe(
      'Chromium (process 20, 21) was started with --disable-extensions, which turns the Invigil extension off.',
    );
  });

  test('a browser started as IT set it up passes', () => {
    const auditor = new LaunchAuditor(
      { executables: [exe], browser: 'chromium', allowFlags: [] },
      () => null,
    );
    expect(auditor.evaluate([proc(10, [exe, 'https://awarding.theimi.org.uk/'])])).toMatchObject({
      status: 'pass',
      findings: [],
    });
  });
});

test("attack: on a macOS Firefox seat, a Firefox started with policy on its command line (ps's args, test/fixtures/macos/) is a blocking finding naming the argument", () => {
  const firefox = '/Applications/Firefox.app/Contents/MacOS/firefox';
  const [, , attack] = readFileSync(
    resolve(import.meta.dirname, '../../../../test/fixtures/macos/ps-args-firefox.txt'),
    'utf8',
  ).split('\n');
  const auditor = new LaunchAuditor(
    {
      executables: [firefox],
      browser: 'firefox',
      allowFlags: [],
      firefoxMacPolicy: true,
      caseInsensitivePaths: true,
    },
    () => null,
  );
  const line = auditor.evaluate([
    { pid: 412, name: 'firefox', path: firefox, argv: macosArgv(attack ?? '') ?? [] },
  ]);
  expect(line.status).toBe('fail');
  expect(line.findings.map((f) => [f.code, f.subject, f.severity])).toEqual([
    ['browser-launch-flag', '-BlockAboutConfig', 'block'],
    ['browser-launch-flag', '-EnterprisePoliciesEnabled', 'block'],
  ]);
  expect(line.findings[0]?.message).toBe(
    `Firefox (process 412) was started with -BlockAboutConfig NO, which sets Firefox's BlockAboutConfig policy from the command line (on macOS Firefox takes "-Name value" arguments as settings, over /Library/Preferences and the account's own): close that Firefox and start it as IT set it up, with no such argument.`,
  );
});
