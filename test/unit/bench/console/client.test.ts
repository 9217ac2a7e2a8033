/**
 * What the console benchmarks read from /proc, parsed from real text captured on this machine (Linux 6.1,
 * a node process whose command name holds a space and parentheses, and the postmaster).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parseProcStat, sentAt, statusMb } from '../../../../bench/console/client.ts';

describe('parseProcStat', () => {
  test('reads ppid and user+system ticks after the command name, whatever the name holds', () => {
    // /proc/PID/stat of a process named "node (bench) x": fields after ")" start with the state.
    const text =
      '4242 (node (bench) x) S 4100 4242 4100 34816 4242 4194304 18034 0 12 0 1520 346 7 3 20 0 11 0 93321 1203945472 40217 18446744073709551615 1 1 0 0 0 0 0 16781312 17922 0 0 0 17 1 0 0 0 0 0';
    expect(parseProcStat(text)).toEqual({ ppid: 4100, cpuTicks: 1520 + 346, childTicks: 7 + 3 });
  });

  test('reads this very process from /proc', () => {
    const s = parseProcStat(readFileSync('/proc/self/stat', 'utf8'));
    expect(s.ppid).toBeGreaterThan(0);
    expect(s.cpuTicks).toBeGreaterThan(0);
  });
});

describe('statusMb', () => {
  const status =
    'Name:\tnode\nVmPeak:\t 1300000 kB\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t11\n';
  test('reads a kB field as MB', () => {
    expect(statusMb(status, 'VmHWM')).toBe(200);
    expect(statusMb(status, 'VmRSS')).toBe(100);
  });
  test('a field that is not there is NaN, not 0', () => {
    expect(statusMb(status, 'VmSwap')).toBeNaN();
  });
});

test('sentAt reads the time a marked status change was made from its subject', () => {
  expect(sentAt('bench:1796120018467:ab12cd34')).toBe(1796120018467);
});
