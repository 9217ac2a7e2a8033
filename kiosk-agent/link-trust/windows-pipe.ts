/**
 * Windows: the agent's named pipe, served through the Win32 API so that the agent knows which process
 * connected. WRITTEN FROM DOCUMENTATION, NOT RUN (no Windows machine exists where this project is
 * tested); everything it feeds (process-info.ts, connector.ts) is tested on fixtures.
 *
 * Node serves named pipes through libuv and never exposes the pipe's server handle, and
 * GetNamedPipeClientProcessId needs exactly that handle. So the agent creates each pipe instance
 * itself (CreateNamedPipeW), waits for a client on a worker thread (ConnectNamedPipe, through koffi's
 * asynchronous calls), asks GetNamedPipeClientProcessId who it is, and then hands the connected handle
 * to Node: `uv_open_osfhandle`, which node.exe exports for native add-ons, turns the handle into a file
 * descriptor of Node's own C runtime, and `new net.Socket({ fd })` wraps it (libuv's uv_pipe_open reads
 * a pipe opened without FILE_FLAG_OVERLAPPED on its thread pool). References: Microsoft Learn,
 * "CreateNamedPipeW", "ConnectNamedPipe", "GetNamedPipeClientProcessId",
 * "ConvertStringSecurityDescriptorToSecurityDescriptorW"; libuv's uv_open_osfhandle and uv_pipe_open.
 *
 * The pipe's access list (SDDL `D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;GRGW;;;IU)`): full control for
 * LocalSystem (the agent) and administrators, read and write for interactive users (the seat account
 * and its browser), nothing for network logons (PIPE_REJECT_REMOTE_CLIENTS as well).
 */
import { Socket } from 'node:net';
import { requireKoffi } from './process-info.ts';

const PIPE_ACCESS_DUPLEX = 0x3;
const FILE_FLAG_FIRST_PIPE_INSTANCE = 0x80000;
const PIPE_TYPE_BYTE = 0x0;
const PIPE_READMODE_BYTE = 0x0;
const PIPE_WAIT = 0x0;
const PIPE_REJECT_REMOTE_CLIENTS = 0x8;
const PIPE_UNLIMITED_INSTANCES = 255;
const SDDL_REVISION_1 = 1;
export const PIPE_SDDL = 'D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;GRGW;;;IU)';

type Fn = ((...args: unknown[]) => unknown) & { async(...args: unknown[]): void };

interface Win32 {
  createPipe(name: string, first: boolean): unknown;
  connect(handle: unknown, done: (connected: boolean) => void): void;
  clientPid(handle: unknown): number | null;
  close(handle: unknown): void;
  toFd(handle: unknown): number;
}

function win32(): Win32 {
  const koffi = requireKoffi();
  const kernel32 = koffi.load('kernel32.dll');
  const advapi32 = koffi.load('advapi32.dll');
  const node = koffi.load(process.execPath);
  const HANDLE = koffi.pointer('INVIGIL_HANDLE', koffi.opaque());
  const SECURITY_ATTRIBUTES = koffi.struct('INVIGIL_SECURITY_ATTRIBUTES', {
    nLength: 'uint32',
    lpSecurityDescriptor: 'void *',
    bInheritHandle: 'int',
  });
  const convert = advapi32.func(
    'int __stdcall ConvertStringSecurityDescriptorToSecurityDescriptorW(str16 sddl, uint32 revision, _Out_ void **sd, void *size)',
  ) as Fn;
  const create = kernel32.func('__stdcall', 'CreateNamedPipeW', HANDLE, [
    'str16',
    'uint32',
    'uint32',
    'uint32',
    'uint32',
    'uint32',
    'uint32',
    koffi.pointer(SECURITY_ATTRIBUTES),
  ]) as Fn;
  const connectPipe = kernel32.func('__stdcall', 'ConnectNamedPipe', 'int', [HANDLE, 'void *']) as Fn;
  const clientPid = kernel32.func('__stdcall', 'GetNamedPipeClientProcessId', 'int', [
    HANDLE,
    koffi.out(koffi.pointer('uint32')),
  ]) as Fn;
  const closeHandle = kernel32.func('__stdcall', 'CloseHandle', 'int', [HANDLE]) as Fn;
  const openOsfHandle = node.func('int uv_open_osfhandle(void *os_fd)') as Fn;

  const sd: unknown[] = [null];
  if (!convert(PIPE_SDDL, SDDL_REVISION_1, sd, null)) throw new Error('could not build the pipe access list');
  const attributes = {
    nLength: koffi.sizeof(SECURITY_ATTRIBUTES),
    lpSecurityDescriptor: sd[0],
    bInheritHandle: 0,
  };
  const invalid = (h: unknown) => h === null || koffi.address(h) === 0xffffffffffffffffn;

  return {
    createPipe(name, first) {
      const h = create(
        name,
        PIPE_ACCESS_DUPLEX | (first ? FILE_FLAG_FIRST_PIPE_INSTANCE : 0),
        PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS,
        PIPE_UNLIMITED_INSTANCES,
        64 * 1024,
        64 * 1024,
        0,
        attributes,
      );
      if (invalid(h)) {
        throw new Error(
          first
            ? `another Invigil agent is already serving ${name}, or it cannot be created`
            : `cannot create another instance of ${name}`,
        );
      }
      return h;
    },
    connect(handle, done) {
      // Blocks a worker thread until a client connects. A client that connected between
      // CreateNamedPipeW and this call makes it return 0 (ERROR_PIPE_CONNECTED): the pid tells.
      connectPipe.async(handle, null, (error: unknown, ok: unknown) =>
        done(!error && (Boolean(ok) || this.clientPid(handle) !== null)),
      );
    },
    clientPid(handle) {
      const out = [0];
      return clientPid(handle, out) && out[0] ? (out[0] as number) : null;
    },
    close(handle) {
      closeHandle(handle);
    },
    toFd(handle) {
      return openOsfHandle(handle) as number;
    },
  };
}

/** Serves a named pipe, one instance waiting at a time; each client arrives with its process id. */
export class WindowsPipeServer {
  private api: Win32 | null = null;
  private waiting: unknown = null;
  private stopped = false;

  constructor(
    private readonly name: string,
    private readonly onConnection: (socket: Socket, pid: number | null) => void,
    private readonly onError: (error: Error) => void,
  ) {}

  /** Creates the first instance (fails when another agent serves this name) and starts waiting. */
  listen(): void {
    this.api = win32();
    this.waiting = this.api.createPipe(this.name, true);
    this.wait();
  }

  private wait(): void {
    const api = this.api;
    const handle = this.waiting;
    if (!api || this.stopped) return;
    api.connect(handle, (connected) => {
      if (this.stopped) return api.close(handle);
      try {
        this.waiting = api.createPipe(this.name, false);
      } catch (error) {
        this.onError(error as Error);
        this.waiting = null;
      }
      if (connected) {
        const pid = api.clientPid(handle);
        const socket = new Socket({ fd: api.toFd(handle), readable: true, writable: true });
        this.onConnection(socket, pid);
      } else api.close(handle);
      if (this.waiting) this.wait();
    });
  }

  close(): void {
    this.stopped = true;
    // A worker thread still waits in ConnectNamedPipe: a last connection of our own releases it.
    if (this.waiting && this.api) {
      const s = new Socket();
      s.on('error', () => {});
      s.connect(this.name, () => s.destroy());
    }
  }
}
