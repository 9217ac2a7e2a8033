/**
 * Where the agent's local socket lives. Only the same user (or root) may open it: on Unix a socket
 * with mode 0600 inside a folder with mode 0700 owned by that user; on Windows a named pipe per
 * user. The default depends only on the user id, not on environment variables, because the
 * browser starts the native host with a minimal environment and both ends must agree.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync } from 'node:fs';
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
 * Creates the socket's folder (0700) or checks that an existing one is ours and private: a folder
 * that someone else made, or that others can enter, could let them listen in our place.
 */
export function preparePrivateDir(socketPath: string): void {
  if (process.platform === 'win32' || isNamedPipe(socketPath)) return;
  const dir = dirname(socketPath);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  const uid = process.getuid?.();
  if (!st.isDirectory()) throw new Error(`${dir} is not a folder`);
  if (uid !== undefined && st.uid !== uid) {
    throw new Error(`${dir} belongs to another user (uid ${st.uid}); remove it or choose another --socket`);
  }
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}
