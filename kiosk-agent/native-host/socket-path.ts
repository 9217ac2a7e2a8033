/**
 * Where the agent's local socket lives. Only the same user (or root) may open it: on Unix a socket
 * with mode 0600 inside a folder with mode 0700 owned by that user; on Windows a named pipe per
 * user. The default depends only on the user id, not on environment variables, because the
 * browser starts the native host with a minimal environment and both ends must agree.
 */
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';

export function defaultSocketPath(): string {
  if (process.platform === 'win32') {
    return `\\\\.\\pipe\\invigil-agent-${userInfo().username.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
  }
  const uid = process.getuid?.() ?? 0;
  const runtime = `/run/user/${uid}`;
  if (process.platform === 'linux' && existsSync(runtime)) return join(runtime, 'invigil', 'agent.sock');
  return join(tmpdir(), `invigil-${uid}`, 'agent.sock');
}

export const isNamedPipe = (path: string) =>
  path.startsWith('\\\\.\\pipe\\') || path.startsWith('\\\\?\\pipe\\');

/**
 * Who may open the agent's socket: `user`, the agent's own user (and root); `group`, also the
 * agent's group. The deployed service runs as root with the seat account's group (see
 * deploy/service/definitions.ts), so the browser's native host, running as that account, can connect.
 */
export type SocketAccess = 'user' | 'group';

/** Permissions of the socket and its folder for each kind of access. */
export const SOCKET_MODES: Record<SocketAccess, { dir: number; socket: number }> = {
  user: { dir: 0o700, socket: 0o600 },
  group: { dir: 0o750, socket: 0o660 },
};

/**
 * Creates the socket's folder or checks that an existing one is ours and no more open than it
 * should be: a folder that someone else made, or that others can enter, could let them listen in
 * our place.
 */
export function preparePrivateDir(socketPath: string, access: SocketAccess = 'user'): void {
  if (process.platform === 'win32' || isNamedPipe(socketPath)) return;
  const dir = dirname(socketPath);
  const mode = SOCKET_MODES[access].dir;
  mkdirSync(dir, { recursive: true, mode });
  const st = lstatSync(dir);
  const uid = process.getuid?.();
  if (!st.isDirectory()) throw new Error(`${dir} is not a folder`);
  if (uid !== undefined && st.uid !== uid) {
    throw new Error(`${dir} belongs to another user (uid ${st.uid}); remove it or choose another --socket`);
  }
  if ((st.mode & 0o777) !== mode) chmodSync(dir, mode);
  // In group mode the folder's group is the one let in: the agent's own.
  const gid = process.getgid?.();
  if (access === 'group' && gid !== undefined && st.gid !== gid) chownSync(dir, st.uid, gid);
}
