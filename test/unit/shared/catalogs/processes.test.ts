/**
 * The catalog as data: Safe Exam Browser's whole default prohibited list is matched, each in its
 * category; the products issue 10 names are there; every Windows entry of the new categories carries
 * its original file names; no name means two products; nothing is both allowed and forbidden.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  ALLOWED_PROGRAMS,
  indexAllowedPrograms,
  indexProcessCatalog,
  normalizeProcessName,
  PROCESS_CATALOG,
  type ProcessCategory,
  type ProcessOs,
} from '../../../../shared/catalogs/processes.ts';

const SEB = readFileSync(join(import.meta.dirname, '../../../fixtures/seb-prohibited.txt'), 'utf8')
  .split('\n')
  .filter((l) => l && !l.startsWith('#'))
  .map((l) => l.split(' | ') as [string, string]);

/** The category each of Safe Exam Browser's programs belongs in (what the program is). */
const SEB_CATEGORY: Record<string, ProcessCategory> = {
  'AA_v3.exe': 'remote-access',
  'AeroAdmin.exe': 'remote-access',
  'AnyDesk.exe': 'remote-access',
  'beamyourscreen-host.exe': 'remote-access',
  'CamPlay.exe': 'screen-recorder',
  'Camtasia.exe': 'screen-recorder',
  'CamtasiaStudio.exe': 'screen-recorder',
  'Camtasia_Studio.exe': 'screen-recorder',
  'CamRecorder.exe': 'screen-recorder',
  'CamtasiaUtl.exe': 'screen-recorder',
  'chromoting.exe': 'remote-access',
  'CiscoCollabHost.exe': 'messaging',
  'CiscoWebExStart.exe': 'messaging',
  'Discord.exe': 'messaging',
  'DiscordPTB.exe': 'messaging',
  'DiscordCanary.exe': 'messaging',
  'Element.exe': 'messaging',
  'g2mcomm.exe': 'messaging',
  'g2mlauncher.exe': 'messaging',
  'g2mstart.exe': 'messaging',
  'GotoMeetingWinStore.exe': 'messaging',
  'Guilded.exe': 'messaging',
  'join.me.exe': 'remote-access',
  'join.me.sentinel.exe': 'remote-access',
  'Microsoft.Media.player.exe': 'media-player',
  'Mikogo-host.exe': 'remote-access',
  'MouseWithoutBorders.exe': 'remote-access',
  'MouseWithoutBordersHelper.exe': 'remote-access',
  'MS-teams.exe': 'messaging',
  'mstsc.exe': 'remote-access',
  'obs32.exe': 'screen-recorder',
  'obs64.exe': 'screen-recorder',
  'PCMonitorSrv.exe': 'remote-access',
  'pcmontask.exe': 'remote-access',
  'ptoneclk.exe': 'messaging',
  'remote_assistance_host.exe': 'remote-access',
  'RemotePCDesktop.exe': 'remote-access',
  'remoting_host.exe': 'remote-access',
  'RPCService.exe': 'remote-access',
  'RPCSuite.exe': 'remote-access',
  'rustdesk.exe': 'remote-access',
  'sethc.exe': 'system-tool',
  'Skype.exe': 'messaging',
  'SkypeApp.exe': 'messaging',
  'SkypeHost.exe': 'messaging',
  'slack.exe': 'messaging',
  'spotify.exe': 'media-player',
  'SRServer.exe': 'remote-access',
  'strwinclt.exe': 'remote-access',
  'Teams.exe': 'messaging',
  'TeamViewer.exe': 'remote-access',
  'TeamViewer_Desktop.exe': 'remote-access',
  'TeamViewer_Service.exe': 'remote-access',
  'Telegram.exe': 'messaging',
  'ToDesk.exe': 'remote-access',
  'tv_w32.exe': 'remote-access',
  'tv_x64.exe': 'remote-access',
  'VLC.exe': 'media-player',
  'vncserver.exe': 'remote-access',
  'vncviewer.exe': 'remote-access',
  'vncserverui.exe': 'remote-access',
  'webexmta.exe': 'messaging',
  'Zoom.exe': 'messaging',
};

describe("Safe Exam Browser's default prohibited list", () => {
  const windows = indexProcessCatalog('windows');
  test('the fixture is the whole list (64 entries, 63 executables)', () => {
    expect(SEB).toHaveLength(64);
    expect(new Set(SEB.map(([exe]) => exe)).size).toBe(63);
  });
  test.each(SEB)(
    '%s (original file name %s) is caught by name and when renamed, in its category',
    (exe, original) => {
      const byName = windows.byName(exe);
      const byOriginal = windows.byOriginalFileName(original);
      expect(byName?.category).toBe(SEB_CATEGORY[exe]);
      expect(byOriginal?.category).toBe(SEB_CATEGORY[exe]);
    },
  );
});

