/**
 * Firefox's equivalents of the Chromium policy, as `policies.json` (Firefox reads the same file on
 * Windows, macOS and Linux). Each policy is one entry in `FIREFOX_POLICIES`, with the Firefox
 * version that introduced it: names, shapes and versions checked against Mozilla's policy-templates
 * documentation (docs/index.md) and the schema Firefox ESR 153 ships
 * (browser/omni.ja: modules/policies/policies-schema.json). To add a policy, add an entry.
 */
import { isIpv4 } from '../rules/hosts.ts';
import type { ExtensionPolicy } from '../schemas/policy.ts';
import type { PolicyGroup } from './browser-policy.ts';
import type { RegData, RegKey } from './registry.ts';

export interface FirefoxPolicyOptions {
  extensionPolicy: ExtensionPolicy;
  /** The add-on id declared by the Firefox build. */
  extensionId: string;
  /** Where Firefox downloads the signed .xpi. */
  installUrl: string;
  printing: boolean;
}

export interface FirefoxPolicy {
  key: string;
  group: PolicyGroup;
  /** The first Firefox release that reads it (Mozilla's "Compatibility" line). */
  since: string;
  value(options: FirefoxPolicyOptions): unknown;
  /** What it stops, in plain English. */
  purpose: string;
}

/** Where Firefox reads policies.json, per OS. */
export const FIREFOX_POLICY_LOCATIONS = {
  windows: 'C:\\Program Files\\Mozilla Firefox\\distribution\\policies.json',
  macos: '/Applications/Firefox.app/Contents/Resources/distribution/policies.json',
  linux: '/etc/firefox/policies/policies.json',
} as const;

/**
 * Where Firefox on Windows reads machine policy in the registry (Group Policy with Mozilla's ADMX
 * templates, Intune, or `reg import`). Firefox 153 reads it beside policies.json, each policy here
 * replacing the file's (EnterprisePoliciesParent.sys.mjs).
 */
export const FIREFOX_REGISTRY_KEY = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Mozilla\\Firefox';

/**
 * Firefox on macOS reads policy from its preference domain (its bundle id), through NSUserDefaults:
 * a configuration profile's payload lands in `/Library/Managed Preferences/org.mozilla.firefox.plist`
 * (device scope, above every other source), `defaults write /Library/Preferences/org.mozilla.firefox`
 * writes the machine-wide domain below it. Firefox reads any of it only when `EnterprisePoliciesEnabled`
 * is true there (nsMacPreferencesReader::PoliciesEnabled), and then each policy found there replaces
 * policies.json's (EnterprisePoliciesParent.sys.mjs: the macOS provider is merged after the JSON one).
 */
export const FIREFOX_MAC_DOMAIN = 'org.mozilla.firefox';
export const FIREFOX_MAC_MANAGED_PLIST = `/Library/Managed Preferences/${FIREFOX_MAC_DOMAIN}.plist`;
export const FIREFOX_MAC_LIBRARY_PLIST = `/Library/Preferences/${FIREFOX_MAC_DOMAIN}.plist`;
export const FIREFOX_MAC_ENABLE_KEY = 'EnterprisePoliciesEnabled';

/**
 * Firefox on macOS reads its preference domain through `[NSUserDefaults standardUserDefaults]`
 * (nsMacPreferencesReader: both `EnterprisePoliciesEnabled` and the policies), and that search list
 * holds the signed-in account's own preferences too, which the account can write without an
 * administrator (`defaults write org.mozilla.firefox ...`; Mozilla's policy-templates `mac/README.md`
 * documents it for "user specific policies"). Above `/Library/Preferences` and below a configuration
 * profile: the account's ByHost file, then its own domain; its global domain (`defaults write -g`)
 * below every file of Firefox's own domain. The per-user managed preferences a user-scope profile
 * writes are an administrator's, like the device's. Firefox ESR 153's EnterprisePoliciesParent
 * (omni.ja) still calls `policiesEnabled()` and `readPolicies(reader)` with no admin-only option, so
 * it takes all of it.
 */
export const firefoxMacUserPlists = (home: string) =>
  ({
    /** The account's own domain, any host: `~/Library/Preferences/org.mozilla.firefox.plist`. */
    app: `${home}/Library/Preferences/${FIREFOX_MAC_DOMAIN}.plist`,
    /** Where the account's ByHost files are (`org.mozilla.firefox.<hardware UUID>.plist`). */
    byHostDir: `${home}/Library/Preferences/ByHost`,
    /** The account's global domain. */
    global: `${home}/Library/Preferences/.GlobalPreferences.plist`,
  }) as const;

