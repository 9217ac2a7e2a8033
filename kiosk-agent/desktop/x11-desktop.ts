/**
 * The candidate's X display, watched through one long-lived X connection (the `x11` npm package, a
 * maintained pure-JavaScript X11 client with the X-Resource and RandR extensions; no native code,
 * nothing spawned):
 *
 * - which windows are on the desktop: the window manager's client list (`_NET_CLIENT_LIST`: every
 *   managed window, minimized ones too) and every mapped top-level window (what a client list never
 *   holds: override-redirect windows, such as an overlay that keeps itself out of the taskbar, and
 *   every window when no window manager runs);
 * - whose each window is: the X-Resource extension's `QueryClientIds` (LocalClientPID), the process
 *   the X server itself knows for the connection that created the window. `_NET_WM_PID` is what a
 *   program says about itself, and not every program sets it (xmessage does not);
 * - when that changes: the server's notifications on the root window (a top-level window created,
 *   mapped, unmapped, destroyed or reparented; the client list rewritten), so the agent lists windows
 *   only when something changed, and at once;
 * - when the monitors change: RandR's screen-change notification (the displays check then lists them).
 */

import { createRequire } from 'node:module';
import { connect, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { peerCredentials } from '../link-trust/peer-credentials.ts';
import {
  chooseDisplay,
  cookieFromXauthority,
  type DisplayChoice,
  listXServers,
  logindSessions,
  readAuthorityFile,
} from './x11-session.ts';

export interface XWindow {
  id: number;
  /** The process that created it, as the X server knows it; null for a client it cannot tell (remote). */
  pid: number | null;
  /** WM_CLASS's class, or its instance. */
  wmClass: string | null;
  title: string | null;
  /** In the window manager's client list (a managed application window). */
  managed: boolean;
}

type Cb<T> = (err: Error | null | undefined, value: T) => void;
interface XClient {
  InternAtom(onlyIfExists: boolean, name: string, cb: Cb<number>): void;
  GetProperty(
    del: number,
    wid: number,
    prop: number,
    type: number,
    offset: number,
    length: number,
    cb: Cb<{ type: number; data?: Buffer }>,
  ): void;
  QueryTree(wid: number, cb: Cb<{ children: number[] }>): void;
  GetWindowAttributes(
    wid: number,
    cb: Cb<{ mapState: number; overrideRedirect: number; klass: number }>,
  ): void;
  ChangeWindowAttributes(wid: number, values: { eventMask: number }, cb?: Cb<unknown>): void;
  require(name: string, cb: Cb<XExtension>): void;
  on(event: 'event', fn: (ev: { name?: string; type: number; atom?: number; wid?: number }) => void): void;
  on(event: 'error' | 'end' | 'close', fn: (err?: Error) => void): void;
  terminate?(): void;
}
interface XExtension {
  GetScreenResources(win: number, cb: Cb<unknown>): void;
  QueryClientIds(
    specs: { client: number; mask: number }[],
    cb: Cb<{ client: number; value: number[] }[]>,
  ): void;
  SelectInput(win: number, mask: number): void;
  NotifyMask: Record<string, number>;
}
interface XDisplayInfo {
  client: XClient;
  screen: { root: number }[];
  resource_mask: number;
}
interface X11Module {
  createClient(options: Record<string, unknown>, cb: Cb<XDisplayInfo>): XClient;
  eventMask: Record<string, number>;
}

let x11Module: X11Module | undefined;
/** Loaded on first use: a seat without X never pays for it. */
function x11(): X11Module {
  x11Module ??= createRequire(import.meta.url)('x11') as X11Module;
  return x11Module;
}

const XA_STRING = 31;
const XA_WM_NAME = 39;
const XA_WM_CLASS = 67;
const XA_WINDOW = 33;
const MAP_VIEWABLE = 2;
const INPUT_OUTPUT = 1;
const LOCAL_CLIENT_PID = 2;

/** Runs a callback-style X request as a promise. */
function call<T>(fn: (cb: Cb<T>) => void): Promise<T> {
  return new Promise((resolve, reject) =>
    fn((err, value) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(value))),
  );
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} got no answer from the X server in ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export interface XDesktopOptions {
  /** desktop.display and desktop.xauthority from the seat's config. */
  display?: string | undefined;
  xauthority?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Skip the peer check (tests of an X server the agent did not start as root cannot always read /proc). */
  requireServerPeer?: boolean;
}

