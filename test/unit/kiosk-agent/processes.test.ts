import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import {
  evaluateProcesses,
  inUserWritableFolder,
  ProcScanner,
  type RunningProcess,
} from '../../../kiosk-agent/checks/processes.ts';
import {
  parseVersionInfoOutput,
  subjectOrganisation,
  versionInfoScript,
} from '../../../kiosk-agent/checks/windows-version-info.ts';
import { indexProcessCatalog } from '../../../shared/catalogs/processes.ts';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/windows');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const lines = (results: ReturnType<typeof evaluateProcesses>) =>
  Object.fromEntries(results.map((r) => [r.id, r.findings.map((f) => f.subject)]));

describe('matching running programs', () => {
  test('each category has its own checklist line; the managed browser is not "another browser"', () => {
    const list: RunningProcess[] = [
      { pid: 10, name: 'chromium' },
      { pid: 11, name: 'chrome' },
      { pid: 12, name: 'bitwarden' },
      { pid: 13, name: 'bitwarden' },
      { pid: 14, name: 'sleep' },
    ];
    const results = evaluateProcesses(list, indexProcessCatalog('linux'), 'chromium');
    expect(lines(results)).toEqual({
      'password-manager': ['Bitwarden'],
      'remote-access': [],
      'screen-recorder': [],
      'screenshot-tool': [],
      'ai-assistant': [],
      messaging: [],
      'media-player': [],
      'system-tool': [],
      'other-browser': ['Google Chrome'],
    });
    const bw = results[0]?.findings[0];
    expect(bw?.message).toBe('Bitwarden, a password manager, is running (process bitwarden, pid 12, 13).');
    expect(bw?.details).toMatchObject({ pids: '12,13', count: 2 });
    expect(results.find((r) => r.id === 'other-browser')?.findings[0]?.severity).toBe('warn');
    expect(results[1]).toMatchObject({
      status: 'pass',
      summary: 'No remote-access, remote-control or screen-sharing program is running.',
    });
  });

  test('Windows: a renamed copy is caught by the original file name in its version information', () => {
    const infos = parseVersionInfoOutput(readFileSync(join(FIXTURES, 'version-info.json'), 'utf8'));
    expect(infos).toHaveLength(4);
    const byPath = new Map(infos.map((i) => [i.path, i.originalFileName]));
    const list: RunningProcess[] = [
      { pid: 4242, name: 'notes.exe', path: 'C:\\Users\\candidate\\Downloads\\notes.exe' },
      { pid: 77, name: 'svchost.exe', path: 'C:\\Windows\\System32\\svchost.exe' },
      { pid: 78, name: 'portable.exe', path: 'C:\\Tools\\portable.exe' },
    ].map((p) => ({ ...p, originalFileName: byPath.get(p.path) ?? undefined }) as RunningProcess);
    const results = evaluateProcesses(list, indexProcessCatalog('windows'), 'chrome');
    expect(lines(results)['password-manager']).toEqual(['KeePassXC']);
    expect(results[0]?.findings[0]?.message).toBe(
      'KeePassXC, a password manager, is running under another name (notes.exe; its original file name is KeePassXC.exe), started from C:\\Users\\candidate\\Downloads, a folder users can write to.',
    );
    expect(results.flatMap((r) => r.findings)).toHaveLength(1);
  });

  test('Windows: one process gives ConvertTo-Json an object, not a list', () => {
    const one = parseVersionInfoOutput(readFileSync(join(FIXTURES, 'version-info-single.json'), 'utf8'));
    expect(one).toEqual([
      {
        path: 'C:\\Users\\candidate\\Downloads\\notes.exe',
        originalFileName: 'KeePassXC.exe',
        productName: 'KeePassXC',
        publisher: null,
      },
    ]);
    expect(parseVersionInfoOutput('')).toEqual([]);
  });

  test('Windows: the PowerShell command quotes every path literally', () => {
    const script = versionInfoScript(["C:\\it's here\\a.exe", 'C:\\b.exe']);
    expect(script).toContain("Get-Item -LiteralPath 'C:\\it''s here\\a.exe','C:\\b.exe'");
    expect(script).toContain('ConvertTo-Json -Compress');
  });
});

