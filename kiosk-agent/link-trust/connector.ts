/**
 * Who may speak for the browser on the agent's local socket: only the installed `invigil native-host`,
 * started by the managed browser through its launcher. The socket is open to the seat's group by
 * design (the browser runs as the seat account), so every program the candidate runs can connect;
 * what it says about itself proves nothing, so the agent asks the kernel who connected
 * (peer-credentials.ts) and reads that process and its parent (process-info.ts), then decides here.
 *
 * "The installed host" is recognised by what runs, since the host is a Node script and its executable
 * is Node itself:
 *   1. its executable is the Node.js that the agent itself runs (the installation's, root-owned);
 *   2. its command line is exactly `node <the agent's own invigil.js> native-host`, plus only the
 *      arguments the launcher and the browser give (`--socket` for this socket, `--extension-id` for the
 *      seat's extension, the seat extension's origin, Windows' `--parent-window`): no Node flag, no
 *      other script;
 *   3. its environment is empty, as the launcher (`env -i`) leaves it: nothing such as NODE_OPTIONS or
 *      LD_PRELOAD can have loaded code into it (Linux, where /proc/PID/environ can be read);
 *   4. its parent is a main process of the managed browser (`browser.executable`), itself started
 *      without any flag or environment the launch audit refuses, and under the same user.
 *
 * What a candidate in the seat group can still do (written down because it is not nothing):
 *   - Start the managed browser's own program themselves, with no flags, on the seat's own profile: that
 *     is the managed browser, with the machine policy and the force-installed extension, and its host is
 *     accepted; anything they add to its command line or environment is refused and raised.
 *   - Debug (ptrace) their own processes: the browser and the host run as the seat account, so on a
 *     kernel that lets a user trace its own processes (Yama ptrace_scope 0, or 1 from an ancestor such
 *     as the session that started the browser) they can inject code into the running browser or host.
 *     The host makes itself non-dumpable as its first act (PR_SET_DUMPABLE 0), which closes that door
 *     for the host after its first few milliseconds; exam PCs should set kernel.yama.ptrace_scope = 2.
 *   - Edit files they own: the seat profile (its Preferences, cached extension files) belongs to the
 *     seat account. Chromium verifies a force-installed extension's files against its store hashes;
 *     the extension's own checks report the rest.
 *   - Pass a process id: the kernel records the connecting process at connect(2); a process that
 *     passes its connected socket to another (SCM_RIGHTS) keeps its own identity on it, so it must be
 *     the genuine host to begin with.
 */
import { auditLaunch, isBrowserMainProcess, type LaunchExpectations } from './launch-audit.ts';
import type { ProcessFacts } from './process-info.ts';

export interface InstalledHost {
  /** The Node.js executable the host runs under (resolved: /proc/PID/exe shows the real file). */
  node: string;
  /** The invigil script, as the launcher names it (resolved at install time). */
  script: string;
}

export interface ConnectorExpectations {
  host: InstalledHost;
  /** The managed browser's executables (resolved). */
  browserExecutables: readonly string[];
  extensionId: string;
  extensionOrigin: string;
  /**
   * The managed browser is Firefox: the launcher adds `--browser firefox`, and Firefox passes the
   * manifest's path and the add-on id (the id is `extensionId`) instead of an origin.
   */
  firefox?: boolean;
  socketPath: string;
  launch: LaunchExpectations;
  /** Variables the host's environment may hold (none: the launcher clears it). */
  allowedEnvironment?: ReadonlySet<string>;
  /** Windows and macOS compare paths without regard to case (their file systems do). */
  caseInsensitivePaths?: boolean;
}

export type Verdict = { ok: true } | { ok: false; reason: string };

const short = (s: string, n = 200) => (s.length > n ? `${s.slice(0, n)}…` : s);

