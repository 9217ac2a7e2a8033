/**
 * Which X display is the candidate's, and how the agent (root, in its own service, with no session of
 * its own) may open it. Nothing here is taken from the candidate: not their DISPLAY, not their
 * ~/.Xauthority.
 *
 * The display, in this order:
 * 1. the seat's config (`desktop.display`), or the service's own DISPLAY (`invigil install-service
 *    --display`): IT said so;
 * 2. the one X server running on this PC (a process whose executable, as the kernel runs it, is an X
 *    server, with its `:N` on its command line);
 * 3. with several, the display of the active graphical login session, as systemd-logind records it
 *    (/run/systemd/sessions, written by logind for the display manager, not by the user);
 * otherwise an error that names the displays found (the check fails closed; IT sets desktop.display).
 *
 * The authority: the X server's own `-auth` file (root reads what the server reads), else the config's
 * or the service's XAUTHORITY. A server started without `-auth` has no access control.
 *
 * The socket: /tmp/.X11-unix/X<N> on the file system (never the abstract namespace, where any user can
 * bind a name first), and the kernel must say its other end is that X server's process (SO_PEERCRED).
 */
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  statSync,
} from 'node:fs';
import { basename } from 'node:path';

/** Executables that serve an X display. */
const X_SERVERS = new Set(['Xorg', 'Xvfb', 'Xwayland', 'Xephyr', 'Xvnc', 'Xtigervnc', 'Xnest', 'X']);

export interface XServerProcess {
  pid: number;
  /** The display number it serves. */
  display: number;
  executable: string;
  /** Its `-auth` file, when it was given one. */
  auth: string | null;
}

function nulList(text: string): string[] {
  const parts = text.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** The display number and `-auth` file on an X server's command line. */
export function parseXServerArgs(argv: readonly string[]): { display: number | null; auth: string | null } {
  let display: number | null = null;
  let auth: string | null = null;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i] as string;
    const m = /^:(\d{1,4})$/.exec(a);
    if (m && display === null) display = Number(m[1]);
    if (a === '-auth' && argv[i + 1]) auth = argv[i + 1] as string;
  }
  return { display, auth };
}

/** X servers running on this machine, from /proc. */
export function listXServers(root = '/proc'): XServerProcess[] {
  const out: XServerProcess[] = [];
  for (const entry of readdirSync(root)) {
    const c = entry.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    let exe: string;
    try {
      exe = readlinkSync(`${root}/${entry}/exe`).replace(/ \(deleted\)$/, '');
    } catch {
      continue;
    }
    if (!X_SERVERS.has(basename(exe))) continue;
    let argv: string[];
    try {
      argv = nulList(readFileSync(`${root}/${entry}/cmdline`, 'utf8'));
    } catch {
      continue;
    }
    const { display, auth } = parseXServerArgs(argv);
    const pid = Number(entry);
    // A server started with -displayfd picks its number itself: its socket says which.
    const number = display ?? displayOfSocketOwner(pid, root);
    if (number === null) continue;
    out.push({ pid, display: number, executable: exe, auth });
  }
  return out.sort((a, b) => a.display - b.display);
}

/** The display whose listening socket (/tmp/.X11-unix/X<N>) process `pid` holds, from /proc/net/unix. */
function displayOfSocketOwner(pid: number, root: string): number | null {
  let table: string;
  try {
    table = readFileSync(`${root}/net/unix`, 'utf8');
  } catch {
    return null;
  }
  const inodes = new Map<string, number>();
  for (const line of table.split('\n')) {
    const m = /\s(\d+)\s+\/tmp\/\.X11-unix\/X(\d+)$/.exec(line);
    if (m) inodes.set(m[1] as string, Number(m[2]));
  }
  let fds: string[];
  try {
    fds = readdirSync(`${root}/${pid}/fd`);
  } catch {
    return null;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`${root}/${pid}/fd/${fd}`));
      const n = m ? inodes.get(m[1] as string) : undefined;
      if (n !== undefined) return n;
    } catch {}
  }
  return null;
}

export interface LoginSession {
  display: number;
  user: string;
  active: boolean;
}

/** Graphical login sessions, as systemd-logind records them (one file per session, KEY=VALUE lines). */
export function logindSessions(dir = '/run/systemd/sessions'): LoginSession[] {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return [];
  }
  const out: LoginSession[] = [];
  for (const f of files) {
    if (f.endsWith('.ref')) continue;
    let text: string;
    try {
      if (statSync(`${dir}/${f}`).size > 65_536) continue;
      text = readFileSync(`${dir}/${f}`, 'utf8');
    } catch {
      continue;
    }
    const kv = new Map(
      text
        .split('\n')
        .map((l) => l.split('='))
        .filter((p) => p.length >= 2)
        .map((p) => [p[0] as string, p.slice(1).join('=')]),
    );
    const m = /^:(\d{1,4})$/.exec(kv.get('DISPLAY') ?? '');
    if (!m || kv.get('TYPE') === 'tty') continue;
    out.push({ display: Number(m[1]), user: kv.get('USER') ?? '', active: kv.get('ACTIVE') === '1' });
  }
  return out;
}