describe('the /proc scan', () => {
  function fakeProc(): string {
    const root = mkdtempSync(join(tmpdir(), 'invigil-proc-tree-'));
    dirs.push(root);
    return root;
  }
  function proc(root: string, pid: number, comm: string, cmdline: string) {
    mkdirSync(join(root, String(pid)), { recursive: true });
    writeFileSync(join(root, String(pid), 'comm'), `${comm}\n`);
    writeFileSync(join(root, String(pid), 'cmdline'), cmdline);
  }

  test('names processes by argv[0] as systeminformation does, beyond the 15 characters of comm', () => {
    const root = fakeProc();
    proc(root, 1, 'systemd', '/sbin/init\0splash\0');
    proc(root, 2, 'kthreadd', '');
    proc(root, 30, 'simplescreenrec', '/usr/bin/simplescreenrecorder\0--start-hidden\0');
    proc(root, 31, 'sshd', 'sshd: candidate@pts/0\0');
    mkdirSync(join(root, 'self'));
    expect(new ProcScanner(root).scan()).toEqual([
      { pid: 1, name: 'init', comm: 'systemd', argv: ['/sbin/init', 'splash'] },
      { pid: 2, name: 'kthreadd', comm: 'kthreadd' },
      {
        pid: 30,
        name: 'simplescreenrecorder',
        comm: 'simplescreenrec',
        argv: ['/usr/bin/simplescreenrecorder', '--start-hidden'],
      },
      { pid: 31, name: 'sshd', comm: 'sshd', argv: ['sshd: candidate@pts/0'] },
    ]);
  });

  test('a process that execs another program is seen under its new name', () => {
    const root = fakeProc();
    proc(root, 40, 'sh', '/bin/sh\0launcher\0');
    const scanner = new ProcScanner(root);
    expect(scanner.scan()[0]?.name).toBe('sh');
    proc(root, 40, 'keepassxc', '/usr/bin/keepassxc\0');
    expect(scanner.scan()[0]?.name).toBe('keepassxc');
    rmSync(join(root, '40'), { recursive: true });
    expect(scanner.scan()).toEqual([]);
  });
});