/** A user-scope configuration profile's payload for one account (an administrator's, not the account's). */
export const firefoxMacManagedUserPlist = (user: string) =>
  `/Library/Managed Preferences/${user}/${FIREFOX_MAC_DOMAIN}.plist`;

/**
 * Every policy Firefox ESR 153 knows: its policies-schema.json's properties (browser/omni.ja,
 * test/fixtures/firefox/policies-schema-esr153.json). A key of a preference domain Firefox takes as
 * policy is one of these (or `Name__...`, flattened); it logs and drops any other.
 */
export const FIREFOX_153_POLICY_NAMES: ReadonlySet<string> = new Set([
  '3rdparty',
  'AIControls',
  'AllowedDomainsForApps',
  'AllowFileSelectionDialogs',
  'AppAutoUpdate',
  'AppUpdatePin',
  'AppUpdateURL',
  'Authentication',
  'AutofillAddressEnabled',
  'AutofillCreditCardEnabled',
  'AutoLaunchProtocolsFromOrigins',
  'BackgroundAppUpdate',
  'BlockAboutAddons',
  'BlockAboutConfig',
  'BlockAboutProfiles',
  'BlockAboutSupport',
  'Bookmarks',
  'BrowserDataBackup',
  'CaptivePortal',
  'Certificates',
  'ClearOnShutdown',
  'Containers',
  'ContentAnalysis',
  'Cookies',
  'DefaultBrowserSettingEnabled',
  'DefaultDownloadDirectory',
  'DefaultSerialGuardSetting',
  'DisableAccounts',
  'DisableAppUpdate',
  'DisableBuiltinPDFViewer',
  'DisabledCiphers',
  'DisableDefaultBrowserAgent',
  'DisableDeveloperTools',
  'DisableEncryptedClientHello',
  'DisableFeedbackCommands',
  'DisableFirefoxAccounts',
  'DisableFirefoxScreenshots',
  'DisableFirefoxStudies',
  'DisableForgetButton',
  'DisableFormHistory',
  'DisableMasterPasswordCreation',
  'DisablePasswordReveal',
  'DisablePocket',
  'DisablePrivateBrowsing',
  'DisableProfileImport',
  'DisableProfileRefresh',
  'DisableRemoteImprovements',
  'DisableRemoteSettingsAndAcceptSecurityConsequences',
  'DisableSafeMode',
  'DisableSecurityBypass',
  'DisableSetDesktopBackground',
  'DisableSystemAddonUpdate',
  'DisableTelemetry',
  'DisableThirdPartyModuleBlocking',
  'DisplayBookmarksToolbar',
  'DisplayMenuBar',
  'DNSOverHTTPS',
  'DontCheckDefaultBrowser',
  'DownloadDirectory',
  'EnableTrackingProtection',
  'EncryptedMediaExtensions',
  'ExemptDomainFileTypePairsFromFileTypeDownloadWarnings',
  'Extensions',
  'ExtensionSettings',
  'ExtensionUpdate',
  'FirefoxHome',
  'FirefoxSuggest',
  'GenerativeAI',
  'GoToIntranetSiteForSingleWordEntryInAddressBar',
  'Handlers',
  'HardwareAcceleration',
  'Homepage',
  'HttpAllowlist',
  'HttpsOnlyMode',
  'InstallAddonsPermission',
  'IPProtectionAvailable',
  'LegacyProfiles',
  'LegacySameSiteCookieBehaviorEnabled',
  'LegacySameSiteCookieBehaviorEnabledForDomainList',
  'LocalFileLinks',
  'LocalNetworkAccess',
  'ManagedBookmarks',
  'ManualAppUpdateOnly',
  'MicrosoftEntraSSO',
  'NetworkPrediction',
  'NewTabPage',
  'NoDefaultBookmarks',
  'OfferToSaveLogins',
  'OfferToSaveLoginsDefault',
  'OverrideFirstRunPage',
  'OverridePostUpdatePage',
  'PasswordManagerEnabled',
  'PasswordManagerExceptions',
  'PDFjs',
  'Permissions',
  'PictureInPicture',
  'PopupBlocking',
  'PostQuantumKeyAgreementEnabled',
  'Preferences',
  'PrimaryPassword',
  'PrintingEnabled',
  'PrivateBrowsingModeAvailability',
  'PromptForDownloadLocation',
  'Proxy',
  'RelaunchRequired',
  'RequestedLocales',
  'SanitizeOnShutdown',
  'SearchBar',
  'SearchEngines',
  'SearchSuggestEnabled',
  'SecurityDevices',
  'ShowHomeButton',
  'SitePolicies',
  'SkipTermsOfUse',
  'SSLVersionMax',
  'SSLVersionMin',
  'StartDownloadsInTempDirectory',
  'SupportMenu',
  'TranslateEnabled',
  'UserMessaging',
  'UseSystemPrintDialog',
  'VisualSearchEnabled',
  'WebsiteFilter',
  'WindowsSSO',
  'XSLTEnabled',
]);