export interface DisplayChoice {
  display: number;
  /** Where the choice came from, for the log and for errors. */
  how: string;
  /** The server's process, when one was found for that display. */
  server: XServerProcess | null;
  /** Authority files to try, most trusted first. */
  authFiles: string[];
}

/** Chooses the candidate's display (see the top of this file). Throws with the reason when it cannot. */
export function chooseDisplay(input: {
  configured?: string | undefined;
  configuredAuth?: string | undefined;
  env?: NodeJS.ProcessEnv;
  servers: readonly XServerProcess[];
  sessions: readonly LoginSession[];
}): DisplayChoice {
  const env = input.env ?? {};
  const pick = (display: number, how: string): DisplayChoice => {
    const server = input.servers.find((s) => s.display === display) ?? null;
    const authFiles = [server?.auth, input.configuredAuth, env.XAUTHORITY].filter(
      (f): f is string => typeof f === 'string' && f.length > 0,
    );
    return { display, how, server, authFiles: [...new Set(authFiles)] };
  };
  const asNumber = (d: string) => {
    const m = /^(?:unix)?:(\d{1,4})(?:\.\d+)?$/.exec(d);
    return m ? Number(m[1]) : null;
  };
  if (input.configured) {
    const n = asNumber(input.configured);
    if (n === null)
      throw new Error(`desktop.display ${input.configured} is not a local X display such as :0`);
    return pick(n, `desktop.display in the seat's config`);
  }
  if (env.DISPLAY) {
    const n = asNumber(env.DISPLAY);
    if (n === null)
      throw new Error(`DISPLAY ${env.DISPLAY} is not a local X display such as :0 (set desktop.display)`);
    return pick(n, "the agent's DISPLAY");
  }
  const servers = input.servers;
  if (servers.length === 1) return pick((servers[0] as XServerProcess).display, 'the only X server running');
  const active = input.sessions.filter((s) => s.active && servers.some((x) => x.display === s.display));
  if (active.length === 1) {
    const s = active[0] as LoginSession;
    return pick(s.display, `the active login session of ${s.user || 'the seat user'}`);
  }
  if (servers.length === 0) throw new Error('no X server is running on this PC (no graphical session?)');
  throw new Error(
    `${servers.length} X displays are running (${servers.map((s) => `:${s.display}`).join(', ')}) and none is the one active login session's: set desktop.display in the seat's config`,
  );
}

/** One MIT-MAGIC-COOKIE-1 for `display` from an Xauthority file (bounded; a malformed file gives none). */
export function cookieFromXauthority(data: Buffer, display: number, host: string): Buffer | null {
  const FAMILY_LOCAL = 256;
  const FAMILY_WILD = 65535;
  let off = 0;
  let wild: Buffer | null = null;
  const field = (): Buffer | null => {
    if (off + 2 > data.length) return null;
    const len = data.readUInt16BE(off);
    off += 2;
    if (off + len > data.length) return null;
    const b = data.subarray(off, off + len);
    off += len;
    return b;
  };
  while (off + 2 <= data.length) {
    const family = data.readUInt16BE(off);
    off += 2;
    const address = field();
    const number = field();
    const name = field();
    const cookie = field();
    if (!address || !number || !name || !cookie) return wild;
    if (name.toString('latin1') !== 'MIT-MAGIC-COOKIE-1') continue;
    const n = number.toString('latin1');
    if (n !== '' && n !== String(display)) continue;
    if (family === FAMILY_WILD) wild ??= Buffer.from(cookie);
    else if (family === FAMILY_LOCAL && address.toString('latin1') === host) return Buffer.from(cookie);
  }
  return wild;
}

/**
 * Reads an authority file, at most 64 KB. Root reads it, and some servers' files sit in the user's home
 * (startx): opened without blocking and checked to be a regular file on the open descriptor, so a FIFO
 * or a device swapped in cannot stall or feed the agent.
 */
export function readAuthorityFile(file: string): Buffer | null {
  let fd: number | undefined;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > 65_536) return null;
    const buf = Buffer.alloc(st.size);
    const n = readSync(fd, buf, 0, st.size, 0);
    return buf.subarray(0, n);
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
