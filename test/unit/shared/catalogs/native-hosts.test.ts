import { describe, expect, test } from 'vitest';
import {
  PASSWORD_MANAGER_NATIVE_HOSTS,
  passwordManagerNativeHost,
} from '../../../../shared/catalogs/native-hosts.ts';

describe("password managers' native-messaging hosts", () => {
  test('known connectors are recognised whatever their case; others only when the config adds them', () => {
    expect(passwordManagerNativeHost('com.8bit.bitwarden')).toBe('Bitwarden');
    expect(passwordManagerNativeHost('ORG.KEEPASSXC.KEEPASSXC_BROWSER')).toBe('KeePassXC');
    expect(passwordManagerNativeHost('com.example.vault')).toBeNull();
    expect(passwordManagerNativeHost('com.example.vault', ['com.example.vault'])).toBe('com.example.vault');
    expect(PASSWORD_MANAGER_NATIVE_HOSTS.every((h) => h.names.length > 0)).toBe(true);
  });
});
