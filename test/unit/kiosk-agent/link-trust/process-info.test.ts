import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { peerCredentials } from '../../../../kiosk-agent/link-trust/peer-credentials.ts';
import {
  linuxProcessFacts,
  parseEnviron,
  parsePsLine,
  parseWin32ProcessJson,
  splitWindowsCommandLine,
} from '../../../../kiosk-agent/link-trust/process-info.ts';

const FIXTURES = resolve(import.meta.dirname, '../../../fixtures/windows');

describe('what the OS says about a process', () => {
  test('Linux: this very process, from /proc', () => {
    const f = linuxProcessFacts(process.pid);
    expect(f.executable).toBe(realpathSync(process.execPath));
    expect(f.argv?.[0]).toBe(process.argv0);
    expect(f.environment?.get('PATH')).toBe(process.env.PATH);
    expect(f.parentPid).toBe(process.ppid);
    expect(f.uid).toBe(process.getuid?.());
    expect(f.user).toBe('root');
    expect(linuxProcessFacts(2 ** 22 + 7).executable).toBeNull();
  });

  test('Linux: the kernel names the process at the other end of a Unix socket (SO_PEERCRED)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'invigil-peer-'));
    const path = join(dir, 's.sock');
    try {
      const peer = await new Promise<ReturnType<typeof peerCredentials>>((resolvePeer, reject) => {
        const server = createServer((s) => {
          try {
            resolvePeer(peerCredentials(s));
          } catch (error) {
            reject(error);
          }
          s.destroy();
          server.close();
        });
        server.listen(path, () => connect(path).on('error', () => {}));
      });
      expect(peer).toEqual({ pid: process.pid, uid: process.getuid?.(), gid: process.getgid?.() });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an environment block splits on NUL, values may hold "="', () => {
    expect([...parseEnviron('A=1\0B=x=y\0\0')]).toEqual([
      ['A', '1'],
      ['B', 'x=y'],
    ]);
  });

  test('Windows: a command line splits as the C runtime splits it', () => {
    expect(splitWindowsCommandLine('"C:\\Program Files\\n.exe" a "b c" d\\"e "f\\\\" g\\\\h')).toEqual([
      'C:\\Program Files\\n.exe',
      'a',
      'b c',
      'd"e',
      'f\\',
      'g\\\\h',
    ]);
    expect(splitWindowsCommandLine('C:\\x.exe   ')).toEqual(['C:\\x.exe']);
  });

  test('Windows: Win32_Process as ConvertTo-Json prints it (fixture)', () => {
    const f = parseWin32ProcessJson(readFileSync(join(FIXTURES, 'win32-process.json'), 'utf8'), 7412);
    expect(f).toMatchObject({
      pid: 7412,
      parentPid: 6120,
      executable: 'C:\\Program Files\\nodejs\\node.exe',
      user: 'EXAM-PC-07\\candidate',
      environment: null,
    });
    expect(f.argv).toEqual([
      'C:\\Program Files\\nodejs\\node.exe',
      'C:\\Program Files\\Invigil\\node_modules\\invigil\\dist\\cli\\invigil.js',
      'native-host',
      '--socket',
      '\\\\.\\pipe\\invigil-agent',
      'chrome-extension://lafjhoockmahiigmahjcfjehlcadimim/',
      '--parent-window=0',
    ]);
    expect(parseWin32ProcessJson('', 1).executable).toBeNull();
  });

  test('macOS: ps -o ppid=,uid=,user= (format from ps(1))', () => {
    expect(parsePsLine('  412   501 candidate\n')).toEqual({ parentPid: 412, uid: 501, user: 'candidate' });
    expect(parsePsLine('')).toBeNull();
  });
});