/** The arguments after `native-host` that the launcher and the browser give; anything else is refused. */
function unexpectedArgument(rest: readonly string[], e: ConnectorExpectations): string | null {
  let origins = 0;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string;
    if (a === '--socket' && rest[i + 1] === e.socketPath) {
      i++;
      continue;
    }
    if (a === `--socket=${e.socketPath}`) continue;
    if (a === '--extension-id' && rest[i + 1] === e.extensionId) {
      i++;
      continue;
    }
    if (a === `--extension-id=${e.extensionId}`) continue;
    if (e.firefox) {
      if (a === '--browser' && rest[i + 1] === 'firefox') {
        i++;
        continue;
      }
      if (a === '--browser=firefox') continue;
      // Firefox: the manifest's path, then the add-on id.
      if (isHostManifest(a) && rest[i + 1] === e.extensionId && origins++ === 0) {
        i++;
        continue;
      }
      return a;
    }
    if (a === e.extensionOrigin && origins++ === 0) continue;
    // Chrome on Windows adds the calling window's handle.
    if (/^--parent-window=\d+$/.test(a)) continue;
    if (a === '--parent-window' && /^\d+$/.test(rest[i + 1] ?? '')) {
      i++;
      continue;
    }
    return a;
  }
  if (origins === 1) return null;
  return e.firefox ? `(no manifest path and add-on id ${e.extensionId})` : `(no ${e.extensionOrigin})`;
}

/** An absolute path to our host manifest, as Firefox passes it. */
function isHostManifest(a: string): boolean {
  return (a.startsWith('/') || /^[A-Za-z]:\\/.test(a)) && /[\\/]uk\.invigil\.agent\.json$/.test(a);
}

export function judgeConnector(
  peer: ProcessFacts,
  parent: ProcessFacts | null,
  e: ConnectorExpectations,
): Verdict {
  const same = (a: string, b: string) =>
    e.caseInsensitivePaths ? a.toLowerCase() === b.toLowerCase() : a === b;
  const refuse = (reason: string): Verdict => ({ ok: false, reason });
  if (!peer.executable) return refuse('the agent could not see which program it is (it may have exited)');
  const exe = peer.executable.replace(/ \(deleted\)$/, '');
  if (!same(exe, e.host.node)) {
    return refuse(`it is not the installed native host: it runs ${short(exe)}, not ${e.host.node}`);
  }
  const argv = peer.argv;
  if (!argv || argv.length < 3 || !same(argv[1] ?? '', e.host.script) || argv[2] !== 'native-host') {
    return refuse(
      `it is not the installed native host: its command line is "${short((argv ?? []).join(' '))}", not "${e.host.node} ${e.host.script} native-host …"`,
    );
  }
  const odd = unexpectedArgument(argv.slice(3), e);
  if (odd !== null) {
    return refuse(`it was started with an argument the installed launcher does not give: ${short(odd, 100)}`);
  }
  if (peer.environment) {
    const allowed = e.allowedEnvironment ?? new Set<string>();
    const extra = [...peer.environment.keys()].filter((k) => !allowed.has(k));
    if (extra.length > 0) {
      return refuse(
        `its environment was not cleared by the installed launcher (it holds ${extra.slice(0, 8).join(', ')}${extra.length > 8 ? ', …' : ''})`,
      );
    }
  }
  if (!parent || peer.parentPid === null) {
    return refuse('the agent could not see which program started it');
  }
  const parentExe = parent.executable?.replace(/ \(deleted\)$/, '') ?? null;
  if (!parentExe || !e.browserExecutables.some((b) => same(b, parentExe))) {
    return refuse(
      `it was not started by the managed browser (${e.browserExecutables.join(' or ')}): its parent is process ${parent.pid}${parentExe ? ` (${short(parentExe)})` : ''}`,
    );
  }
  if (parent.argv && !isBrowserMainProcess(parent.argv)) {
    return refuse(`it was started by a browser helper process (${parent.pid}), not by the browser itself`);
  }
  const problems = parent.argv ? auditLaunch(parent.argv, parent.environment, e.launch) : [];
  if (problems.length > 0) {
    const p = problems[0] as (typeof problems)[number];
    return refuse(
      `its browser (process ${parent.pid}) was started with ${p.seen}, which ${p.why}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`,
    );
  }
  if (peer.uid !== null && parent.uid !== null && peer.uid !== parent.uid) {
    return refuse(
      `it runs as ${peer.user ?? peer.uid}, not as its browser's user (${parent.user ?? parent.uid})`,
    );
  }
  return { ok: true };
}
