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
 * - `ProcScanner` (Linux, the daemon's every-tick listing, and `invigil check`): reads each process's
 *   `comm` from /proc, and `cmdline` and the `exe` link only for processes it has not seen before (or
 *   that exec'd into another program), naming each process as systeminformation does (the base name
 *   of argv[0]). A few ms per tick.
 *
 * Programs are known by what runs, not only by what they are called. The name a process shows
 * (argv[0], `comm`) is the candidate's to choose: KeePassXC started through a link named `notes` is
 * "notes". On Linux the agent (root) also resolves /proc/PID/exe, the file the kernel actually runs,
 * and matches its name; on Windows the executable's original file name and its Authenticode publisher
 * (windows-version-info.ts). A catalog program started from a folder users can write to (home, /tmp,
 * removable media) is said to be so: it was copied there, not installed.
 */
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
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
import { splitWindowsCommandLine } from '../link-trust/process-info.ts';
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
  /** Windows: who signed the executable (Authenticode, the certificate's organisation), when valid. */
  publisher?: string;
  /** Linux: the executable the kernel runs (/proc/PID/exe, resolved), when it could be read. */
  exe?: string;
  /** Linux: the full command line, read once per process (the browser launch audit needs it). */
  argv?: string[];
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
  'screenshot-tool': {
    id: 'screenshot-tool',
    title: 'No screenshot or snipping tool is running',
    pass: 'No screenshot or snipping tool is running.',
  },
  'ai-assistant': {
    id: 'ai-assistant',
    title: 'No AI assistant is running',
    pass: 'No AI assistant (chat app, local model or answer overlay) is running.',
  },
  messaging: {
    id: 'messaging',
    title: 'No messaging or meeting program is running',
    pass: 'No messaging, chat or meeting program is running.',
  },
  'media-player': {
    id: 'media-player',
    title: 'No media player is running',
    pass: 'No media player is running.',
  },
  'system-tool': {
    id: 'system-tool',
    title: 'No system tool that opens a way out of the exam is running',
    pass: 'No system tool that opens a way out of the exam is running.',
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
  'screenshot-tool': 'a screenshot tool',
  'ai-assistant': 'an AI assistant',
  messaging: 'a messaging or meeting program',
  'media-player': 'a media player',
  'system-tool': 'a system tool that opens a way out of the exam',
  browser: 'a browser other than the managed one',
};

const FINDING_CODE = {
  'password-manager': 'password-manager',
  'remote-access': 'remote-access',
  'screen-recorder': 'screen-recorder',
  'screenshot-tool': 'screenshot-tool',
  'ai-assistant': 'ai-assistant',
  messaging: 'messaging',
  'media-player': 'media-player',
  'system-tool': 'system-tool',
  browser: 'other-browser',
} as const satisfies Record<ProcessCategory, string>;

export function catalogIndexFor(config: AgentConfig, os: ProcessOs = processOs()): ProcessCatalogIndex {
  return indexProcessCatalog(os, config.catalog);
}

/** How a process was matched, for the finding's words. */
export type MatchedBy = 'name' | 'executable' | 'original-file-name' | 'publisher';

/** The catalog entry a running process matches, and how. */
export function matchProcess(
  p: RunningProcess,
  index: ProcessCatalogIndex,
): { entry: ProcessEntry; renamed: boolean; by: MatchedBy } | undefined {
  const byName = index.byName(p.name) ?? (p.comm && p.comm.length < 15 ? index.byName(p.comm) : undefined);
  if (byName) return { entry: byName, renamed: false, by: 'name' };
  for (const file of [p.exe, p.path]) {
    if (!file) continue;
    const entry = index.byName(basename(file.replaceAll('\\', '/')));
    if (entry) return { entry, renamed: true, by: 'executable' };
  }
  if (p.originalFileName) {
    const entry = index.byOriginalFileName(p.originalFileName);
    if (entry) return { entry, renamed: true, by: 'original-file-name' };
  }
  if (p.publisher) {
    const entry = index.byPublisher(p.publisher);
    if (entry) return { entry, renamed: true, by: 'publisher' };
  }
  return undefined;
}

/** The folder of a Linux, macOS or Windows path, in its own separators. */
const folderOf = (file: string) =>
  file.slice(0, Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'))) || file;

/** Folders where people (not IT) put files: a program running from one was copied there, not installed. */
const USER_FOLDERS = [
  '/home/',
  '/tmp/',
  '/var/tmp/',
  '/dev/shm/',
  '/run/user/',
  '/media/',
  '/mnt/',
  '/run/media/',
];

/**
 * Whether `file` lives where users other than root can write (Linux and macOS): under a users' folder,
 * or in a folder (or one above it) that is not root's or that others may write to. Windows: under a
 * user's profile or a removable drive is not known from the path alone; `C:\Users\` counts.
 */
export function inUserWritableFolder(
  file: string,
  stat: (p: string) => { uid: number; mode: number } = statSync,
): boolean {
  if (/^[A-Za-z]:\\Users\\/i.test(file)) return true;
  if (!file.startsWith('/')) return false;
  if (
    USER_FOLDERS.some((f) => file.startsWith(f)) ||
    file.startsWith('/Users/') ||
    file.startsWith('/Volumes/')
  ) {
    return true;
  }
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    try {
      const st = stat(dir);
      if (st.uid !== 0 || (st.mode & 0o022) !== 0) {
        // A sticky, root-owned folder such as /tmp lets others add files but not replace ours.
        if (!(st.uid === 0 && (st.mode & 0o1000) !== 0)) return true;
      }
    } catch {
      return false;
    }
    if (dir === '/' || dir === dirname(dir)) return false;
  }
}

const matches = new WeakMap<
  ProcessCatalogIndex,
  WeakMap<RunningProcess, ReturnType<typeof matchProcess> | null>
>();

/** The checklist lines (one per category) for one listing of running processes. */
export function evaluateProcesses(
  list: readonly RunningProcess[],
  index: ProcessCatalogIndex,
  managedBrowser: AgentConfig['browser']['name'],
): CheckResult[] {
  const found = new Map<
    string,
    { entry: ProcessEntry; procs: RunningProcess[]; renamed: boolean; by: MatchedBy }
  >();
  let cache = matches.get(index);
  if (!cache) {
    cache = new WeakMap();
    matches.set(index, cache);
  }
  for (const p of list) {
    // The daemon's scanner hands back the same object for a process until it changes: match it once.
    let m = cache.get(p);
    if (m === undefined) {
      m = matchProcess(p, index) ?? null;
      cache.set(p, m);
    }
    if (!m) continue;
    if (m.entry.category === 'browser' && m.entry.browser === managedBrowser) continue;
    const key = `${m.entry.category}\0${m.entry.product}`;
    const hit = found.get(key) ?? { entry: m.entry, procs: [], renamed: false, by: m.by };
    hit.procs.push(p);
    if (m.renamed && !hit.renamed) {
      hit.renamed = true;
      hit.by = m.by;
    }
    found.set(key, hit);
  }
  const byCategory = new Map<ProcessCategory, Finding[]>();
  for (const { entry, procs, renamed, by } of found.values()) {
    procs.sort((a, b) => a.pid - b.pid);
    const first = procs[0] as RunningProcess;
    const names = [...new Set(procs.map((p) => p.name))];
    const file = first.exe ?? first.path;
    const how =
      renamed && by === 'original-file-name'
        ? ` under another name (${names.join(', ')}; its original file name is ${first.originalFileName})`
        : renamed && by === 'publisher'
          ? ` under another name (${names.join(', ')}; it is signed by ${first.publisher})`
          : ` (process ${names.join(', ')}, pid ${procs.map((p) => p.pid).join(', ')}${renamed && file ? `; it runs ${basename(file.replaceAll('\\', '/'))}` : ''})`;
    const writable = file ? inUserWritableFolder(file) : false;
    const where = writable && file ? `, started from ${folderOf(file)}, a folder users can write to` : '';
    const finding = agentFinding(
      FINDING_CODE[entry.category],
      `${entry.product}, ${CATEGORY_WORDS[entry.category]}, is running${how}${where}.`,
      {
        subject: entry.product,
        details: {
          process: first.name,
          pids: procs.map((p) => p.pid).join(','),
          count: procs.length,
          ...(file ? { path: file } : {}),
          ...(writable ? { userWritable: true } : {}),
          ...(renamed && first.originalFileName ? { originalFileName: first.originalFileName } : {}),
          ...(first.publisher ? { publisher: first.publisher } : {}),
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
    // The command line, for the browser launch audit (written from systeminformation's documentation
    // of `params` for Windows and macOS; Linux reads /proc instead).
    const argv = path
      ? windows
        ? splitWindowsCommandLine(`"${path}" ${p.params ?? ''}`)
        : [path, ...(p.params ? p.params.split(' ') : [])]
      : undefined;
    return { pid: p.pid, name: p.name, ...(path ? { path } : {}), ...(argv ? { argv } : {}) };
  });
}

/**
 * Linux: running processes straight from /proc, cheaply enough to repeat every 500 ms. A process is
 * described (its `comm`, command line and executable) when it is first seen; after that one
 * readlink of /proc/PID/exe per scan says whether it has exec'd another program (the link changes),
 * and kernel threads (no executable) are not looked at again. Every `fullEveryMs` everything is
 * described afresh (a pid reused between two scans, a process that renamed itself). `changed` says
 * whether the last scan found anything new, gone or different, so the daemon can skip the rest.
 */
interface Known {
  /** What the scan lists for it (the same object while the process stays the same program). */
  proc?: RunningProcess;
  comm: string;
  name: string;
  exe?: string;
  argv?: string[];
  /** How a fast scan sees whether it changed: its exe link, its comm (not ours to read), or never (kernel). */
  watch: 'exe' | 'comm' | 'kernel';
  /** The exe link as read (with " (deleted)"), for the fast comparison. */
  link?: string;
}

export class ProcScanner {
  private known = new Map<number, Known>();
  private list: RunningProcess[] = [];
  private lastFull = Number.NEGATIVE_INFINITY;
  /** Whether the last scan differed from the one before. */
  changed = true;

  constructor(
    private readonly root = '/proc',
    private readonly fullEveryMs = 10_000,
  ) {}

  scan(now = Date.now()): RunningProcess[] {
    const full = now - this.lastFull >= this.fullEveryMs;
    if (full) this.lastFull = now;
    const seen = new Map<number, Known>();
    let changed = false;
    for (const entry of readdirSync(this.root)) {
      const c = entry.charCodeAt(0);
      if (c < 48 || c > 57) continue;
      const pid = Number(entry);
      const prev = this.known.get(pid);
      if (prev && !full) {
        const same = this.unchanged(entry, prev);
        if (same === null) continue; // exited between readdir and read
        if (same) {
          seen.set(pid, prev);
          continue;
        }
      }
      const k = this.describe(entry);
      if (!k) continue;
      if (!prev || prev.comm !== k.comm || prev.exe !== k.exe || prev.name !== k.name) {
        changed = true;
        seen.set(pid, k);
      } else seen.set(pid, prev);
    }
    if (seen.size !== this.known.size) changed = true;
    this.known = seen;
    this.changed = changed;
    if (changed) {
      this.list = [];
      for (const [pid, k] of seen) {
        k.proc ??= {
          pid,
          name: k.name,
          comm: k.comm,
          ...(k.exe ? { exe: k.exe } : {}),
          ...(k.argv ? { argv: k.argv } : {}),
        };
        this.list.push(k.proc);
      }
    }
    return this.list;
  }

  /** Whether a known process is the same program as before; null when it has gone. */
  private unchanged(pid: string, prev: Known): boolean | null {
    if (prev.watch === 'kernel') return true;
    try {
      if (prev.watch === 'exe') return readlinkSync(`${this.root}/${pid}/exe`) === prev.link;
      return readFileSync(`${this.root}/${pid}/comm`, 'utf8').trimEnd() === prev.comm;
    } catch {
      return null;
    }
  }

  /**
   * A process seen for the first time (or after it exec'd): its name as systeminformation gives it
   * (the base name of argv[0]; `comm` for kernel threads), its command line, and the executable the
   * kernel runs (kernel threads have none).
   */
  private describe(pid: string): Known | null {
    let comm: string;
    try {
      comm = readFileSync(`${this.root}/${pid}/comm`, 'utf8').trimEnd();
    } catch {
      return null; // exited between readdir and read
    }
    let link: string | undefined;
    let linkError: string | undefined;
    try {
      link = readlinkSync(`${this.root}/${pid}/exe`);
    } catch (error) {
      linkError = (error as NodeJS.ErrnoException).code;
    }
    const exe = link?.replace(/ \(deleted\)$/, '');
    let cmdline: string;
    try {
      cmdline = readFileSync(`${this.root}/${pid}/cmdline`, 'utf8');
    } catch {
      return { comm, name: comm, ...(exe ? { exe, link } : {}), watch: exe ? 'exe' : 'comm' };
    }
    const argv = cmdline.split('\0');
    if (argv[argv.length - 1] === '') argv.pop();
    // No executable and no command line: a kernel thread, which never becomes another program.
    const watch = exe ? 'exe' : linkError === 'ENOENT' && argv.length === 0 ? 'kernel' : 'comm';
    const argv0 = argv[0] ?? '';
    const base = {
      comm,
      watch,
      ...(exe ? { exe, link } : {}),
      ...(argv.length > 0 ? { argv } : {}),
    } as const;
    if (!argv0) return { ...base, name: comm };
    // A process that rewrote its title ("sshd: user@pts/0") keeps its name as the first word.
    let first = argv0.split(' ')[0] ?? argv0;
    if (first.endsWith(':')) first = first.slice(0, -1);
    return { ...base, name: basename(first) || comm };
  }
}
