/**
 * What the operating system says about a process: its executable, command line, initial environment,
 * parent and user. Never what the process says about itself.
 *
 * - Linux (ran for real here): /proc/PID/exe (resolved by the kernel, so a symbolic link or a renamed
 *   copy shows what actually runs), /proc/PID/cmdline, /proc/PID/environ, /proc/PID/status. The agent
 *   runs as root, so it can read these for every user's processes.
 * - macOS (written from documentation, not run: ps(1), proc_pidpath in libproc.h): `ps -o ppid=,uid=,user=`
 *   and `ps -ww -o args=`, and the executable's path from proc_pidpath through koffi. The environment
 *   is not read.
 * - Windows (written from documentation, not run: the Win32_Process CIM class): `Get-CimInstance
 *   Win32_Process` through PowerShell for the executable, command line, parent and owner, parsed by
 *   `parseWin32ProcessJson` (tested on test/fixtures/windows/win32-process*.json). The environment is
 *   not read.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface ProcessFacts {
  pid: number;
  /** The program the kernel runs, resolved; null when it cannot be read (the process has gone). */
  executable: string | null;
  /** Its command line; null when unknown. */
  argv: string[] | null;
  /** Its initial environment (Linux); null where it is not read. */
  environment: Map<string, string> | null;
  parentPid: number | null;
  uid: number | null;
  /** The user's name, or the uid in words when the name is unknown. */
  user: string | null;
}

const users = { mtime: -1, byUid: new Map<number, string>() };

/** A user's name from /etc/passwd (re-read when it changes); `uid N` when unknown. */
export function userName(uid: number, passwd = '/etc/passwd'): string {
  try {
    const mtime = statSync(passwd).mtimeMs;
    if (mtime !== users.mtime) {
      users.byUid = new Map();
      for (const line of readFileSync(passwd, 'utf8').split('\n')) {
        const [name, , id] = line.split(':');
        if (name && id && /^\d+$/.test(id)) users.byUid.set(Number(id), name);
      }
      users.mtime = mtime;
    }
  } catch {
    // No passwd file: the uid will do.
  }
  return users.byUid.get(uid) ?? `uid ${uid}`;
}

/** Splits a NUL-separated /proc file; the trailing NUL leaves no empty last entry. */
function nulList(text: string): string[] {
  const parts = text.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

export function parseEnviron(text: string): Map<string, string> {
  const env = new Map<string, string>();
  for (const entry of nulList(text)) {
    const eq = entry.indexOf('=');
    if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
    else if (entry) env.set(entry, '');
  }
  return env;
}

/** Linux: everything from /proc. Fields that cannot be read (a process gone, or not ours) are null. */
export function linuxProcessFacts(pid: number, root = '/proc'): ProcessFacts {
  const dir = `${root}/${pid}`;
  const read = (name: string) => {
    try {
      return readFileSync(`${dir}/${name}`, 'latin1');
    } catch {
      return null;
    }
  };
  let executable: string | null = null;
  try {
    executable = readlinkSync(`${dir}/exe`);
  } catch {
    executable = null;
  }
  const status = read('status');
  const field = (name: string) => status?.match(new RegExp(`^${name}:\\s*(\\d+)`, 'm'))?.[1];
  const ppid = field('PPid');
  const uid = field('Uid');
  const cmdline = read('cmdline');
  const environ = read('environ');
  return {
    pid,
    executable,
    argv: cmdline === null ? null : nulList(Buffer.from(cmdline, 'latin1').toString('utf8')),
    environment: environ === null ? null : parseEnviron(Buffer.from(environ, 'latin1').toString('utf8')),
    parentPid: ppid === undefined ? null : Number(ppid),
    uid: uid === undefined ? null : Number(uid),
    user: uid === undefined ? null : userName(Number(uid)),
  };
}

/**
 * Windows: one Win32_Process, as `Get-CimInstance Win32_Process -Filter "ProcessId = N" | Select-Object
 * ProcessId, ParentProcessId, ExecutablePath, CommandLine, @{n='Owner';e={...GetOwner...}} |
 * ConvertTo-Json -Compress` prints it.
 */
export function parseWin32ProcessJson(stdout: string, pid: number): ProcessFacts {
  const text = stdout.replace(/^\uFEFF/, '').trim();
  const none: ProcessFacts = {
    pid,
    executable: null,
    argv: null,
    environment: null,
    parentPid: null,
    uid: null,
    user: null,
  };
  if (text === '') return none;
  const parsed = JSON.parse(text) as unknown;
  const item = (Array.isArray(parsed) ? parsed[0] : parsed) as Record<string, unknown> | undefined;
  if (!item || typeof item !== 'object') return none;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  const commandLine = str(item.CommandLine);
  return {
    pid,
    executable: str(item.ExecutablePath),
    argv: commandLine === null ? null : splitWindowsCommandLine(commandLine),
    environment: null,
    parentPid: typeof item.ParentProcessId === 'number' ? item.ParentProcessId : null,
    uid: null,
    user: str(item.Owner),
  };
}

/**
 * A Windows command line split as the C runtime (and CommandLineToArgvW) splits it: spaces separate,
 * double quotes group, 2n backslashes before a quote are n backslashes and the quote is special,
 * 2n+1 backslashes before a quote are n backslashes and a literal quote. The program name (first
 * word) takes no backslash escapes.
 */
export function splitWindowsCommandLine(line: string): string[] {
  const args: string[] = [];
  let i = 0;
  // The program name: up to the next space, or inside quotes, without escapes.
  while (line[i] === ' ' || line[i] === '\t') i++;
  let first = '';
  if (line[i] === '"') {
    i++;
    while (i < line.length && line[i] !== '"') first += line[i++];
    i++;
  } else {
    while (i < line.length && line[i] !== ' ' && line[i] !== '\t') first += line[i++];
  }
  args.push(first);
  for (;;) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (i >= line.length) break;
    let arg = '';
    let quoted = false;
    while (i < line.length && (quoted || (line[i] !== ' ' && line[i] !== '\t'))) {
      let slashes = 0;
      while (line[i] === '\\') {
        slashes++;
        i++;
      }
      if (line[i] === '"') {
        arg += '\\'.repeat(Math.floor(slashes / 2));
        if (slashes % 2 === 1) arg += '"';
        else if (quoted && line[i + 1] === '"') {
          arg += '"';
          i++;
        } else quoted = !quoted;
        i++;
      } else {
        arg += '\\'.repeat(slashes);
        if (i < line.length && (quoted || (line[i] !== ' ' && line[i] !== '\t'))) arg += line[i++];
      }
    }
    args.push(arg);
  }
  return args;
}

