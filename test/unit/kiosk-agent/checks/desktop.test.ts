/**
 * The desktop check's judgement, and the Windows and macOS listings it reads (written from
 * documentation and not run: fixtures of PowerShell's ConvertTo-Json and of our own JXA script's
 * output). The real X display is in test/e2e/kiosk-agent/checks/desktop.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  type DesktopRules,
  evaluateDesktop,
  linuxProgram,
  parseMacosApplications,
  parseWindowsMainWindows,
  programsOfWindows,
} from '../../../../kiosk-agent/checks/desktop.ts';
import { inUserWritableFolder } from '../../../../kiosk-agent/checks/processes.ts';
import { indexAllowedPrograms, indexProcessCatalog } from '../../../../shared/catalogs/processes.ts';

const FIXTURES = join(import.meta.dirname, '../../../fixtures');
const rules = (
  os: 'windows' | 'macos' | 'linux',
  browsers: string[],
  allow: string[] = [],
): DesktopRules => ({
  allowed: indexAllowedPrograms(os, allow),
  browserExecutables: browsers,
  catalog: indexProcessCatalog(os),
  caseInsensitivePaths: os !== 'linux',
  writable: (f) => inUserWritableFolder(f),
});
const reported = (r: ReturnType<typeof evaluateDesktop>) => r.findings.map((f) => f.subject);

describe("the 'desktop-programs' line", () => {
  test('Windows: the shell, the managed browser, a screen reader and SecureClient pass; a notes window and a Store app do not; Telegram is left to its own line', () => {
    const programs = parseWindowsMainWindows(
      readFileSync(join(FIXTURES, 'windows/main-windows.json'), 'utf8'),
    );
    expect(programs.map((p) => p.name)).toEqual([
      'explorer.exe',
      'chrome.exe',
      'Notepad.exe',
      'ApplicationFrameHost.exe',
      'nvda.exe',
      'SecureClient.exe',
      'Telegram.exe',
      'csrss.exe',
    ]);
    const line = evaluateDesktop(
      programs,
      rules('windows', ['C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe']),
    );
    expect(reported(line)).toEqual(['ApplicationFrameHost.exe', 'csrss.exe', 'Notepad.exe']);
    expect(line.findings.find((f) => f.subject === 'Notepad.exe')?.message).toBe(
      'Notepad.exe (process 7344, C:\\Program Files\\WindowsApps\\Microsoft.WindowsNotepad_11.2410.21.0_x64__8wekyb3d8bbwe\\Notepad\\Notepad.exe) has a window on the desktop ("answers.txt - Notepad") and is not on this seat\'s list of allowed programs.',
    );
    expect(parseWindowsMainWindows('')).toEqual([]);
    expect(
      parseWindowsMainWindows('{"Id":1,"ProcessName":"x","Path":null,"MainWindowTitle":""}'),
    ).toHaveLength(1);
  });

  test('macOS: Finder, the Dock, the managed browser and VoiceOver pass; Notes does not; Cluely is left to its own line', () => {
    const programs = parseMacosApplications(
      readFileSync(join(FIXTURES, 'macos/running-applications.jsonl'), 'utf8'),
    );
    const line = evaluateDesktop(
      programs,
      rules('macos', ['/Applications/Google Chrome.app/Contents/MacOS/Google Chrome']),
    );
    expect(reported(line)).toEqual(['Notes']);
    expect(evaluateDesktop(programs, rules('macos', [], ['Notes', 'Google Chrome'])).status).toBe('pass');
  });

  test('Linux: a window no process can be found for is reported by its class (fail closed)', () => {
    const programs = programsOfWindows(
      [
        { pid: null, title: 'remote thing', wmClass: 'Xclock' },
        { pid: process.pid, title: 'me', wmClass: 'Node' },
      ],
      (pid) => ({ pid, name: 'node', file: process.execPath, exe: process.execPath }),
    );
    const line = evaluateDesktop(programs, rules('linux', []));
    expect(reported(line)).toEqual(['node', 'Xclock']);
    expect(line.findings.find((f) => f.subject === 'Xclock')?.message).toContain(
      'a program the X server cannot trace to a process',
    );
  });

  test("a window's title is the program's own text: bounded, and shown as text", () => {
    const title = `<img src=x onerror=alert(1)>${'x'.repeat(5000)}`;
    const line = evaluateDesktop(
      [{ pid: 9, name: 'notes', file: '/usr/bin/notes', windows: [{ title, wmClass: null }] }],
      rules('linux', []),
    );
    const message = line.findings[0]?.message ?? '';
    expect(message.length).toBeLessThan(400);
    expect(message).toContain('"<img src=x onerror=alert(1)>');
  });

  test('Linux: a script is known by the script an interpreter runs, not the interpreter', () => {
    const me = linuxProgram(process.pid);
    expect(me.exe).toBe(process.execPath);
    expect(me.pid).toBe(process.pid);
    expect(linuxProgram(2 ** 22 + 7)).toMatchObject({ file: null, exe: null });
  });
});