/** Opens the socket of display :N and checks the kernel says the X server we found is at its end. */
async function openDisplaySocket(choice: DisplayChoice, requirePeer: boolean): Promise<Socket> {
  const path = `/tmp/.X11-unix/X${choice.display}`;
  const socket = connect(path);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', (e) =>
      reject(new Error(`cannot open X display :${choice.display} (${path}): ${e.message}`)),
    );
  });
  if (requirePeer) {
    let pid: number;
    try {
      pid = peerCredentials(socket).pid;
    } catch (error) {
      socket.destroy();
      throw new Error(`cannot tell who serves ${path}: ${(error as Error).message}`);
    }
    const server = listXServers().find((s) => s.pid === pid);
    if (!server) {
      socket.destroy();
      throw new Error(`${path} is served by process ${pid}, which is not an X server`);
    }
  }
  return socket;
}

export class XDesktop {
  private closed = false;
  private readonly changeListeners = new Set<() => void>();
  private readonly screenListeners = new Set<() => void>();
  private readonly closeListeners = new Set<(why: string) => void>();

  private constructor(
    private readonly X: XClient,
    private readonly root: number,
    private readonly resourceMask: number,
    private readonly atoms: Record<'clientList' | 'wmPid' | 'netWmName' | 'utf8', number>,
    private readonly res: XExtension,
    /** RandR, when the server has it. */
    readonly randr: XExtension | null,
    readonly choice: DisplayChoice,
  ) {}

  /** Finds the candidate's display and connects to it (see x11-session.ts). */
  static async open(options: XDesktopOptions = {}): Promise<XDesktop> {
    const env = options.env ?? process.env;
    const servers = listXServers();
    const choice = chooseDisplay({
      configured: options.display,
      configuredAuth: options.xauthority,
      env,
      servers,
      sessions: logindSessions(),
    });
    const requirePeer = options.requireServerPeer ?? (process.getuid?.() === 0 && choice.server !== null);
    const host = hostname();
    let cookie: Buffer | null = null;
    for (const file of choice.authFiles) {
      const data = readAuthorityFile(file);
      cookie = data ? cookieFromXauthority(data, choice.display, host) : null;
      if (cookie) break;
    }
    const socket = await openDisplaySocket(choice, requirePeer);
    const auth = cookie
      ? { name: 'MIT-MAGIC-COOKIE-1', data: cookie.toString('latin1') }
      : { name: '', data: '' };
    const display = await withTimeout(
      call<XDisplayInfo>((cb) => {
        const client = x11().createClient(
          { stream: socket, display: `:${choice.display}`, auth, disableBigRequests: true },
          cb,
        );
        client.on('error', () => {});
      }),
      5000,
      'opening the display',
    ).catch((error: Error) => {
      socket.destroy();
      throw new Error(
        `cannot open X display :${choice.display} (${choice.how}): ${error.message}${cookie ? '' : choice.authFiles.length > 0 ? ` (no cookie for it in ${choice.authFiles.join(', ')})` : ' (no authority file found; set desktop.xauthority)'}`,
      );
    });
    const X = display.client;
    const root = (display.screen[0] as { root: number }).root;
    const atom = (name: string) => call<number>((cb) => X.InternAtom(false, name, cb));
    const [clientList, wmPid, netWmName, utf8] = await withTimeout(
      Promise.all([atom('_NET_CLIENT_LIST'), atom('_NET_WM_PID'), atom('_NET_WM_NAME'), atom('UTF8_STRING')]),
      5000,
      'naming atoms',
    );
    const res = await withTimeout(
      call<XExtension>((cb) => X.require('res', cb)),
      5000,
      'the X-Resource extension',
    ).catch((error: Error) => {
      socket.destroy();
      throw new Error(
        `X display :${choice.display} has no X-Resource extension, so windows cannot be traced to their programs (${error.message})`,
      );
    });
    const randr = await withTimeout(
      call<XExtension>((cb) => X.require('randr', cb)),
      5000,
      'RandR',
    ).catch(() => null);
    const desktop = new XDesktop(
      X,
      root,
      display.resource_mask,
      { clientList, wmPid, netWmName, utf8 },
      res,
      randr,
      choice,
    );
    desktop.watch(socket);
    return desktop;
  }

