/**
 * `desktop-programs`: every program with a window on the candidate's desktop must be on the seat's
 * allowlist (shared/catalogs/processes.ts ALLOWED_PROGRAMS: the managed browser, the desktop shell and
 * window manager, on-screen keyboards, screen readers and magnifiers, input methods, Surpass
 * SecureClient; plus the config's `desktop.allow`). Any other is `unlisted-program`, by name: Attention
 * by default, Not ready with `severity: { unlisted-program: block }`. A program with no window (a
 * background service) is not reported here; the process check still matches it against the catalog.
 * A program the catalog knows (a password manager, an AI assistant...) is left to its own, more
 * precise, line.
 *
 * Where the windows come from:
 * - Linux, X11 (ran for real): the X server itself, through one X connection (desktop/x11-desktop.ts),
 *   each window traced to its process by the X-Resource extension; each process known by the file the
 *   kernel runs (/proc/PID/exe, or the script an interpreter runs). The X server tells the agent when
 *   windows come and go, so a new window is reported at once and nothing is polled.
 * - Linux, Wayland: a Wayland compositor lets no other program list its clients' windows (there is no
 *   common protocol; wlroots' foreign-toplevel and ext-foreign-toplevel-list are per compositor and
 *   GNOME has none). What the agent can see is every program that uses X through Xwayland, and it does:
 *   the session's Xwayland display is an X display like any other. Native Wayland windows are not
 *   seen, and the line's summary says so.
 * - Windows (written from documentation, not run): PowerShell's Get-Process, the processes with a main
 *   window (MainWindowHandle not 0), their executable and window title (parseWindowsMainWindows, on a
 *   fixture of ConvertTo-Json's format). A service in session 0 sees no windows of the candidate's
 *   session: the agent must run the listing in that session (see docs/deploy.md).
 * - macOS (written from documentation, not run): the running applications that may show windows
 *   (NSWorkspace.runningApplications with a regular or accessory activation policy, through
 *   `osascript -l JavaScript`, in the console user's session), parseMacosApplications on a fixture.
 */
import { execFile } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import {
  ALLOWED_KIND_WORDS,
  type AllowedProgram,
  indexAllowedPrograms,
  type ProcessCatalogIndex,
} from '../../shared/catalogs/processes.ts';
import { excerpt } from '../../shared/schemas/bounded-json.ts';
import type { CheckResult, Finding } from '../../shared/schemas/common.ts';
import { managedBrowserExecutables } from '../link-trust/identify.ts';
import { defineCheck } from './check.ts';
import { catalogIndexFor, inUserWritableFolder, matchProcess, processOs } from './processes.ts';
import { agentFinding, checkResult } from './results.ts';

export const DESKTOP_CHECK = {
  id: 'desktop-programs',
  title: 'Only allowed programs have a window on the desktop',
};

export interface DesktopWindow {
  /** The window's title and class: the program's own words (shown as text, bounded). */
  title: string | null;
  wmClass: string | null;
}

export interface DesktopProgram {
  /** Its process, when the OS could tell. */
  pid: number | null;
  /** The name of the file that runs (the executable, or the script an interpreter runs). */
  name: string;
  /** That file's path, when known. */
  file: string | null;
  /** The executable (Linux: /proc/PID/exe), when it differs from `file`. */
  exe?: string | null;
  windows: DesktopWindow[];
}

export interface DesktopRules {
  allowed: (name: string) => AllowedProgram | undefined;
  browserExecutables: readonly string[];
  catalog: ProcessCatalogIndex;
  caseInsensitivePaths: boolean;
  writable: (file: string) => boolean;
}

export function desktopRules(config: Parameters<typeof catalogIndexFor>[0], os = processOs()): DesktopRules {
  return {
    allowed: indexAllowedPrograms(os, config.desktop.allow),
    browserExecutables: managedBrowserExecutables(config),
    catalog: catalogIndexFor(config, os),
    caseInsensitivePaths: os !== 'linux',
    writable: (f) => inUserWritableFolder(f),
  };
}

/** Interpreters whose program is the script they run, not themselves. */
const INTERPRETER =
  /^(python[\d.]*|perl[\d.]*|ruby[\d.]*|node|nodejs|gjs|lua[\d.]*|php[\d.]*|bash|sh|dash|wish[\d.]*|tclsh[\d.]*)$/;