/**
 * Policies whose value Firefox 153's schema also takes as JSON text (`"contentMediaType":
 * "application/json"` in policies-schema.json), as is each add-on's `3rdparty.Extensions.<id>`: in
 * the registry each is one REG_SZ (or REG_MULTI_SZ) holding JSON.
 */
export const FIREFOX_JSON_TEXT_POLICIES: ReadonlySet<string> = new Set([
  'ExtensionSettings',
  'WebsiteFilter',
]);

/** What the Chromium policy does that Firefox has no policy for, and what covers it instead. */
export const FIREFOX_GAPS: readonly string[] = [
  'Blocking downloads: Firefox has no policy for it; the Invigil extension cancels downloads itself.',
  "Screen capture by web pages: no Firefox policy (the Permissions policy has no screen-sharing entry); DisableFirefoxScreenshots only removes Firefox's own screenshot tool.",
  'Guest mode: Firefox has none; about:profiles is blocked instead (BlockAboutProfiles).',
  "Ending processes from the browser's task manager (about:processes): no Firefox policy.",
  'Limiting native messaging to uk.invigil.agent: no Firefox policy; Firefox only reads host manifests from fixed system and user locations.',
  "WebsiteFilter blocks top-level pages and embedded frames only, not images, scripts or other requests; the Invigil extension's own site blocking covers the rest.",
  "Firefox's own about: pages cannot be listed in WebsiteFilter: the ones that matter are blocked by their own policies (BlockAboutConfig, BlockAboutProfiles, BlockAboutAddons, BlockAboutSupport; PasswordManagerEnabled blocks about:logins, DisableDeveloperTools about:debugging).",
  'Firefox reads managed configuration (3rdparty) at start-up only: restart Firefox after changing it.',
];

/** Match patterns for one allowed host: the host and its subdomains, http and https. */
export function firefoxHostPatterns(host: string): string[] {
  return isIpv4(host) ? [`*://${host}/*`] : [`*://*.${host}/*`];
}

/** Every AI feature AIControls knows in Firefox ESR 153 (SmartWindow since 150); unknown keys are ignored. */
const AI_CONTROL_FEATURES = [
  'Default',
  'Translations',
  'PDFAltText',
  'SmartTabGroups',
  'LinkPreviewKeyPoints',
  'SidebarChatbot',
  'SmartWindow',
] as const;

const constant = (value: unknown) => () => value;