function windowsProcessFacts(pid: number): ProcessFacts {
  const script = [
    "$ErrorActionPreference = 'SilentlyContinue'",
    `$p = Get-CimInstance Win32_Process -Filter "ProcessId = ${Math.trunc(pid)}"`,
    'if ($p) { $o = Invoke-CimMethod -InputObject $p -MethodName GetOwner; [pscustomobject]@{ ProcessId = $p.ProcessId; ParentProcessId = $p.ParentProcessId; ExecutablePath = $p.ExecutablePath; CommandLine = $p.CommandLine; Owner = if ($o.User) { "$($o.Domain)\\$($o.User)" } else { $null } } | ConvertTo-Json -Compress }',
  ].join('; ');
  const out = execFileSync('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', script], {
    encoding: 'utf8',
    timeout: 15_000,
    windowsHide: true,
  });
  return parseWin32ProcessJson(out, pid);
}

/** macOS: `ps -o ppid=,uid=,user= -p PID` prints one line such as "  412   501 candidate". */
export function parsePsLine(line: string): { parentPid: number; uid: number; user: string } | null {
  const m = /^\s*(\d+)\s+(\d+)\s+(\S+)\s*$/.exec(line);
  if (!m) return null;
  return { parentPid: Number(m[1]), uid: Number(m[2]), user: String(m[3]) };
}

/**
 * macOS: the command line from `ps -ww -o args=`. ps joins the arguments with spaces: a path with a
 * space in it cannot be told apart. The host's check compares the joined line with the expected one
 * instead (see connector.ts).
 */
export function macosArgv(args: string): string[] | null {
  const line = args.trim();
  return line ? line.split(' ') : null;
}

function macosProcessFacts(pid: number): ProcessFacts {
  const ps = (format: string) =>
    execFileSync('ps', ['-ww', '-o', format, '-p', String(Math.trunc(pid))], {
      encoding: 'utf8',
      timeout: 5000,
    }).trim();
  const ids = parsePsLine(ps('ppid=,uid=,user='));
  const args = ps('args=');
  return {
    pid,
    executable: macosExecutable(pid),
    argv: macosArgv(args),
    environment: null,
    parentPid: ids?.parentPid ?? null,
    uid: ids?.uid ?? null,
    user: ids?.user ?? null,
  };
}

let procPidPath: ((pid: number, buf: Buffer, size: number) => number) | null | undefined;
function macosExecutable(pid: number): string | null {
  if (procPidPath === undefined) {
    try {
      const koffi = requireKoffi();
      const lib = koffi.load('/usr/lib/libproc.dylib');
      procPidPath = lib.func('int proc_pidpath(int pid, _Out_ uint8_t *buffer, uint32_t buffersize)');
    } catch {
      procPidPath = null;
    }
  }
  if (!procPidPath) return null;
  const buf = Buffer.alloc(4096);
  const n = procPidPath(pid, buf, buf.length);
  return n > 0 ? buf.subarray(0, n).toString('utf8') : null;
}

/** koffi (a C foreign-function interface), loaded only where it is used: it is a native module. */
export function requireKoffi(): typeof import('koffi') {
  return createRequire(import.meta.url)('koffi') as typeof import('koffi');
}

/** This OS's facts about `pid`. */
export function processFacts(pid: number): ProcessFacts {
  if (process.platform === 'win32') return windowsProcessFacts(pid);
  if (process.platform === 'darwin') return macosProcessFacts(pid);
  return linuxProcessFacts(pid);
}