describe('programs known by what runs', () => {
  test('Linux: a process named "notes" whose executable is keepassxc is KeePassXC', () => {
    const results = evaluateProcesses(
      [{ pid: 900, name: 'notes', comm: 'notes', exe: '/usr/bin/keepassxc' }],
      indexProcessCatalog('linux'),
      'chromium',
    );
    expect(results[0]?.findings[0]?.message).toBe(
      'KeePassXC, a password manager, is running (process notes, pid 900; it runs keepassxc).',
    );
    expect(results[0]?.findings[0]?.details).toMatchObject({ path: '/usr/bin/keepassxc' });
  });

  test('folders users can write to: home, /tmp, removable media, or any folder not locked to root', () => {
    const rootOnly = () => ({ uid: 0, mode: 0o40755 });
    for (const f of [
      '/home/exam/keepassxc',
      '/tmp/x/keepassxc',
      '/media/usb/keepassxc',
      '/run/media/exam/usb/k',
    ]) {
      expect(inUserWritableFolder(f, rootOnly)).toBe(true);
    }
    expect(inUserWritableFolder('/usr/bin/keepassxc', rootOnly)).toBe(false);
    expect(
      inUserWritableFolder('/opt/tools/keepassxc', (p) =>
        p === '/opt/tools' ? { uid: 1000, mode: 0o40755 } : rootOnly(),
      ),
    ).toBe(true);
    expect(
      inUserWritableFolder('/opt/tools/keepassxc', (p) =>
        p === '/opt/tools' ? { uid: 0, mode: 0o40777 } : rootOnly(),
      ),
    ).toBe(true);
    // A sticky root folder (like /tmp) lets others add files, not replace a root-owned folder in it.
    expect(
      inUserWritableFolder('/srv/drop/app/k', (p) =>
        p === '/srv/drop' ? { uid: 0, mode: 0o41777 } : rootOnly(),
      ),
    ).toBe(false);
    expect(inUserWritableFolder('C:\\Users\\candidate\\Downloads\\notes.exe')).toBe(true);
    expect(inUserWritableFolder('C:\\Program Files\\KeePassXC\\KeePassXC.exe')).toBe(false);
  });

  test('Windows: a renamed copy with its version information stripped is known by its valid signature (fixture)', () => {
    const infos = parseVersionInfoOutput(readFileSync(join(FIXTURES, 'version-info-signed.json'), 'utf8'));
    expect(infos.map((i) => i.publisher)).toEqual(['AgileBits Inc.', null, 'Google LLC', null]);
    const list: RunningProcess[] = infos.map((i, n) => ({
      pid: 100 + n,
      name: i.path.split('\\').pop() as string,
      path: i.path,
      ...(i.publisher ? { publisher: i.publisher } : {}),
    }));
    const results = evaluateProcesses(list, indexProcessCatalog('windows'), 'chrome');
    expect(lines(results)['password-manager']).toEqual(['1Password']);
    expect(results[0]?.findings[0]?.message).toBe(
      '1Password, a password manager, is running under another name (notes.exe; it is signed by AgileBits Inc.), started from C:\\Users\\candidate\\Downloads, a folder users can write to.',
    );
    // A signature Windows does not call valid (HashMismatch: the file was changed) names no one.
    expect(results.flatMap((r) => r.findings)).toHaveLength(1);
  });

  test('the organisation of a certificate subject, quotes and all', () => {
    expect(subjectOrganisation('CN=AgileBits Inc., O=AgileBits Inc., L=Toronto, C=CA')).toBe(
      'AgileBits Inc.',
    );
    expect(subjectOrganisation('CN="DroidMonkey Apps, LLC", O="DroidMonkey Apps, LLC", C=US')).toBe(
      'DroidMonkey Apps, LLC',
    );
    expect(subjectOrganisation('CN=Someone')).toBe('Someone');
  });
});

test('on a Firefox seat Firefox is the managed browser and Chromium-family browsers are "other"', () => {
  const list: RunningProcess[] = [
    { pid: 20, name: 'firefox-esr' },
    { pid: 21, name: 'chromium' },
    { pid: 22, name: 'msedge' },
  ];
  const other = (managed: 'firefox' | 'chromium') =>
    evaluateProcesses(list, indexProcessCatalog('linux'), managed)
      .find((r) => r.id === 'other-browser')
      ?.findings.map((f) => f.subject);
  expect(other('firefox')).toEqual(['Chromium', 'Microsoft Edge']);
  expect(other('chromium')).toEqual(['Firefox', 'Microsoft Edge']);
});

describe('the processes check', () => {
  test('writes one line per catalog category and the browser launch line, from one listing', async () => {
    const { processLines } = await import('../../../kiosk-agent/checks/index.ts');
    const { defaultConfig } = await import('../../../kiosk-agent/config.ts');
    const lines = processLines([{ pid: 3, name: 'ollama' }], defaultConfig());
    expect(lines.map((l) => [l.id, l.status])).toEqual([
      ['password-manager', 'pass'],
      ['remote-access', 'pass'],
      ['screen-recorder', 'pass'],
      ['screenshot-tool', 'pass'],
      ['ai-assistant', 'fail'],
      ['messaging', 'pass'],
      ['media-player', 'pass'],
      ['system-tool', 'pass'],
      ['other-browser', 'pass'],
      ['browser-launch', 'pass'],
    ]);
  });
});