export const FIREFOX_POLICIES: readonly FirefoxPolicy[] = [
  {
    key: 'ExtensionSettings',
    group: 'extension',
    since: 'Firefox 69, ESR 68.1',
    value: (o) => ({
      '*': {
        installation_mode: 'blocked',
        blocked_install_message: 'Extensions are not allowed on exam PCs.',
      },
      [o.extensionId]: { installation_mode: 'force_installed', install_url: o.installUrl },
    }),
    purpose: 'Installs the Invigil add-on and blocks every other one.',
  },
  {
    key: '3rdparty',
    group: 'extension',
    since: 'Firefox 68',
    value: (o) => ({ Extensions: { [o.extensionId]: { ...o.extensionPolicy } } }),
    purpose: "The Invigil add-on's own configuration (allowed hosts, assessment address and the rest).",
  },
  {
    key: 'WebsiteFilter',
    group: 'sites',
    since: 'Firefox 60, ESR 60',
    value: (o) => ({
      Block: ['<all_urls>'],
      Exceptions: o.extensionPolicy.allowedHosts.flatMap(firefoxHostPatterns),
    }),
    purpose: 'Blocks every address except the assessment hosts (view-source: of a blocked page too).',
  },
  {
    key: 'PasswordManagerEnabled',
    group: 'passwords-autofill',
    since: 'Firefox 70, ESR 60.2',
    value: constant(false),
    purpose: 'Password saving is off and about:logins is blocked.',
  },
  {
    key: 'OfferToSaveLogins',
    group: 'passwords-autofill',
    since: 'Firefox 60, ESR 60',
    value: constant(false),
    purpose: 'Firefox never offers to save a login.',
  },
  {
    key: 'AutofillAddressEnabled',
    group: 'passwords-autofill',
    since: 'Firefox 125, ESR 115.10',
    value: constant(false),
    purpose: 'Address autofill is off.',
  },
  {
    key: 'AutofillCreditCardEnabled',
    group: 'passwords-autofill',
    since: 'Firefox 125, ESR 115.10',
    value: constant(false),
    purpose: 'Payment card autofill is off.',
  },
  {
    key: 'DisableFormHistory',
    group: 'passwords-autofill',
    since: 'Firefox 60, ESR 60',
    value: constant(true),
    purpose: 'Form history is not kept.',
  },
  {
    // PrivateBrowsingModeAvailability supersedes DisablePrivateBrowsing from Firefox 130 / ESR 128.3;
    // both are set so that older ESR releases are covered too.
    key: 'PrivateBrowsingModeAvailability',
    group: 'browser',
    since: 'Firefox 130, ESR 128.3',
    value: constant(1),
    purpose: 'Private windows cannot be opened.',
  },
  {
    key: 'DisablePrivateBrowsing',
    group: 'browser',
    since: 'Firefox 60, ESR 60',
    value: constant(true),
    purpose: 'Private windows cannot be opened (older Firefox releases).',
  },
  {
    key: 'PrintingEnabled',
    group: 'browser',
    since: 'Firefox 120, ESR 115.5',
    value: (o) => o.printing,
    purpose: 'Printing is off unless the config allows it.',
  },
  {
    key: 'DisableFirefoxAccounts',
    group: 'browser',
    since: 'Firefox 60, ESR 60',
    value: constant(true),
    purpose: 'Sign-in and sync are off.',
  },
  {
    key: 'AllowFileSelectionDialogs',
    group: 'browser',
    since: 'Firefox 124',
    value: constant(false),
    purpose: 'No open or save dialog: no uploads, no saving the page.',
  },
  {
    key: 'DisableDeveloperTools',
    group: 'internals',
    since: 'Firefox 60, ESR 60',
    value: constant(true),
    purpose: 'Developer tools are off (about:debugging and about:devtools-toolbox are blocked).',
  },
  {
    key: 'DisableFirefoxScreenshots',
    group: 'internals',
    since: 'Firefox 60, ESR 60',
    value: constant(true),
    purpose: "Firefox's own screenshot tool is gone.",
  },
  {
    // Troubleshoot (safe) mode starts Firefox with every extension turned off.
    key: 'DisableSafeMode',
    group: 'internals',
    since: 'Firefox 60, ESR 60 (Windows and macOS)',
    value: constant(true),
    purpose: 'Troubleshoot mode (which starts Firefox without extensions) is off.',
  },
  {
    key: 'BlockAboutConfig',
    group: 'internals',
    since: 'Firefox 60, ESR 60',
    value: constant(true),
    purpose: 'about:config is blocked.',
  },
  {
    key: 'BlockAboutProfiles',
    group: 'internals',
    since: 'Firefox 60, ESR 60',
    value: constant(true),
    purpose: 'about:profiles is blocked.',
  },
  {
    key: 'BlockAboutAddons',
    group: 'internals',
    since: 'Firefox 60, ESR 60',
    value: constant(true),
    purpose: 'about:addons is blocked.',
  },
  {
    key: 'BlockAboutSupport',
    group: 'internals',
    since: 'Firefox 60, ESR 60',
    value: constant(true),
    purpose: 'about:support (which can restart Firefox without add-ons) is blocked.',
  },
  {
    // Firefox 149.0.2 and later act on AIControls and ignore GenerativeAI and TranslateEnabled
    // when it is set; the two older policies stay for older releases.
    key: 'AIControls',
    group: 'ai',
    since: 'Firefox 149.0.2 (SmartWindow: 150)',
    value: () => Object.fromEntries(AI_CONTROL_FEATURES.map((f) => [f, { Value: 'blocked', Locked: true }])),
    purpose:
      'Every AI feature (chatbot in the sidebar, translations, tab-group and link-preview summaries, PDF alt text, smart window) is blocked and locked; models already downloaded are removed.',
  },
  {
    key: 'GenerativeAI',
    group: 'ai',
    since: 'Firefox 144, ESR 140.4',
    value: constant({ Enabled: false, Chatbot: false, LinkPreviews: false, TabGroups: false, Locked: true }),
    purpose: 'Generative AI features are off and locked (older releases than AIControls).',
  },
  {
    key: 'VisualSearchEnabled',
    group: 'ai',
    since: 'Firefox 144',
    value: constant(false),
    purpose: 'Visual search (search an image with a search engine) is off.',
  },
  {
    key: 'TranslateEnabled',
    group: 'translation',
    since: 'Firefox 126',
    value: constant(false),
    purpose: 'Page translation is off (older releases than AIControls).',
  },
  {
    key: 'SearchSuggestEnabled',
    group: 'search',
    since: 'Firefox 68, ESR 68',
    value: constant(false),
    purpose: 'What the candidate types in the address bar is not sent to a search engine for suggestions.',
  },
];

