/**
 * `browser-launch`: every main process of the managed browser, audited for launch flags and
 * environment that undermine the lockdown (kiosk-agent/link-trust/launch-audit.ts). Each flag found is
 * a blocking finding naming it. The listing is the process check's own (one per tick); the command line
 * is read once per process, the environment (Linux) only for the browser's main processes.
 *
 * Linux ran for real. Windows and macOS take the command line from systeminformation's process list
 * (its `params`), written from its documentation and not run; their environment is not read. Firefox on
 * macOS also takes policy from `-Name value` arguments (NSUserDefaults' argument domain): named too.
 */
import type { CheckResult, Finding } from '../../shared/schemas/common.ts';
import { auditLaunch, isBrowserMainProcess, type LaunchExpectations } from '../link-trust/launch-audit.ts';
import { linuxProcessFacts } from '../link-trust/process-info.ts';
import type { RunningProcess } from './processes.ts';
import { agentFinding, checkResult } from './results.ts';

export const LAUNCH_CHECK = {
  id: 'browser-launch',
  title: 'The managed browser was started as IT set it up',
};

const BROWSER_WORDS: Record<string, string> = {
  chromium: 'Chromium',
  chrome: 'Google Chrome',
  edge: 'Microsoft Edge',
  firefox: 'Firefox',
};

export interface LaunchAuditOptions extends LaunchExpectations {
  /** The managed browser's program(s), resolved. */
  executables: readonly string[];
  /** Its name, for the finding (`chromium`). */
  browser: string;
  caseInsensitivePaths?: boolean;
}

/** Remembers each browser process's audit (its command line and environment do not change). */
export class LaunchAuditor {
  private cache = new Map<number, { key: string; problems: ReturnType<typeof auditLaunch> }>();

  constructor(
    private readonly options: LaunchAuditOptions,
    private readonly environmentOf: (pid: number) => ReadonlyMap<string, string> | null = (pid) =>
      process.platform === 'linux' ? linuxProcessFacts(pid).environment : null,
  ) {}

  evaluate(list: readonly RunningProcess[]): CheckResult {
    const o = this.options;
    const norm = (p: string) => (o.caseInsensitivePaths ? p.toLowerCase() : p);
    const executables = new Set(o.executables.map(norm));
    const byFlag = new Map<string, { seen: string; why: string; pids: number[] }>();
    const next = new Map<number, { key: string; problems: ReturnType<typeof auditLaunch> }>();
    for (const p of list) {
      const file = p.exe ?? p.path;
      if (!file || !executables.has(norm(file)) || !p.argv || !isBrowserMainProcess(p.argv)) continue;
      const key = `${file}\0${p.argv.join('\0')}`;
      let audit = this.cache.get(p.pid);
      if (!audit || audit.key !== key)
        audit = { key, problems: auditLaunch(p.argv, this.environmentOf(p.pid), o) };
      next.set(p.pid, audit);
      for (const problem of audit.problems) {
        const hit = byFlag.get(problem.flag) ?? { seen: problem.seen, why: problem.why, pids: [] };
        hit.pids.push(p.pid);
        byFlag.set(problem.flag, hit);
      }
    }
    this.cache = next;
    const name = BROWSER_WORDS[o.browser] ?? o.browser;
    const findings: Finding[] = [...byFlag.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([flag, hit]) =>
        agentFinding(
          'browser-launch-flag',
          `${name} (process ${hit.pids.join(', ')}) was started with ${hit.seen}, which ${hit.why}.`,
          { subject: flag, details: { flag, pids: hit.pids.join(','), seen: hit.seen } },
        ),
      );
    return checkResult(
      LAUNCH_CHECK.id,
      LAUNCH_CHECK.title,
      findings,
      `No ${name} window was started with a flag or environment that undermines the lockdown.`,
    );
  }
}