/** Linux: the program behind a process, from /proc (the kernel's word, not the program's). */
export function linuxProgram(pid: number, root = '/proc'): Omit<DesktopProgram, 'windows'> {
  let exe: string | null = null;
  try {
    exe = readlinkSync(`${root}/${pid}/exe`).replace(/ \(deleted\)$/, '');
  } catch {
    exe = null;
  }
  let argv: string[] = [];
  try {
    argv = readFileSync(`${root}/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {}
  if (exe && INTERPRETER.test(basename(exe))) {
    // `python3 /usr/bin/orca`: the program is /usr/bin/orca.
    const script = argv.slice(1).find((a) => !a.startsWith('-'));
    if (script?.startsWith('/')) return { pid, name: basename(script), file: script, exe };
  }
  if (exe) return { pid, name: basename(exe), file: exe, exe };
  let comm = '';
  try {
    comm = readFileSync(`${root}/${pid}/comm`, 'utf8').trim();
  } catch {}
  return { pid, name: comm || `process ${pid}`, file: null, exe: null };
}

const words = (w: DesktopWindow) =>
  w.title ? `"${excerpt(w.title, 60)}"` : w.wmClass ? `of class ${excerpt(w.wmClass, 40)}` : 'with no title';

/** The checklist line for the programs with a window on the desktop. */
export function evaluateDesktop(
  programs: readonly DesktopProgram[],
  rules: DesktopRules,
  note = '',
): CheckResult {
  const norm = (p: string) => (rules.caseInsensitivePaths ? p.toLowerCase() : p);
  const browsers = new Set(rules.browserExecutables.map(norm));
  const findings: Finding[] = [];
  const allowedSeen = new Set<string>();
  for (const p of programs) {
    const files = [p.file, p.exe].filter((f): f is string => typeof f === 'string');
    if (files.some((f) => browsers.has(norm(f)))) {
      allowedSeen.add('the managed browser');
      continue;
    }
    // A program the catalog knows is reported on its own line (password manager, AI assistant...).
    const known = matchProcess(
      {
        pid: p.pid ?? 0,
        name: p.name,
        ...(p.exe ? { exe: p.exe } : {}),
        ...(p.file ? { path: p.file } : {}),
      },
      rules.catalog,
    );
    if (known && !(known.entry.category === 'browser' && files.some((f) => browsers.has(norm(f))))) continue;
    const allowed = rules.allowed(p.name);
    const copied = allowed && p.file && !allowed.installedWhereUsersWrite ? rules.writable(p.file) : false;
    if (allowed && !copied) {
      allowedSeen.add(`${allowed.product} (${ALLOWED_KIND_WORDS[allowed.kind]})`);
      continue;
    }
    const shown = p.windows.slice(0, 3).map(words).join(', ');
    const more = p.windows.length > 3 ? ` and ${p.windows.length - 3} more` : '';
    const where = p.file ? `, ${p.file}` : '';
    const who =
      p.pid !== null
        ? `process ${p.pid}${where}`
        : `a program the X server cannot trace to a process${where}`;
    const why =
      allowed && copied && p.file
        ? `: it is named like ${allowed.product}, which is allowed, but runs from ${p.file.slice(0, p.file.lastIndexOf('/')) || '/'}, a folder users can write to, so it is not taken for it`
        : " and is not on this seat's list of allowed programs";
    findings.push(
      agentFinding(
        'unlisted-program',
        `${excerpt(p.name, 100)} (${who}) has a window on the desktop (${shown}${more})${why}.`,
        {
          subject: p.name,
          details: {
            program: excerpt(p.name, 200),
            ...(p.pid !== null ? { pid: p.pid } : {}),
            ...(p.file ? { path: excerpt(p.file, 500) } : {}),
            windows: p.windows.length,
            ...(copied ? { userWritable: true } : {}),
          },
        },
      ),
    );
  }
  findings.sort((a, b) => (a.subject ?? '').localeCompare(b.subject ?? ''));
  const allowedWords = [...allowedSeen].sort().join(', ');
  return checkResult(
    DESKTOP_CHECK.id,
    DESKTOP_CHECK.title,
    findings,
    `${programs.length === 0 ? 'No program has a window on the desktop' : `Every program with a window is allowed: ${allowedWords}`}.${note}`,
  );
}

/** Groups X windows by their process and names each process (Linux). */
export function programsOfWindows(
  windows: readonly { pid: number | null; title: string | null; wmClass: string | null }[],
  describe: (pid: number) => Omit<DesktopProgram, 'windows'> = linuxProgram,
): DesktopProgram[] {
  const byPid = new Map<number, DesktopProgram>();
  const unknown = new Map<string, DesktopProgram>();
  for (const w of windows) {
    const win = { title: w.title, wmClass: w.wmClass };
    if (w.pid === null) {
      const name = w.wmClass ?? 'an unknown program';
      const p = unknown.get(name) ?? { pid: null, name, file: null, windows: [] };
      p.windows.push(win);
      unknown.set(name, p);
      continue;
    }
    let p = byPid.get(w.pid);
    if (!p) {
      p = { ...describe(w.pid), windows: [] };
      byPid.set(w.pid, p);
    }
    p.windows.push(win);
  }
  return [...byPid.values(), ...unknown.values()];
}

// ---- Windows (written from documentation, not run) ----

/** What the agent runs on Windows: the processes with a main window, as JSON. */
export const WINDOWS_MAIN_WINDOWS_SCRIPT =
  'Get-Process | Where-Object { $_.MainWindowHandle -ne 0 } | Select-Object Id, ProcessName, Path, MainWindowTitle | ConvertTo-Json -Compress';

/** ConvertTo-Json's output (one object, or an array of them; empty when there is none). */
export function parseWindowsMainWindows(stdout: string): DesktopProgram[] {
  const text = stdout.replace(/^\uFEFF/, '').trim();
  if (text === '') return [];
  const parsed = JSON.parse(text) as unknown;
  const items = (Array.isArray(parsed) ? parsed : [parsed]) as Record<string, unknown>[];
  const out: DesktopProgram[] = [];
  for (const item of items) {
    if (!item || typeof item !== 'object' || typeof item.Id !== 'number') continue;
    const path = typeof item.Path === 'string' && item.Path ? item.Path : null;
    const name = path ? (path.split('\\').pop() as string) : `${String(item.ProcessName ?? 'unknown')}.exe`;
    out.push({
      pid: item.Id,
      name,
      file: path,
      windows: [
        { title: typeof item.MainWindowTitle === 'string' ? item.MainWindowTitle : null, wmClass: null },
      ],
    });
  }
  return out;
}

// ---- macOS (written from documentation, not run) ----

/**
 * What the agent runs on macOS (JavaScript for Automation): the running applications that may show
 * windows (activation policy 0, regular, or 1, accessory: no Dock icon, as an overlay would be), as
 * JSON lines of our own shape. Reading NSWorkspace needs no Automation or Accessibility permission.
 */
export const MACOS_APPLICATIONS_SCRIPT = `ObjC.import('AppKit');
var apps = $.NSWorkspace.sharedWorkspace.runningApplications.js;
var out = [];
for (var i = 0; i < apps.length; i++) {
  var a = apps[i];
  if (a.activationPolicy > 1) continue;
  out.push(JSON.stringify({ pid: a.processIdentifier, name: ObjC.unwrap(a.localizedName) || null,
    path: a.executableURL.isNil() ? null : ObjC.unwrap(a.executableURL.path),
    bundle: ObjC.unwrap(a.bundleIdentifier) || null, policy: a.activationPolicy }));
}
out.join('\\n');`;

export function parseMacosApplications(stdout: string): DesktopProgram[] {
  const out: DesktopProgram[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    const a = JSON.parse(line) as { pid?: unknown; name?: unknown; path?: unknown };
    if (typeof a.pid !== 'number') continue;
    const path = typeof a.path === 'string' ? a.path : null;
    const name = path
      ? (path.split('/').pop() as string)
      : typeof a.name === 'string'
        ? a.name
        : `process ${a.pid}`;
    out.push({
      pid: a.pid,
      name,
      file: path,
      windows: [{ title: typeof a.name === 'string' ? a.name : null, wmClass: null }],
    });
  }
  return out;
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      cmd,
      args,
      { timeout: 15_000, maxBuffer: 4 * 1024 * 1024, windowsHide: true },
      (error, stdout) =>
        error ? reject(new Error(`${cmd} failed: ${error.message.split('\n')[0]}`)) : resolve(stdout),
    ),
  );
}

/** macOS: the console user's uid (the candidate's GUI session), for `launchctl asuser`. */
async function macosConsoleUid(): Promise<string | null> {
  const out = await run('stat', ['-f', '%u', '/dev/console']).catch(() => '');
  return /^\d+$/.test(out.trim()) ? out.trim() : null;
}

// ---- the check ----

interface DesktopState {
  rules: DesktopRules;
  unsubscribe: () => void;
}

export const desktopCheck = defineCheck<DesktopState>({
  id: 'desktop',
  lines: [DESKTOP_CHECK],
  // On X the server says when windows change (the check is woken at once); the interval only
  // re-checks, and reconnects when the display went away.
  intervalMs: (config) => (process.platform === 'linux' ? 5000 : Math.max(config.intervals.desktopMs, 1000)),
  setup(ctx) {
    const unsubscribe = ctx.daemon ? ctx.desktop.onWindowsChanged(ctx.wake) : () => {};
    return { rules: desktopRules(ctx.config), unsubscribe };
  },
  async run(ctx, state) {
    if (process.platform === 'win32') {
      const out = await run('powershell.exe', [
        '-NoProfile',
        '-NonInteractive',
        '-Command',
        WINDOWS_MAIN_WINDOWS_SCRIPT,
      ]);
      return [evaluateDesktop(parseWindowsMainWindows(out), state.rules)];
    }
    if (process.platform === 'darwin') {
      const uid = process.getuid?.() === 0 ? await macosConsoleUid() : null;
      const args = ['-l', 'JavaScript', '-e', MACOS_APPLICATIONS_SCRIPT];
      const out = uid
        ? await run('launchctl', ['asuser', uid, 'osascript', ...args])
        : await run('osascript', args);
      return [evaluateDesktop(parseMacosApplications(out), state.rules)];
    }
    const x = await ctx.desktop.x11();
    const programs = programsOfWindows(await x.windows());
    const wayland = x.choice.server && basename(x.choice.server.executable) === 'Xwayland';
    const note = wayland
      ? ' This is a Wayland session: only programs that use X (through Xwayland) can be seen; native Wayland windows cannot be listed by another program.'
      : '';
    return [evaluateDesktop(programs, state.rules, note)];
  },
  stop(state) {
    state.unsubscribe();
  },
});
