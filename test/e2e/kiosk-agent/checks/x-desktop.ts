/**
 * A real candidate desktop for the desktop check's tests: Xvfb (a display number it picks itself,
 * `-displayfd`), optionally with an authority file and as another user, openbox as the window
 * manager, and real windows (xmessage). Every process it starts is ended by `stop`.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface XDesktopRig {
  display: string;
  number: number;
  pid: number;
  dir: string;
  /** The server's authority file, when started with one. */
  auth: string | null;
  /** Starts a program with a window on this display (as the display's user); resolves once it has one. */
  window(file: string, args: string[], options?: { name?: string }): Promise<ChildProcess>;
  /** Starts a program without waiting for a window. */
  start(file: string, args: string[]): ChildProcess;
  /** Window ids in the window manager's client list. */
  clientList(): number[];
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();

function nobodyIds(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/** `as`: `nobody` runs the server and every window (the candidate's own session); default: this user. */
export async function startXDesktop(
  options: { as?: 'nobody'; auth?: boolean; wm?: boolean } = {},
): Promise<XDesktopRig> {
  const dir = mkdtempSync(join(tmpdir(), 'invigil-xdesk-'));
  chmodSync(dir, 0o755);
  const ids = options.as === 'nobody' ? nobodyIds() : null;
  let auth: string | null = null;
  if (options.auth) {
    auth = join(dir, 'serverauth');
    const cookie = execFileSync('openssl', ['rand', '-hex', '16'], { encoding: 'utf8' }).trim();
    // One FamilyWild entry (any address, any display number), as `xauth add :N . COOKIE` writes.
    writeFileSync(
      auth,
      Buffer.concat([
        u16(0xffff),
        str(''),
        str(''),
        str('MIT-MAGIC-COOKIE-1'),
        str(Buffer.from(cookie, 'hex')),
      ]),
    );
    if (ids) chownSync(auth, ids.uid, ids.gid);
    chmodSync(auth, 0o600);
  }
  const asUser = (cmd: string, args: string[]): [string, string[]] =>
    ids ? ['setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', cmd, ...args]] : [cmd, args];
  const [cmd, args] = asUser('Xvfb', [
    '-displayfd',
    '3',
    '-nolisten',
    'tcp',
    '-screen',
    '0',
    '1280x800x24',
    ...(auth ? ['-auth', auth] : []),
  ]);
  const server = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  children.add(server);
  const number = await new Promise<number>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error('Xvfb did not start in 15 s')), 15_000);
    (server.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes('\n')) {
        clearTimeout(timer);
        resolve(Number(text.trim()));
      }
    });
    server.once('exit', () => reject(new Error('Xvfb exited at start')));
  });
  const display = `:${number}`;
  const env = { ...process.env, DISPLAY: display, ...(auth ? { XAUTHORITY: auth } : {}) };
  const start = (file: string, a: string[]) => {
    const [c, ca] = asUser(file, a);
    const child = spawn(c, ca, { env, stdio: 'ignore' });
    children.add(child);
    return child;
  };
  const clientList = () => {
    const out = execFileSync('xprop', ['-root', '_NET_CLIENT_LIST'], { env, encoding: 'utf8' });
    return [...out.matchAll(/0x[0-9a-f]+/g)].map((m) => Number(m[0]));
  };
  /** Ids of the root window's children (top-level windows and the window manager's frames). */
  const windowIds = () => {
    const out = execFileSync('xwininfo', ['-root', '-children'], { env, encoding: 'utf8' });
    return new Set([...out.matchAll(/^\s+(0x[0-9a-f]+)/gm)].map((m) => m[1] as string));
  };
  if (options.wm !== false) {
    start('openbox', ['--sm-disable']);
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        const out = execFileSync('xprop', ['-root', '_NET_SUPPORTING_WM_CHECK'], {
          env,
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        });
        if (out.includes('window id')) break;
      } catch {}
      if (Date.now() > deadline) throw new Error('openbox did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    display,
    number,
    pid: server.pid as number,
    dir,
    auth,
    start,
    clientList,
    async window(file, a, o = {}) {
      // A window that was not there before, by id: counting windows is wrong while an earlier test's
      // window (or its frame, which the window manager destroys a moment after the client) is still
      // going away, since the count can stay the same as one window leaves and this one arrives.
      const before = windowIds();
      const child = start(file, o.name ? ['-name', o.name, ...a] : a);
      const deadline = Date.now() + 10_000;
      while (![...windowIds()].some((id) => !before.has(id))) {
        if (child.exitCode !== null) throw new Error(`${file} exited before it showed a window`);
        if (Date.now() > deadline) {
          await ended(child);
          throw new Error(`${file} showed no window in 10 s`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      return child;
    },
    async stop() {
      for (const c of [...children].reverse()) await ended(c);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Kills a child started here and resolves once it has exited (its X connection, and so its windows, gone). */
export async function ended(c: ChildProcess): Promise<void> {
  if (c.exitCode === null && c.signalCode === null) {
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await gone;
  }
  children.delete(c);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
function str(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
  return Buffer.concat([u16(b.length), b]);
}

/**
 * A copy of a program under another name, in a folder only root can write to (as an installed program
 * is) or in a user's folder (as a candidate's copy is). Returns its path.
 */
export function copyProgram(
  source: string,
  name: string,
  where: 'installed' | 'user-folder',
): { file: string; remove(): void } {
  const parent = where === 'installed' ? '/var/lib' : tmpdir();
  const dir = mkdtempSync(join(parent, 'invigil-prog-'));
  chmodSync(dir, 0o755);
  const file = join(dir, name);
  copyFileSync(source, file);
  chmodSync(file, 0o755);
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Safety net for afterAll. */
export function killAllDesktopChildren(): void {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
}

/** This user's name (root in CI). */
export const whoami = () => userInfo().username;
