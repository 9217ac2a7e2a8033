/**
 * Which process is at the other end of a local-socket connection, from the kernel:
 * - Linux (ran for real): getsockopt(SO_PEERCRED) on the accepted socket: the pid, uid and gid of the
 *   process that connected, recorded by the kernel at connect(2) (socket(7), unix(7)).
 * - macOS (written from documentation, not run): getsockopt(SOL_LOCAL, LOCAL_PEERPID) (sys/un.h).
 * - Windows: the named pipe's client process id comes from GetNamedPipeClientProcessId on the pipe's
 *   server handle, which Node does not expose; kiosk-agent/link-trust/windows-pipe.ts serves the pipe
 *   through the Win32 API instead and hands the pid over with each connection.
 *
 * Node has no getsockopt, so the call goes through koffi (a maintained C FFI with prebuilt binaries in
 * its npm package). Without koffi the agent cannot tell who connected, and refuses every host (fail
 * closed) with a log line saying why.
 */
import type { Socket } from 'node:net';
import { requireKoffi } from './process-info.ts';

export interface PeerCredentials {
  pid: number;
  uid: number | null;
  gid: number | null;
}

type GetSockOpt = (fd: number, level: number, name: number, out: unknown, len: number[]) => number;
let getsockopt: { call: GetSockOpt; kind: 'ucred' | 'int' } | Error | undefined;

function loadGetSockOpt(): { call: GetSockOpt; kind: 'ucred' | 'int' } | Error {
  if (getsockopt !== undefined) return getsockopt;
  try {
    const koffi = requireKoffi();
    if (process.platform === 'linux') {
      const libc = koffi.load('libc.so.6');
      koffi.struct('invigil_ucred', { pid: 'int32', uid: 'uint32', gid: 'uint32' });
      getsockopt = {
        call: libc.func(
          'int getsockopt(int fd, int level, int name, _Out_ invigil_ucred *val, _Inout_ uint32_t *len)',
        ) as GetSockOpt,
        kind: 'ucred',
      };
    } else if (process.platform === 'darwin') {
      const libc = koffi.load('libSystem.B.dylib');
      getsockopt = {
        call: libc.func(
          'int getsockopt(int fd, int level, int name, _Out_ int32_t *val, _Inout_ uint32_t *len)',
        ) as GetSockOpt,
        kind: 'int',
      };
    } else {
      getsockopt = new Error(`no peer credentials on ${process.platform} sockets`);
    }
  } catch (error) {
    getsockopt = new Error(`koffi could not be loaded (${(error as Error).message})`);
  }
  return getsockopt;
}

const SOL_SOCKET = 1;
const SO_PEERCRED = 17;
const SOL_LOCAL = 0;
const LOCAL_PEERPID = 0x002;

/** The connecting process of an accepted Unix-socket connection. Throws with the reason when unknown. */
export function peerCredentials(socket: Socket): PeerCredentials {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('the connection has no file descriptor');
  const fn = loadGetSockOpt();
  if (fn instanceof Error) throw fn;
  if (fn.kind === 'ucred') {
    const out: { pid?: number; uid?: number; gid?: number } = {};
    const rc = fn.call(fd, SOL_SOCKET, SO_PEERCRED, out, [12]);
    if (rc !== 0 || !out.pid) throw new Error('getsockopt(SO_PEERCRED) failed');
    return { pid: out.pid, uid: out.uid ?? null, gid: out.gid ?? null };
  }
  const pid = [0];
  const rc = fn.call(fd, SOL_LOCAL, LOCAL_PEERPID, pid, [4]);
  if (rc !== 0 || !pid[0]) throw new Error('getsockopt(LOCAL_PEERPID) failed');
  return { pid: pid[0], uid: null, gid: null };
}