describe('the catalog', () => {
  const products = (category: ProcessCategory) =>
    PROCESS_CATALOG.filter((e) => e.category === category).map((e) => e.product);

  test('the products issue 10 names are there, each in its category', () => {
    expect(products('ai-assistant')).toEqual(
      expect.arrayContaining([
        'ChatGPT',
        'Claude',
        'Microsoft Copilot',
        'Google Gemini',
        'Perplexity',
        'Cluely',
      ]),
    );
    expect(products('messaging')).toEqual(
      expect.arrayContaining([
        'Discord',
        'WhatsApp',
        'Telegram',
        'Signal',
        'Slack',
        'Microsoft Teams',
        'Zoom',
      ]),
    );
    expect(products('screenshot-tool')).toEqual(
      expect.arrayContaining([
        'Snipping Tool',
        'macOS Screenshot',
        'Flameshot',
        'Spectacle',
        'GNOME Screenshot',
      ]),
    );
  });

  test('the new categories name their Windows programs by original file name too', () => {
    const newer: ProcessCategory[] = [
      'ai-assistant',
      'messaging',
      'screenshot-tool',
      'media-player',
      'system-tool',
    ];
    const missing = PROCESS_CATALOG.filter(
      (e) => newer.includes(e.category) && (e.names.windows?.length ?? 0) > 0 && !e.originalFileNames?.length,
    ).map((e) => e.product);
    expect(missing).toEqual([]);
  });

  test.each(['windows', 'macos', 'linux'] as ProcessOs[])('on %s, no name means two products', (os) => {
    const seen = new Map<string, string>();
    const clashes: string[] = [];
    for (const e of PROCESS_CATALOG) {
      for (const n of e.names[os] ?? []) {
        const k = normalizeProcessName(n);
        const other = seen.get(k);
        if (other && other !== e.product) clashes.push(`${n}: ${other} and ${e.product}`);
        seen.set(k, e.product);
      }
    }
    expect(clashes).toEqual([]);
  });

  test.each(['windows', 'macos', 'linux'] as ProcessOs[])(
    'on %s, nothing is both allowed and forbidden',
    (os) => {
      const forbidden = indexProcessCatalog(os);
      const both = ALLOWED_PROGRAMS.flatMap((a) => (a.names[os] ?? []).filter((n) => forbidden.byName(n)));
      expect(both).toEqual([]);
    },
  );
});

describe('the desktop allowlist', () => {
  test('holds the screen readers, on-screen keyboards, shells and the delivery app the issue names', () => {
    const windows = indexAllowedPrograms('windows');
    const macos = indexAllowedPrograms('macos');
    const linux = indexAllowedPrograms('linux');
    expect(linux('orca')?.kind).toBe('screen-reader');
    expect(windows('nvda.exe')?.kind).toBe('screen-reader');
    expect(windows('JFW.EXE')?.product).toBe('JAWS');
    expect(windows('Narrator.exe')?.kind).toBe('screen-reader');
    expect(macos('VoiceOver')?.kind).toBe('screen-reader');
    expect(windows('osk.exe')?.kind).toBe('on-screen-keyboard');
    expect(linux('onboard')?.kind).toBe('on-screen-keyboard');
    expect(windows('explorer.exe')?.kind).toBe('desktop-shell');
    expect(linux('openbox')?.kind).toBe('desktop-shell');
    expect(windows('SecureClient.exe')?.product).toBe('Surpass SecureClient');
    expect(macos('SecureClient')?.product).toBe('Surpass SecureClient');
    // ApplicationFrameHost draws every Store app's window: allowing it would allow them all.
    expect(windows('ApplicationFrameHost.exe')).toBeUndefined();
  });

  test("the seat's config adds names, matched like the catalog's", () => {
    const allowed = indexAllowedPrograms('windows', ['Calculator.exe']);
    expect(allowed('calculator')?.kind).toBe('added-by-centre');
  });
});

describe('the process catalog', () => {
  test('the products the issue names are all there, in their categories', () => {
    const products = (category: string) =>
      PROCESS_CATALOG.filter((e) => e.category === category).map((e) => e.product);
    expect(products('password-manager')).toEqual(
      expect.arrayContaining([
        '1Password',
        'Bitwarden',
        'KeePass',
        'KeePassXC',
        'LastPass',
        'Dashlane',
        'NordPass',
        'Keeper',
        'Enpass',
        'RoboForm',
        'Proton Pass',
      ]),
    );
    expect(products('remote-access')).toEqual(
      expect.arrayContaining([
        'TeamViewer',
        'AnyDesk',
        'RustDesk',
        'Chrome Remote Desktop',
        'VNC',
        'Remmina',
        'ScreenConnect',
        'Quick Assist',
        'Remote Desktop',
      ]),
    );
    expect(products('screen-recorder')).toEqual(
      expect.arrayContaining([
        'OBS Studio',
        'ShareX',
        'Camtasia',
        'Loom',
        'SimpleScreenRecorder',
        'Kazam',
        'vokoscreen',
      ]),
    );
  });

  test('no process name means two different things on one OS', () => {
    for (const os of ['windows', 'macos', 'linux'] as const) {
      const seen = new Map<string, string>();
      for (const e of PROCESS_CATALOG) {
        for (const n of e.names[os] ?? []) {
          const key = normalizeProcessName(n);
          expect(seen.get(key) ?? e.product, `${os}: ${n}`).toBe(e.product);
          seen.set(key, e.product);
        }
      }
    }
  });

  test('matching ignores case, and ".exe" on Windows', () => {
    const win = indexProcessCatalog('windows');
    expect(win.byName('KEEPASSXC.EXE')?.product).toBe('KeePassXC');
    expect(win.byName('keepassxc')?.product).toBe('KeePassXC');
    expect(win.byOriginalFileName('AnyDesk.exe')?.product).toBe('AnyDesk');
    const linux = indexProcessCatalog('linux');
    expect(linux.byName('KeePassXC')?.product).toBe('KeePassXC');
    expect(linux.byName('sleep')).toBeUndefined();
  });

  test("the config's additions join their category", () => {
    const idx = indexProcessCatalog('linux', { screenRecorders: ['capturerd'] });
    expect(idx.byName('CaptureRD')).toMatchObject({ product: 'capturerd', category: 'screen-recorder' });
  });
});
