import { describe, expect, test } from 'vitest';
import { LaunchAuditor } from '../../../../kiosk-agent/checks/browser-launch.ts';
import type { RunningProcess } from '../../../../kiosk-agent/checks/processes.ts';

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
