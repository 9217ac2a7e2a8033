/**
 * The browser enterprise policy an exam seat needs, as data. Two users:
 * - `invigil policy` (deploy/) writes it for each browser and OS in its native form;
 * - the agent's `browser-policy` check reads the installed policy and compares it with
 *   `REQUIRED_BROWSER_POLICIES`.
 * Keeping both on this one list means the check never asks for something the generator omits.
 */
import { EXTENSION_ID } from '../constants.ts';
import { NATIVE_HOST_NAME } from '../schemas/native.ts';
import type { ExtensionPolicy } from '../schemas/policy.ts';

export type ChromiumBrowser = 'chrome' | 'chromium' | 'edge';
export type PolicyOs = 'windows' | 'macos' | 'linux';

/**
 * Where each Chromium-family browser reads machine policy, per OS: a folder of JSON files on Linux,
 * a registry key on Windows (lists are numbered subkeys, dictionaries JSON strings, the extension's
 * own configuration under `3rdparty\extensions\<id>\policy`), and the managed-preferences file
 * that a configuration profile produces on macOS (the extension's own configuration is a separate
 * preference domain there, `<bundle id>.extensions.<id>`: see `MAC_BUNDLE_IDS`).
 */
export const BROWSER_POLICY_LOCATIONS: Record<ChromiumBrowser, Record<PolicyOs, string>> = {
  chrome: {
    linux: '/etc/opt/chrome/policies/managed',
    windows: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Google\\Chrome',
    macos: '/Library/Managed Preferences/com.google.Chrome.plist',
  },
  chromium: {
    linux: '/etc/chromium/policies/managed',
    windows: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Chromium',
    macos: '/Library/Managed Preferences/org.chromium.Chromium.plist',
  },
  edge: {
    linux: '/etc/opt/edge/policies/managed',
    windows: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Edge',
    macos: '/Library/Managed Preferences/com.microsoft.Edge.plist',
  },
};

/** Where each browser looks for machine-wide native-messaging host manifests on Linux. */
export const NATIVE_HOST_DIRS_LINUX: Record<ChromiumBrowser, string> = {
  chrome: '/etc/opt/chrome/native-messaging-hosts',
  chromium: '/etc/chromium/native-messaging-hosts',
  edge: '/etc/opt/edge/native-messaging-hosts',
};

/** macOS preference domain (bundle id) of each browser; a configuration profile payload uses it as PayloadType. */
export const MAC_BUNDLE_IDS: Record<ChromiumBrowser, string> = {
  chrome: 'com.google.Chrome',
  chromium: 'org.chromium.Chromium',
  edge: 'com.microsoft.Edge',
};

/**
 * Chrome Web Store update URL, for a store-published extension. Edge force-installs from it too,
 * and keeps the store's id; the Edge Add-ons store would give the extension a different id.
 */
export const WEB_STORE_UPDATE_URL = 'https://clients2.google.com/service/update2/crx';
/** Edge Add-ons update URL (only for an extension published there, under the id that store gives it). */
export const EDGE_ADDONS_UPDATE_URL = 'https://edge.microsoft.com/extensionwebstorebase/v1/crx';

/**
 * The Firefox build's add-on id (`browser_specific_settings.gecko.id` in its manifest). Firefox ids
 * are chosen by the developer, not derived from a key; `invigil policy --browser firefox` uses it.
 */
export const FIREFOX_EXTENSION_ID = 'exam-lockdown@invigil.uk';

/**
 * Policies whose name differs in Microsoft Edge (the rest are the same in Chrome, Chromium and Edge).
 * Checked against Microsoft's Edge policy reference: Edge says InPrivate where Chrome says Incognito,
 * and "profile" where Chrome says "person".
 */
export const EDGE_POLICY_NAMES: Readonly<Record<string, string>> = {
  IncognitoModeAvailability: 'InPrivateModeAvailability',
  BrowserAddPersonEnabled: 'BrowserAddProfileEnabled',
};

/** A policy's name in the given browser (`RequiredPolicy.key` and `chromiumPolicy` use Chrome's names). */
export function browserPolicyName(browser: ChromiumBrowser, chromeName: string): string {
  return browser === 'edge' ? (EDGE_POLICY_NAMES[chromeName] ?? chromeName) : chromeName;
}

export interface RequiredPolicy {
  /** The policy name in Chrome and Chromium; Edge's is `browserPolicyName('edge', key)`. */
  key: string;
  /** Plain English: what the seat needs ("password saving is off"). */
  requirement: string;
  /** The value that satisfies it, as IT would write it ("false", "1"). */
  expected: string;
  /** Whether an installed value satisfies the requirement. */
  satisfied(value: unknown, extensionId: string): boolean;
}

