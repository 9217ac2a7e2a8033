/**
 * Programs running beside the assessment: password managers, remote-access and screen-sharing
 * tools, screen recorders, and other browsers. One listing of running processes feeds four
 * checklist lines; matching is one map lookup per process name (shared/catalogs/processes.ts).
 *
 * Two ways to list processes, measured in bench/agent/processes.bench.ts:
 * - systeminformation's `si.processes()`: used by `invigil check`, and by the daemon on Windows and
 *   macOS. On Linux it runs `ps` and then one `cat /proc/<pid>/stat` per process (for CPU figures we
 *   do not need): about 135 ms of CPU and 0.6 s of wall time with 80 processes, growing with the
 *   process count, too slow and too heavy to repeat every 500 ms.
 * - `ProcScanner` (Linux, the daemon's every-tick listing): reads each process's `comm` from /proc,
 *   and `cmdline` only for processes it has not seen before (or that exec'd into another program),
 *   naming each process as systeminformation does (the base name of argv[0]). A few ms per tick.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import si from 'systeminformation';
import {
  indexProcessCatalog,
  type ProcessCatalogIndex,
  type ProcessCategory,
  type ProcessEntry,
  type ProcessOs,
} from '../../shared/catalogs/processes.ts';
import type { CheckResult, Finding } from '../../shared/schemas/common.ts';
import type { AgentConfig } from '../../shared/schemas/config.ts';
import { agentFinding, checkResult } from './results.ts';

export interface RunningProcess {
  pid: number;
  /** The executable's name as the OS reports it (argv[0]'s base name on Linux and macOS). */
  name: string;
  /** Linux: the kernel's name for the process (`comm`, at most 15 characters). */
  comm?: string;
  /** Full path of the executable, when known. */
  path?: string;
  /** Windows: the executable's original file name from its version information. */
  originalFileName?: string;
}

export function processOs(platform: NodeJS.Platform = process.platform): ProcessOs {
  return platform === 'win32' ? 'windows' : platform === 'darwin' ? 'macos' : 'linux';
}

export const PROCESS_CHECK_LINES: Record<ProcessCategory, { id: string; title: string; pass: string }> = {
  'password-manager': {
    id: 'password-manager',
    title: 'No password manager is running',
    pass: 'No password-manager program is running.',
  },
  'remote-access': {
    id: 'remote-access',
    title: 'No remote-access or screen-sharing program is running',
    pass: 'No remote-access, remote-control or screen-sharing program is running.',
  },
  'screen-recorder': {
    id: 'screen-recorder',
    title: 'No screen-recording program is running',
    pass: 'No screen-recording program is running.',
  },
  browser: {
    id: 'other-browser',
    title: 'No other browser is running',
    pass: 'No browser other than the managed one is running.',
  },
};

const CATEGORY_WORDS: Record<ProcessCategory, string> = {
  'password-manager': 'a password manager',
  'remote-access': 'a remote-access or screen-sharing program',
  'screen-recorder': 'a screen recorder',
  browser: 'a browser other than the managed one',
};

const FINDING_CODE = {
  'password-manager': 'password-manager',
  'remote-access': 'remote-access',
  'screen-recorder': 'screen-recorder',
  browser: 'other-browser',
} as const satisfies Record<ProcessCategory, string>;

export function catalogIndexFor(config: AgentConfig, os: ProcessOs = processOs()): ProcessCatalogIndex {
  return indexProcessCatalog(os, config.catalog);
}

/** The catalog entry a running process matches, and whether it matched only by original file name. */
export function matchProcess(
  p: RunningProcess,
  index: ProcessCatalogIndex,
): { entry: ProcessEntry; renamed: boolean } | undefined {
  const byName = index.byName(p.name) ?? (p.comm && p.comm.length < 15 ? index.byName(p.comm) : undefined);
  if (byName) return { entry: byName, renamed: false };
  if (p.path) {
    const entry = index.byName(basename(p.path.replaceAll('\\', '/')));
    if (entry) return { entry, renamed: false };
  }
  if (p.originalFileName) {
    const entry = index.byOriginalFileName(p.originalFileName);
    if (entry) return { entry, renamed: true };
  }
  return undefined;
}

