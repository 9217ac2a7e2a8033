import { describe, expect, test } from 'vitest';
import {
  PASSWORD_MANAGER_NATIVE_HOSTS,
  passwordManagerNativeHost,
} from '../../../shared/catalogs/native-hosts.ts';
import {
  indexProcessCatalog,
  normalizeProcessName,
  PROCESS_CATALOG,
} from '../../../shared/catalogs/processes.ts';

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

describe("password managers' native-messaging hosts", () => {
  test('known connectors are recognised whatever their case; others only when the config adds them', () => {
    expect(passwordManagerNativeHost('com.8bit.bitwarden')).toBe('Bitwarden');
    expect(passwordManagerNativeHost('ORG.KEEPASSXC.KEEPASSXC_BROWSER')).toBe('KeePassXC');
    expect(passwordManagerNativeHost('com.example.vault')).toBeNull();
    expect(passwordManagerNativeHost('com.example.vault', ['com.example.vault'])).toBe('com.example.vault');
    expect(PASSWORD_MANAGER_NATIVE_HOSTS.every((h) => h.names.length > 0)).toBe(true);
  });
});