/** What the `browser-policy` check insists on. */
export const REQUIRED_BROWSER_POLICIES: readonly RequiredPolicy[] = [
  {
    key: 'PasswordManagerEnabled',
    requirement: 'password saving is off',
    expected: 'false',
    satisfied: (v) => v === false,
  },
  {
    key: 'AutofillAddressEnabled',
    requirement: 'address autofill is off',
    expected: 'false',
    satisfied: (v) => v === false,
  },
  {
    key: 'AutofillCreditCardEnabled',
    requirement: 'card autofill is off',
    expected: 'false',
    satisfied: (v) => v === false,
  },
  {
    key: 'ExtensionInstallForcelist',
    requirement: 'the Invigil extension is force-installed (by this policy or by ExtensionSettings)',
    expected: "the extension's id",
    satisfied: (v, id) => Array.isArray(v) && v.some((e) => typeof e === 'string' && e.split(';')[0] === id),
  },
  {
    key: 'IncognitoModeAvailability',
    requirement: 'incognito (InPrivate in Edge) windows are off',
    expected: '1',
    satisfied: (v) => v === 1,
  },
  {
    key: 'DeveloperToolsAvailability',
    requirement: 'developer tools are off',
    expected: '2',
    satisfied: (v) => v === 2,
  },
];

/** ExtensionSettings can force-install instead of ExtensionInstallForcelist; either satisfies that line. */
export function forceInstalledBySettings(extensionSettings: unknown, extensionId: string): boolean {
  if (typeof extensionSettings !== 'object' || extensionSettings === null) return false;
  const entry = (extensionSettings as Record<string, unknown>)[extensionId];
  if (typeof entry !== 'object' || entry === null) return false;
  const mode = (entry as Record<string, unknown>).installation_mode;
  return mode === 'force_installed' || mode === 'normal_installed';
}

export interface ChromiumPolicyOptions {
  /** The extension's managed configuration (allowedHosts and the rest). */
  extensionPolicy: ExtensionPolicy;
  /** Where the browser fetches the extension: the Web Store, or the centre's own update manifest. */
  updateUrl: string;
  /** The extension id to force-install: `EXTENSION_ID`, or the id of a CRX the centre signed itself. */
  extensionId?: string;
  /** Allow printing (default off). */
  printing?: boolean;
  /** Whose policy names to use (default Chrome's, which Chromium shares; Edge renames two). */
  browser?: ChromiumBrowser;
}

/** Whether an update URL is a browser vendor's store (whose URL the browser never lets policy override). */
export function isStoreUpdateUrl(url: string): boolean {
  return url === WEB_STORE_UPDATE_URL || url === EDGE_ADDONS_UPDATE_URL;
}

/**
 * The full machine policy for a Chromium-family browser, as a plain object (the Linux JSON form;
 * the Windows and macOS writers turn the same object into .reg and .mobileconfig).
 * `3rdparty` carries the extension's own managed configuration.
 */
export function chromiumPolicy(options: ChromiumPolicyOptions): Record<string, unknown> {
  const id = options.extensionId ?? EXTENSION_ID;
  const hosts = options.extensionPolicy.allowedHosts;
  const selfHosted = !isStoreUpdateUrl(options.updateUrl);
  const policy: Record<string, unknown> = {
    ExtensionInstallForcelist: [`${id};${options.updateUrl}`],
    ExtensionSettings: {
      '*': {
        installation_mode: 'blocked',
        blocked_install_message: 'Extensions are not allowed on exam PCs.',
      },
      [id]: {
        installation_mode: 'force_installed',
        update_url: options.updateUrl,
        // Without this a self-hosted extension's later updates follow the URL inside its own
        // manifest, not the one IT set here (the browser ignores the flag for store URLs).
        ...(selfHosted ? { override_update_url: true } : {}),
        toolbar_pin: 'force_pinned',
      },
    },
    ExtensionDeveloperModeSettings: 1,
    // Host names without a scheme: each matches the host and its subdomains on any scheme and port,
    // the same meaning as the extension's own allowlist (see shared/rules/hosts.ts).
    URLBlocklist: ['*'],
    URLAllowlist: [...hosts, `chrome-extension://${id}`],
    PasswordManagerEnabled: false,
    AutofillAddressEnabled: false,
    AutofillCreditCardEnabled: false,
    IncognitoModeAvailability: 1,
    BrowserGuestModeEnabled: false,
    BrowserAddPersonEnabled: false,
    DeveloperToolsAvailability: 2,
    DownloadRestrictions: options.extensionPolicy.allowDownloads ? 0 : 3,
    PrintingEnabled: options.printing ?? false,
    ScreenCaptureAllowed: false,
    BrowserSignin: 0,
    SyncDisabled: true,
    TaskManagerEndProcessEnabled: false,
    NativeMessagingBlocklist: ['*'],
    NativeMessagingAllowlist: [NATIVE_HOST_NAME],
    // Only machine-wide host manifests count, so a user cannot shadow ours with their own.
    NativeMessagingUserLevelHosts: false,
    '3rdparty': { extensions: { [id]: { ...options.extensionPolicy } } },
  };
  if (options.browser !== 'edge') return policy;
  const renamed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(policy)) renamed[browserPolicyName('edge', key)] = value;
  return renamed;
}