  private watch(socket: Socket): void {
    const mask = x11().eventMask;
    this.X.ChangeWindowAttributes(this.root, {
      eventMask: (mask.SubstructureNotify as number) | (mask.PropertyChange as number),
    });
    if (this.randr) this.randr.SelectInput(this.root, this.randr.NotifyMask.ScreenChange as number);
    this.X.on('event', (ev) => {
      const kind = ev.name ?? '';
      if (kind === 'RRScreenChangeNotify') {
        for (const fn of this.screenListeners) fn();
        return;
      }
      if (kind === 'PropertyNotify' && ev.atom !== this.atoms.clientList) return;
      if (
        kind === 'PropertyNotify' ||
        kind === 'CreateNotify' ||
        kind === 'DestroyNotify' ||
        kind === 'MapNotify' ||
        kind === 'UnmapNotify' ||
        kind === 'ReparentNotify'
      ) {
        for (const fn of this.changeListeners) fn();
      }
    });
    const gone = (why: string) => {
      if (this.closed) return;
      this.closed = true;
      for (const fn of this.closeListeners) fn(why);
    };
    socket.on('close', () => gone(`the X server on :${this.choice.display} closed the connection`));
    socket.on('error', (e) => gone(`the connection to :${this.choice.display} failed: ${e.message}`));
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Called (often several times in a row) when windows may have come or gone. */
  onWindowsChanged(fn: () => void): () => void {
    this.changeListeners.add(fn);
    return () => this.changeListeners.delete(fn);
  }

  /** Called when the monitors' layout changed (RandR), when the server has RandR. */
  onScreenChanged(fn: () => void): () => void {
    this.screenListeners.add(fn);
    return () => this.screenListeners.delete(fn);
  }

  onClosed(fn: (why: string) => void): () => void {
    this.closeListeners.add(fn);
    return () => this.closeListeners.delete(fn);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.X.terminate?.();
    } catch {}
  }

  /**
   * Asks the X server to probe its outputs now (RandR GetScreenResources; what `xrandr` without
   * `--current` does): a monitor that sent no hot-plug signal is found, and a change comes back as a
   * screen-change notification.
   */
  async probeOutputs(timeoutMs = 5000): Promise<void> {
    const randr = this.randr;
    if (!randr || this.closed) throw new Error('no RandR on this display');
    await withTimeout(
      call<unknown>((cb) => randr.GetScreenResources(this.root, cb)),
      timeoutMs,
      'probing the outputs',
    );
  }

  /** Every window on the desktop (see the top of this file), with its process. */
  async windows(timeoutMs = 3000): Promise<XWindow[]> {
    if (this.closed) throw new Error(`the connection to X display :${this.choice.display} is closed`);
    return withTimeout(this.listWindows(), timeoutMs, 'listing windows');
  }

  private async listWindows(): Promise<XWindow[]> {
    const X = this.X;
    const [list, tree] = await Promise.all([
      this.property(this.root, this.atoms.clientList, XA_WINDOW, 16_384),
      call<{ children: number[] }>((cb) => X.QueryTree(this.root, cb)),
    ]);
    const managed = new Set<number>();
    if (list?.data) for (let i = 0; i + 4 <= list.data.length; i += 4) managed.add(list.data.readUInt32LE(i));
    // Top-level windows that are showing. A window gone in between answers with an error: not showing.
    const attrs = await Promise.all(
      tree.children.map((w) =>
        call((cb: Cb<{ mapState: number; klass: number }>) => X.GetWindowAttributes(w, cb)).catch(() => null),
      ),
    );
    const showing = tree.children.filter((_, i) => {
      const a = attrs[i];
      return a !== null && a !== undefined && a.mapState === MAP_VIEWABLE && a.klass === INPUT_OUTPUT;
    });
    const all = [...new Set([...managed, ...showing])];
    if (all.length === 0) return [];
    const ids = await call<{ client: number; value: number[] }[]>((cb) =>
      this.res.QueryClientIds(
        all.map((w) => ({ client: w, mask: LOCAL_CLIENT_PID })),
        cb,
      ),
    );
    const pidByClient = new Map<number, number>();
    for (const id of ids) if (id.value[0]) pidByClient.set(id.client >>> 0, id.value[0]);
    const base = (w: number) => (w & ~this.resourceMask) >>> 0;
    return Promise.all(
      all.map(async (id): Promise<XWindow> => {
        const [cls, title, netTitle] = await Promise.all([
          this.property(id, XA_WM_CLASS, XA_STRING, 64),
          this.property(id, XA_WM_NAME, 0, 64),
          this.property(id, this.atoms.netWmName, this.atoms.utf8, 64),
        ]);
        const classes = cls?.data ? cls.data.toString('latin1').split('\0').filter(Boolean) : [];
        const name = netTitle?.data?.length
          ? netTitle.data.toString('utf8')
          : (title?.data?.toString('latin1') ?? '');
        return {
          id,
          pid: pidByClient.get(base(id)) ?? null,
          wmClass: classes[1] ?? classes[0] ?? null,
          title: name ? name.slice(0, 200) : null,
          managed: managed.has(id),
        };
      }),
    );
  }

  /** A property's value (at most `longs` 32-bit units), or null when the window has gone. */
  private property(wid: number, prop: number, type: number, longs: number) {
    return call<{ type: number; data?: Buffer }>((cb) =>
      this.X.GetProperty(0, wid, prop, type, 0, longs, cb),
    ).catch(() => null);
  }
}