export function firefoxPolicies(options: FirefoxPolicyOptions): { policies: Record<string, unknown> } {
  return { policies: Object.fromEntries(FIREFOX_POLICIES.map((p) => [p.key, p.value(options)])) };
}

/**
 * The policies as registry keys under `root`, in the shapes Firefox reads back into the same JSON
 * (WindowsGPOParser.sys.mjs, then its policy validator): true/false and numbers as REG_DWORD, text as
 * REG_SZ, the JSON-text policies and each add-on's managed configuration as one REG_SZ of JSON (so the
 * add-on gets true/false and numbers as written, not 0/1), other objects as subkeys, lists of text as a
 * subkey of values named 1, 2, 3... Subkeys are replaced on import, so nothing stale stays in them.
 */
export function firefoxRegKeys(root: string, policies: Record<string, unknown>): RegKey[] {
  const main: RegKey = { path: root, values: [] };
  const keys: RegKey[] = [];
  for (const [name, value] of Object.entries(policies)) {
    if (name === '3rdparty') {
      const extensions = (value as { Extensions?: Record<string, unknown> }).Extensions ?? {};
      keys.push({
        path: `${root}\\3rdparty\\Extensions`,
        values: Object.entries(extensions).map(([id, config]) => [
          id,
          { type: 'sz', value: JSON.stringify(config) },
        ]),
      });
    } else if (FIREFOX_JSON_TEXT_POLICIES.has(name)) {
      main.values.push([name, { type: 'sz', value: JSON.stringify(value) }]);
    } else if (typeof value === 'object' && value !== null) {
      keys.push(...objectKeys(`${root}\\${name}`, value, name, true));
    } else {
      main.values.push([name, scalar(value, name)]);
    }
  }
  return [main, ...keys];
}

function objectKeys(path: string, value: object, name: string, replace: boolean): RegKey[] {
  if (Array.isArray(value)) {
    return [
      {
        path,
        replace,
        values: value.map((item, i) => {
          if (typeof item !== 'string') throw new Error(`${name} entry ${i + 1} is not text`);
          return [String(i + 1), { type: 'sz', value: item }];
        }),
      },
    ];
  }
  const key: RegKey = { path, replace, values: [] };
  const below: RegKey[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'object' && v !== null)
      below.push(...objectKeys(`${path}\\${k}`, v, `${name}.${k}`, false));
    else key.values.push([k, scalar(v, `${name}.${k}`)]);
  }
  return [key, ...below];
}

function scalar(value: unknown, name: string): RegData {
  if (typeof value === 'boolean') return { type: 'dword', value: value ? 1 : 0 };
  if (typeof value === 'number') return { type: 'dword', value };
  if (typeof value === 'string') return { type: 'sz', value };
  throw new Error(`${name} has a value the registry cannot hold (${typeof value})`);
}

/**
 * The policies as the settings of Firefox's macOS preference domain (a configuration profile's payload):
 * `EnterprisePoliciesEnabled` true, without which Firefox reads none of them, then each policy as a plist
 * key. Firefox hands plist numbers and booleans to its validator as integers (nsMacPreferencesReader
 * writes every NSNumber with IntProperty), which turns 0/1 back into booleans only where its schema says
 * boolean; an add-on's managed configuration has no such schema, so each `3rdparty.Extensions.<id>` is
 * written as JSON text (which the schema takes, `contentMediaType: application/json`) and keeps true/false.
 */
export function firefoxMacSettings(policies: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { [FIREFOX_MAC_ENABLE_KEY]: true };
  for (const [name, value] of Object.entries(policies)) {
    if (name === '3rdparty') {
      const extensions = (value as { Extensions?: Record<string, unknown> }).Extensions ?? {};
      out[name] = {
        Extensions: Object.fromEntries(Object.entries(extensions).map(([id, c]) => [id, JSON.stringify(c)])),
      };
    } else out[name] = value;
  }
  return out;
}
