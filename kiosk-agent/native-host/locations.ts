/**
 * Where each browser looks for native-messaging host manifests, per OS: used by
 * `invigil install-host` to write ours, and by the checks to find ours and password managers'.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  type ChromiumBrowser,
  NATIVE_HOST_DIRS_LINUX,
  type PolicyOs,
  type SeatBrowser,
} from '../../shared/catalogs/browser-policy.ts';

export interface HostLocations {
  /** Folder read for every user (machine-wide), or the HKLM key on Windows. */
  machine: string;
  /** Folder read for this user only, or the HKCU key on Windows. */
  user: string;
  /** Windows: manifests are files anywhere, named by a registry key's default value. */
  registry: boolean;
}

const LINUX_USER_CONFIG: Record<ChromiumBrowser, string> = {
  chrome: 'google-chrome',
  chromium: 'chromium',
  edge: 'microsoft-edge',
};
const MAC_MACHINE: Record<ChromiumBrowser, string> = {
  chrome: '/Library/Google/Chrome/NativeMessagingHosts',
  chromium: '/Library/Application Support/Chromium/NativeMessagingHosts',
  edge: '/Library/Microsoft/Edge/NativeMessagingHosts',
};
const MAC_USER: Record<ChromiumBrowser, string> = {
  chrome: 'Library/Application Support/Google/Chrome/NativeMessagingHosts',
  chromium: 'Library/Application Support/Chromium/NativeMessagingHosts',
  edge: 'Library/Application Support/Microsoft Edge/NativeMessagingHosts',
};
const WINDOWS_KEY: Record<ChromiumBrowser, string> = {
  chrome: 'SOFTWARE\\Google\\Chrome\\NativeMessagingHosts',
  chromium: 'SOFTWARE\\Chromium\\NativeMessagingHosts',
  edge: 'SOFTWARE\\Microsoft\\Edge\\NativeMessagingHosts',
};

/**
 * Firefox's (Mozilla's "Native manifests" page): on Linux /usr/lib/mozilla/native-messaging-hosts for
 * every user (/usr/lib64/... too on some distributions) and ~/.mozilla/native-messaging-hosts; on macOS
 * the Mozilla folders; on Windows a registry key under SOFTWARE\Mozilla naming the manifest file.
 */
function firefoxLocations(os: PolicyOs, home: string): HostLocations {
  if (os === 'windows') {
    return {
      machine: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Mozilla\\NativeMessagingHosts',
      user: 'HKEY_CURRENT_USER\\SOFTWARE\\Mozilla\\NativeMessagingHosts',
      registry: true,
    };
  }
  if (os === 'macos') {
    return {
      machine: '/Library/Application Support/Mozilla/NativeMessagingHosts',
      user: join(home, 'Library/Application Support/Mozilla/NativeMessagingHosts'),
      registry: false,
    };
  }
  return {
    machine: '/usr/lib/mozilla/native-messaging-hosts',
    user: join(home, '.mozilla/native-messaging-hosts'),
    registry: false,
  };
}

export function hostLocations(browser: SeatBrowser, os: PolicyOs, home = homedir()): HostLocations {
  if (browser === 'firefox') return firefoxLocations(os, home);
  if (os === 'windows') {
    return {
      machine: `HKEY_LOCAL_MACHINE\\${WINDOWS_KEY[browser]}`,
      user: `HKEY_CURRENT_USER\\${WINDOWS_KEY[browser]}`,
      registry: true,
    };
  }
  if (os === 'macos')
    return { machine: MAC_MACHINE[browser], user: join(home, MAC_USER[browser]), registry: false };
  return {
    machine: NATIVE_HOST_DIRS_LINUX[browser],
    user: join(home, '.config', LINUX_USER_CONFIG[browser], 'NativeMessagingHosts'),
    registry: false,
  };
}

/** A profile's own folder (`--user-data-dir`): Chromium reads manifests there too. */
export const profileHostDir = (userDataDir: string) => join(userDataDir, 'NativeMessagingHosts');

/** Firefox's folders: a password manager registered only for Firefox is still installed on the PC. */
export function firefoxHostDirs(os: PolicyOs, home = homedir()): string[] {
  if (os === 'linux') {
    return [
      '/usr/lib/mozilla/native-messaging-hosts',
      '/usr/lib64/mozilla/native-messaging-hosts',
      join(home, '.mozilla/native-messaging-hosts'),
    ];
  }
  if (os === 'macos') {
    return [
      '/Library/Application Support/Mozilla/NativeMessagingHosts',
      join(home, 'Library/Application Support/Mozilla/NativeMessagingHosts'),
    ];
  }
  return [];
}