/** The four checklist lines for one listing of running processes. */
export function evaluateProcesses(
  list: readonly RunningProcess[],
  index: ProcessCatalogIndex,
  managedBrowser: AgentConfig['browser']['name'],
): CheckResult[] {
  const found = new Map<string, { entry: ProcessEntry; procs: RunningProcess[]; renamed: boolean }>();
  for (const p of list) {
    const m = matchProcess(p, index);
    if (!m) continue;
    if (m.entry.category === 'browser' && m.entry.browser === managedBrowser) continue;
    const key = `${m.entry.category}\0${m.entry.product}`;
    const hit = found.get(key) ?? { entry: m.entry, procs: [], renamed: false };
    hit.procs.push(p);
    hit.renamed ||= m.renamed;
    found.set(key, hit);
  }
  const byCategory = new Map<ProcessCategory, Finding[]>();
  for (const { entry, procs, renamed } of found.values()) {
    procs.sort((a, b) => a.pid - b.pid);
    const first = procs[0] as RunningProcess;
    const names = [...new Set(procs.map((p) => p.name))];
    const how = renamed
      ? ` under another name (${names.join(', ')}; its original file name is ${first.originalFileName})`
      : ` (process ${names.join(', ')}, pid ${procs.map((p) => p.pid).join(', ')})`;
    const finding = agentFinding(
      FINDING_CODE[entry.category],
      `${entry.product}, ${CATEGORY_WORDS[entry.category]}, is running${how}.`,
      {
        subject: entry.product,
        details: {
          process: first.name,
          pids: procs.map((p) => p.pid).join(','),
          count: procs.length,
          ...(first.path ? { path: first.path } : {}),
          ...(renamed && first.originalFileName ? { originalFileName: first.originalFileName } : {}),
        },
      },
    );
    byCategory.set(entry.category, [...(byCategory.get(entry.category) ?? []), finding]);
  }
  return (Object.keys(PROCESS_CHECK_LINES) as ProcessCategory[]).map((category) => {
    const line = PROCESS_CHECK_LINES[category];
    const findings = (byCategory.get(category) ?? []).sort((a, b) =>
      (a.subject ?? '').localeCompare(b.subject ?? ''),
    );
    return checkResult(line.id, line.title, findings, line.pass);
  });
}

let siListedAt = 0;

/** Every running process through systeminformation (all OSes). */
export async function listProcessesWithSi(): Promise<RunningProcess[]> {
  // systeminformation answers a call within 500 ms of the previous one from its cache: wait that
  // out, or a program started in between would be missed.
  const wait = siListedAt + 510 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const data = await si.processes();
  siListedAt = Date.now();
  const windows = process.platform === 'win32';
  return data.list.map((p) => {
    // Windows gives the executable's full path; Linux and macOS give its folder and name apart.
    const path = windows ? p.path : p.path && p.command ? `${p.path}/${p.command}` : undefined;
    return { pid: p.pid, name: p.name, ...(path ? { path } : {}) };
  });
}

/**
 * Linux: running processes straight from /proc, cheaply enough to repeat every 500 ms.
 * `comm` is read for every process on every scan (it changes when a process execs another
 * program); `cmdline` only for new or changed processes.
 */
export class ProcScanner {
  private known = new Map<number, { comm: string; name: string }>();

  constructor(private readonly root = '/proc') {}

  scan(): RunningProcess[] {
    const seen = new Map<number, { comm: string; name: string }>();
    const out: RunningProcess[] = [];
    for (const entry of readdirSync(this.root)) {
      const c = entry.charCodeAt(0);
      if (c < 48 || c > 57) continue;
      const pid = Number(entry);
      let comm: string;
      try {
        comm = readFileSync(`${this.root}/${entry}/comm`, 'utf8').trimEnd();
      } catch {
        continue; // exited between readdir and read
      }
      const prev = this.known.get(pid);
      const name = prev && prev.comm === comm ? prev.name : this.nameOf(entry, comm);
      seen.set(pid, { comm, name });
      out.push({ pid, name, comm });
    }
    this.known = seen;
    return out;
  }

  /** The base name of argv[0], as systeminformation names Linux processes; `comm` for kernel threads. */
  private nameOf(pid: string, comm: string): string {
    let cmdline: string;
    try {
      cmdline = readFileSync(`${this.root}/${pid}/cmdline`, 'utf8');
    } catch {
      return comm;
    }
    const argv0 = cmdline.split('\0')[0] ?? '';
    if (!argv0) return comm;
    // A process that rewrote its title ("sshd: user@pts/0") keeps its name as the first word.
    let first = argv0.split(' ')[0] ?? argv0;
    if (first.endsWith(':')) first = first.slice(0, -1);
    return basename(first) || comm;
  }
}
