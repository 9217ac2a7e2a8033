/**
 * The browser enterprise policy an exam seat needs, as data. Two users:
 * - `invigil policy` (deploy/) writes it for each browser and OS in its native form, only the
 *   policies that apply to that browser and OS (`chromiumPolicy`);
 * - the agent's `browser-policy` check reads the installed policy and requires the entries that
 *   carry a `requirement` and apply to the browser, OS and version it finds (`requiredPolicies`).
 * Keeping both on this one list means the check never asks for something the generator omits.
 *
 * Every name and value was checked against the vendor's own templates: Chromium's
 * `components/policy/resources/templates/policy_definitions/**.yaml` (the `supported_on` and
 * `future_on` lines give `chromium` below; Chrome and Chromium builds share them) and Microsoft's
 * Edge policy templates (msedge.admx, Edge 139, give `edge`). On Linux they were also installed
 * under Chromium 156 and read back (test/e2e/deploy/policy-in-chromium.test.ts).
 */
import { EXTENSION_ID } from '../constants.ts';
import { NATIVE_HOST_NAME } from '../schemas/native.ts';
import type { ExtensionPolicy } from '../schemas/policy.ts';

export type ChromiumBrowser = 'chrome' | 'chromium' | 'edge';
/** A browser a seat can be managed with (its config's `browser.name`). */
export type SeatBrowser = ChromiumBrowser | 'firefox';
export type PolicyOs = 'windows' | 'macos' | 'linux';
export const POLICY_OS_LIST: readonly PolicyOs[] = ['windows', 'macos', 'linux'];

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

/** Whether an update URL is a browser vendor's store (whose URL the browser never lets policy override). */
export function isStoreUpdateUrl(url: string): boolean {
  return url === WEB_STORE_UPDATE_URL || url === EDGE_ADDONS_UPDATE_URL;
}

/**
 * Browser-internal addresses the policy blocks by itself (`URLBlocklist`), so that a browser the
 * candidate starts without the extension (`--disable-extensions`) still cannot open settings, the
 * password manager, history, extensions, flags or chrome://inspect: `*` does not cover them.
 * `javascript://*` covers what is typed in the address bar and bookmarklets (Chrome 73 and later).
 */
export const INTERNAL_URL_PATTERNS: Record<ChromiumBrowser, readonly string[]> = {
  chrome: [
    'chrome://*',
    'chrome-untrusted://*',
    'devtools://*',
    'javascript://*',
    'view-source:*',
    'file://*',
  ],
  chromium: [
    'chrome://*',
    'chrome-untrusted://*',
    'devtools://*',
    'javascript://*',
    'view-source:*',
    'file://*',
  ],
  // Edge shows its pages as edge:// and still answers to chrome://.
  edge: [
    'edge://*',
    'chrome://*',
    'chrome-untrusted://*',
    'devtools://*',
    'javascript://*',
    'view-source:*',
    'file://*',
  ],
};

/**
 * Where a policy is honoured on one OS: the first major version that honours it, or `announced`
 * when the vendor's template lists the OS as `future_on` (the name is known, the browser may not
 * act on it yet). Announced policies are written, so a seat is ready when the browser starts to
 * honour them, and never required by the check.
 */
export type OsSupport = number | 'announced';
export type Support = Partial<Record<PolicyOs, OsSupport>>;

const everywhere = (since: OsSupport): Support => ({ windows: since, macos: since, linux: since });
/** Edge on Linux reads the same policies as on macOS; Microsoft's reference lists Windows and macOS. */
const edgeEverywhere = everywhere;

export type PolicyGroup =
  | 'extension'
  | 'sites'
  | 'internals'
  | 'passwords-autofill'
  | 'browser'
  | 'ai'
  | 'translation'
  | 'search';

/** What the policy values depend on: the seat config and the browser. */
export interface SeatPolicyContext {
  browser: ChromiumBrowser;
  extensionId: string;
  updateUrl: string;
  extensionPolicy: ExtensionPolicy;
  printing: boolean;
}

export interface PolicyRequirement {
  /** Plain English: what the seat needs ("password saving is off"). */
  requirement: string;
  /** The value that satisfies it, as IT would write it ("false", "1"). */
  expected: string;
  /** Whether an installed value satisfies it. */
  satisfied(value: unknown, extensionId: string, browser: ChromiumBrowser): boolean;
}

export interface BrowserPolicy {
  /** The policy's name in Chrome and Chromium (an Edge-only policy's own name). */
  key: string;
  /** Edge's name, where Microsoft renamed it. */
  edgeName?: string;
  group: PolicyGroup;
  /** Where Chrome and Chromium honour it (Chromium's templates; omitted: not a Chrome policy). */
  chromium?: Support;
  /** Where Edge honours it (Microsoft's templates; omitted: not an Edge policy). */
  edge?: Support;
  /** The value an exam seat wants. */
  value(ctx: SeatPolicyContext): unknown;
  /** What it stops, in plain English (the Windows README and CSV, docs/deploy.md). */
  purpose: string;
  /** Where the name and value were checked. */
  source: string;
  /** Present when the agent's check insists on it (where it applies). */
  required?: PolicyRequirement;
  /**
   * Other policies whose installed value also satisfies the requirement: the name a browser
   * replaced this one with, or the one it replaced.
   */
  alsoSatisfiedBy?: readonly { key: string; satisfied(value: unknown, extensionId: string): boolean }[];
  /** The browser version that marks it deprecated, and what replaces it. */
  deprecated?: { chromium?: number; edge?: number; replacedBy: string };
  /**
   * Why a centre may turn this one off (`policy.relax` in the seat config): the generator then
   * leaves it out, the browser's default applies, and the check no longer asks for it.
   */
  relaxable?: string;
}

const is =
  (expected: unknown) =>
  (value: unknown): boolean =>
    value === expected;

/** A requirement that the installed value is exactly the exam value. */
function exactly(requirement: string, value: boolean | number): PolicyRequirement {
  return { requirement, expected: String(value), satisfied: is(value) };
}

function constant(value: unknown): () => unknown {
  return () => value;
}

/** ExtensionSettings can force-install instead of ExtensionInstallForcelist; either satisfies that line. */
export function forceInstalledBySettings(extensionSettings: unknown, extensionId: string): boolean {
  const settings = jsonText(extensionSettings);
  if (typeof settings !== 'object' || settings === null) return false;
  const entry = (settings as Record<string, unknown>)[extensionId];
  if (typeof entry !== 'object' || entry === null) return false;
  const mode = (entry as Record<string, unknown>).installation_mode;
  return mode === 'force_installed' || mode === 'normal_installed';
}

/** A registry string holding JSON (dictionary policies) becomes the object; other values stay. */
export function jsonText(value: unknown): unknown {
  if (typeof value !== 'string' || !/^\s*[{[]/.test(value)) return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/** The AutofillSettings entry an exam seat writes: every Autofill data type blocked on every site. */
export const AUTOFILL_SETTINGS_VALUE = [{ url_pattern: '*', blocked_types: ['all'] }];

/** Whether an AutofillSettings value blocks `type` (or `all`) on every site (`*`). */
export function autofillSettingsBlocks(value: unknown, type: string): boolean {
  const list = jsonText(value);
  if (!Array.isArray(list)) return false;
  return list.some((e) => {
    if (typeof e !== 'object' || e === null) return false;
    const { url_pattern: pattern, blocked_types: types } = e as Record<string, unknown>;
    return pattern === '*' && Array.isArray(types) && (types.includes('all') || types.includes(type));
  });
}

const CHROMIUM_TEMPLATES = "Chromium's policy templates (policy_definitions";
const EDGE_TEMPLATES = "Microsoft's Edge policy templates (msedge.admx, Edge 139)";

/**
 * Every policy the generator writes, in the order it writes them. Chrome's names; `edgeName`
 * where Edge differs. The `source` says where each name and value was checked.
 */
export const BROWSER_POLICIES: readonly BrowserPolicy[] = [
  // ---- the extension ----
  {
    key: 'ExtensionInstallForcelist',
    group: 'extension',
    chromium: everywhere(9),
    edge: edgeEverywhere(77),
    value: (c) => [`${c.extensionId};${c.updateUrl}`],
    purpose: 'Installs the Invigil extension and keeps it installed (the candidate cannot remove it).',
    source: `${CHROMIUM_TEMPLATES}/Extensions/ExtensionInstallForcelist.yaml); ${EDGE_TEMPLATES}`,
    required: {
      requirement: 'the Invigil extension is force-installed (by this policy or by ExtensionSettings)',
      expected: "the extension's id",
      satisfied: (v, id) =>
        Array.isArray(v) && v.some((e) => typeof e === 'string' && e.split(';')[0] === id),
    },
    alsoSatisfiedBy: [{ key: 'ExtensionSettings', satisfied: forceInstalledBySettings }],
  },
  {
    key: 'ExtensionSettings',
    group: 'extension',
    chromium: everywhere(62),
    edge: edgeEverywhere(77),
    value: (c) => ({
      '*': {
        installation_mode: 'blocked',
        blocked_install_message: 'Extensions are not allowed on exam PCs.',
      },
      [c.extensionId]: {
        installation_mode: 'force_installed',
        update_url: c.updateUrl,
        // Without this a self-hosted extension's later updates follow the URL inside its own
        // manifest, not the one IT set here (the browser ignores the flag for store URLs).
        ...(isStoreUpdateUrl(c.updateUrl) ? {} : { override_update_url: true }),
        toolbar_pin: 'force_pinned',
      },
    }),
    purpose: 'Blocks every other extension; force-installs and pins the Invigil extension.',
    source: `${CHROMIUM_TEMPLATES}/Extensions/ExtensionSettings.yaml); ${EDGE_TEMPLATES}`,
  },
  {
    key: 'ExtensionDeveloperModeSettings',
    group: 'extension',
    chromium: everywhere(128),
    edge: edgeEverywhere(128),
    value: constant(1),
    purpose: 'Developer mode on the extensions page is off, so no unpacked extension can be loaded.',
    source: `${CHROMIUM_TEMPLATES}/Extensions/ExtensionDeveloperModeSettings.yaml); ${EDGE_TEMPLATES}`,
  },
  // ---- sites ----
  {
    key: 'URLBlocklist',
    group: 'sites',
    chromium: everywhere(86),
    edge: edgeEverywhere(77),
    value: (c) => ['*', ...INTERNAL_URL_PATTERNS[c.browser]],
    purpose:
      "Blocks every web address, and the browser's own pages (settings, passwords, history, extensions, flags, inspect), view-source:, file:// and javascript: typed in the address bar, even in a browser started without extensions...",
    source: `${CHROMIUM_TEMPLATES}/Miscellaneous/URLBlocklist.yaml); ${EDGE_TEMPLATES}`,
    required: {
      requirement: "the browser's own pages are blocked (settings, passwords, history, extensions, flags)",
      expected: 'a list that includes the browser-internal patterns (chrome://* and the rest)',
      satisfied: (v, _id, browser) =>
        Array.isArray(v) && INTERNAL_URL_PATTERNS[browser].every((p) => v.includes(p)),
    },
  },
  {
    key: 'URLAllowlist',
    group: 'sites',
    chromium: everywhere(86),
    edge: edgeEverywhere(77),
    // Host names without a scheme: each matches the host and its subdomains on any scheme and port,
    // the same meaning as the extension's own allowlist (see shared/rules/hosts.ts).
    value: (c) => [...c.extensionPolicy.allowedHosts, `chrome-extension://${c.extensionId}`],
    purpose:
      "...except the assessment hosts (and their subdomains) and the extension's own pages (its new-tab page among them).",
    source: `${CHROMIUM_TEMPLATES}/Miscellaneous/URLAllowlist.yaml); ${EDGE_TEMPLATES}`,
  },
  // ---- passwords and autofill ----
  {
    key: 'PasswordManagerEnabled',
    group: 'passwords-autofill',
    chromium: everywhere(8),
    edge: edgeEverywhere(77),
    value: constant(false),
    purpose: 'Password saving is off (the awarding body forbids browser auto-save).',
    source: `${CHROMIUM_TEMPLATES}/PasswordManager/PasswordManagerEnabled.yaml); ${EDGE_TEMPLATES}`,
    required: exactly('password saving is off', false),
  },
  {
    key: 'AutofillAddressEnabled',
    group: 'passwords-autofill',
    chromium: everywhere(69),
    edge: edgeEverywhere(77),
    value: constant(false),
    purpose:
      'Address autofill is off. Chromium 156 marks this name deprecated in favour of AutofillSettings; both are written while browsers still need it.',
    source: `${CHROMIUM_TEMPLATES}/Miscellaneous/AutofillAddressEnabled.yaml); ${EDGE_TEMPLATES}; deprecated on chrome://policy in Chromium 156`,
    required: exactly('address autofill is off', false),
    alsoSatisfiedBy: [
      { key: 'AutofillSettings', satisfied: (v) => autofillSettingsBlocks(v, 'contact_info') },
    ],
    deprecated: { chromium: 156, replacedBy: 'AutofillSettings' },
  },
  {
    key: 'AutofillCreditCardEnabled',
    group: 'passwords-autofill',
    chromium: everywhere(63),
    edge: edgeEverywhere(77),
    value: constant(false),
    purpose:
      'Payment card autofill is off. Chromium 156 marks this name deprecated in favour of AutofillSettings; both are written while browsers still need it.',
    source: `${CHROMIUM_TEMPLATES}/Miscellaneous/AutofillCreditCardEnabled.yaml); ${EDGE_TEMPLATES}; deprecated on chrome://policy in Chromium 156`,
    required: exactly('card autofill is off', false),
    alsoSatisfiedBy: [{ key: 'AutofillSettings', satisfied: (v) => autofillSettingsBlocks(v, 'payments') }],
    deprecated: { chromium: 156, replacedBy: 'AutofillSettings' },
  },
  {
    key: 'AutofillSettings',
    group: 'passwords-autofill',
    // The template read lists chrome.* as future_on; Chromium 156 on Linux applies it
    // (chrome.privacy.services.autofillSettings reports it as set by policy), and the template
    // names Windows, macOS and Linux together (chrome.*).
    chromium: everywhere(156),
    value: constant(AUTOFILL_SETTINGS_VALUE),
    purpose:
      "Autofill never suggests or saves any kind of data (addresses, cards, identity documents...) on any site: Chromium's replacement for AutofillAddressEnabled and AutofillCreditCardEnabled.",
    source: `${CHROMIUM_TEMPLATES}/Miscellaneous/AutofillSettings.yaml); chrome://policy in Chromium 156 names it as what overrides the deprecated autofill policies`,
  },
  // ---- the browser ----
  {
    key: 'IncognitoModeAvailability',
    edgeName: 'InPrivateModeAvailability',
    group: 'browser',
    chromium: everywhere(14),
    edge: edgeEverywhere(77),
    value: constant(1),
    purpose: 'Incognito (Edge: InPrivate) windows cannot be opened.',
    source: `${CHROMIUM_TEMPLATES}/Miscellaneous/IncognitoModeAvailability.yaml); ${EDGE_TEMPLATES} (InPrivateModeAvailability)`,
    required: exactly('incognito (InPrivate in Edge) windows are off', 1),
  },
  {
    key: 'BrowserGuestModeEnabled',
    group: 'browser',
    chromium: everywhere(38),
    edge: edgeEverywhere(77),
    value: constant(false),
    purpose: 'Guest mode is off.',
    source: `${CHROMIUM_TEMPLATES}/Miscellaneous/BrowserGuestModeEnabled.yaml); ${EDGE_TEMPLATES}`,
  },
  {
    key: 'BrowserAddPersonEnabled',
    edgeName: 'BrowserAddProfileEnabled',
    group: 'browser',
    chromium: everywhere(39),
    edge: edgeEverywhere(77),
    value: constant(false),
    purpose: 'No new browser profiles can be added (Edge: BrowserAddProfileEnabled).',
    source: `${CHROMIUM_TEMPLATES}/Miscellaneous/BrowserAddPersonEnabled.yaml); ${EDGE_TEMPLATES} (BrowserAddProfileEnabled)`,
  },
  {
    key: 'DownloadRestrictions',
    group: 'browser',
    chromium: everywhere(61),
    edge: edgeEverywhere(77),
    value: (c) => (c.extensionPolicy.allowDownloads ? 0 : 3),
    purpose: 'Downloads are blocked (3), unless the config allows them (0).',
    source: `${CHROMIUM_TEMPLATES}/Miscellaneous/DownloadRestrictions.yaml); ${EDGE_TEMPLATES}`,
  },
  {
    key: 'PrintingEnabled',
    group: 'browser',
    chromium: everywhere(39),
    edge: edgeEverywhere(77),
    value: (c) => c.printing,
    purpose: 'Printing is off unless the config allows it.',
    source: `${CHROMIUM_TEMPLATES}/Printing/PrintingEnabled.yaml); ${EDGE_TEMPLATES}`,
  },
  {
    key: 'ScreenCaptureAllowed',
    group: 'browser',
    chromium: everywhere(81),
    edge: edgeEverywhere(83),
    value: constant(false),
    purpose: 'Web pages cannot capture the screen.',
    source: `${CHROMIUM_TEMPLATES}/Miscellaneous/ScreenCaptureAllowed.yaml); ${EDGE_TEMPLATES}`,
  },
  {
    key: 'BrowserSignin',
    group: 'browser',
    chromium: everywhere(70),
    edge: edgeEverywhere(77),
    value: constant(0),
    purpose: 'Browser sign-in is off (0).',
    source: `${CHROMIUM_TEMPLATES}/Miscellaneous/BrowserSignin.yaml); ${EDGE_TEMPLATES}`,
  },
  {
    key: 'SyncDisabled',
    group: 'browser',
    chromium: everywhere(8),
    edge: edgeEverywhere(77),
    value: constant(true),
    purpose: 'Sync is off, so nothing from another machine arrives in the browser.',
    source: `${CHROMIUM_TEMPLATES}/Miscellaneous/SyncDisabled.yaml); ${EDGE_TEMPLATES}`,
  },
  {
    key: 'AllowFileSelectionDialogs',
    group: 'browser',
    chromium: everywhere(12),
    edge: edgeEverywhere(77),
    value: constant(false),
    purpose:
      'No open or save dialog: pages cannot upload files, the candidate cannot save the page (Ctrl+S) or a link, and downloads the config allows go to the default folder without asking.',
    source: `${CHROMIUM_TEMPLATES}/Miscellaneous/AllowFileSelectionDialogs.yaml); ${EDGE_TEMPLATES}`,
    required: exactly('open and save dialogs are off (no uploads, no saving the page)', false),
    relaxable:
      'an assessment that asks candidates to upload a file (evidence, a portfolio) needs the open dialog',
  },
  // ---- the browser's own pages and debugging ----
  {
    key: 'DeveloperToolsAvailability',
    group: 'internals',
    chromium: everywhere(68),
    edge: edgeEverywhere(77),
    value: constant(2),
    purpose: 'Developer tools are off.',
    source: `${CHROMIUM_TEMPLATES}/Miscellaneous/DeveloperToolsAvailability.yaml); ${EDGE_TEMPLATES}`,
    required: exactly('developer tools are off', 2),
  },
  {
    key: 'RemoteDebuggingAllowed',
    group: 'internals',
    chromium: everywhere(93),
    edge: edgeEverywhere(93),
    value: constant(false),
    purpose:
      'A browser started with --remote-debugging-port or --remote-debugging-pipe opens no debugging connection, so no other program can drive it or read its pages.',
    source: `${CHROMIUM_TEMPLATES}/Miscellaneous/RemoteDebuggingAllowed.yaml); ${EDGE_TEMPLATES}`,
    required: exactly('remote debugging is off (no program can drive the browser)', false),
  },
  {
    key: 'TaskManagerEndProcessEnabled',
    group: 'internals',
    chromium: everywhere(52),
    edge: edgeEverywhere(77),
    value: constant(false),
    purpose: "Processes (such as the extension) cannot be ended from the browser's task manager.",
    source: `${CHROMIUM_TEMPLATES}/Miscellaneous/TaskManagerEndProcessEnabled.yaml); ${EDGE_TEMPLATES}`,
  },
  {
    key: 'PolicyTestPageEnabled',
    group: 'internals',
    chromium: everywhere('announced'),
    value: constant(false),
    purpose:
      'The policy test page (chrome://policy/test, Canary builds), which would set test policies in place of these, is blocked.',
    source: `${CHROMIUM_TEMPLATES}/Miscellaneous/PolicyTestPageEnabled.yaml, future_on)`,
  },
  {
    key: 'NativeMessagingBlocklist',
    group: 'internals',
    chromium: everywhere(86),
    edge: edgeEverywhere(77),
    value: constant(['*']),
    purpose: 'Blocks every native messaging host...',
    source: `${CHROMIUM_TEMPLATES}/NativeMessaging/NativeMessagingBlocklist.yaml); ${EDGE_TEMPLATES}`,
  },
  {
    key: 'NativeMessagingAllowlist',
    group: 'internals',
    chromium: everywhere(86),
    edge: edgeEverywhere(77),
    value: constant([NATIVE_HOST_NAME]),
    purpose: "...except Invigil's (uk.invigil.agent), which links the extension to the seat agent.",
    source: `${CHROMIUM_TEMPLATES}/NativeMessaging/NativeMessagingAllowlist.yaml); ${EDGE_TEMPLATES}`,
  },
  {
    key: 'NativeMessagingUserLevelHosts',
    group: 'internals',
    chromium: everywhere(34),
    edge: edgeEverywhere(77),
    value: constant(false),
    purpose: 'Only machine-wide native messaging hosts count; a user cannot register their own.',
    source: `${CHROMIUM_TEMPLATES}/NativeMessaging/NativeMessagingUserLevelHosts.yaml); ${EDGE_TEMPLATES}`,
  },
  // ---- AI ----
  {
    key: 'GeminiSettings',
    group: 'ai',
    chromium: { windows: 137, macos: 137, linux: 'announced' },
    value: constant(1),
    purpose: 'Gemini in Chrome (the assistant that reads the page and answers) is off.',
    source: `${CHROMIUM_TEMPLATES}/GenerativeAI/GeminiSettings.yaml: 1 = Disabled)`,
    required: exactly('Gemini in the browser is off', 1),
  },
  {
    key: 'GeminiActOnWebSettings',
    group: 'ai',
    chromium: { windows: 143, macos: 143, linux: 143 },
    value: constant(1),
    purpose: 'Gemini cannot act on web pages for the candidate (fill in, click through).',
    source: `${CHROMIUM_TEMPLATES}/GenerativeAI/GeminiActOnWebSettings.yaml: 1 = Disabled; Chromium 156 refuses 2 as out of range)`,
    required: exactly('Gemini cannot act on web pages', 1),
  },
  {
    key: 'GeminiChromeFileUploadSettings',
    group: 'ai',
    chromium: everywhere('announced'),
    value: constant(1),
    purpose: 'No files can be uploaded to Gemini in Chrome.',
    source: `${CHROMIUM_TEMPLATES}/GenerativeAI/GeminiChromeFileUploadSettings.yaml: 1 = Disabled, future_on)`,
  },
  {
    key: 'GeminiSparkSettings',
    group: 'ai',
    chromium: everywhere(150),
    value: constant(1),
    purpose: 'The Gemini Spark agent cannot connect to the browser and browse on its own.',
    source: `${CHROMIUM_TEMPLATES}/GenerativeAI/GeminiSparkSettings.yaml: 1 = Disabled)`,
    required: exactly('the Gemini Spark agent cannot use the browser', 1),
  },
  {
    key: 'ThirdPartyAiChatSettings',
    group: 'ai',
    // Known to Chromium 156 on every desktop build (chrome://policy lists it on Linux); its
    // template was not in the searchable Chromium snapshot, so it is written and not required.
    chromium: everywhere('announced'),
    value: constant(1),
    purpose:
      "Third-party AI chat entry points in the address bar and the new-tab search box are off (1, Disabled, as in its family's AIModeSettings).",
    source:
      'Chromium 156 (the name is on chrome://policy; omnibox.third_party_ai_chat_settings); values as AIModeSettings',
  },
  {
    key: 'AIModeSettings',
    group: 'ai',
    chromium: everywhere(138),
    value: constant(1),
    purpose: "Google's AI Mode in the address bar and the new-tab search box is off.",
    source: `${CHROMIUM_TEMPLATES}/GenerativeAI/AIModeSettings.yaml: 1 = Disabled)`,
    required: exactly('AI Mode in the address bar is off', 1),
  },
  {
    key: 'SearchContentSharingSettings',
    group: 'ai',
    chromium: everywhere(144),
    value: constant(1),
    purpose:
      'The page and its files cannot be shared with Google AI Mode or Lens from the side panel or a tab (what overrides the Lens policies in Chromium 156).',
    source: `${CHROMIUM_TEMPLATES}/GenerativeAI/SearchContentSharingSettings.yaml: 1 = Disabled); Chromium 156 says it overrides LensOverlaySettings, LensRegionSearchEnabled and LensDesktopNTPSearchEnabled`,
    required: exactly('the page cannot be shared with AI Mode or Lens', 1),
  },
  {
    key: 'SmartTabSharingSettings',
    group: 'ai',
    chromium: everywhere(150),
    value: constant(1),
    purpose: 'AI Mode cannot be given the open tabs.',
    source: `${CHROMIUM_TEMPLATES}/GenerativeAI/SmartTabSharingSettings.yaml: 1 = Disabled)`,
    required: exactly('open tabs cannot be shared with AI Mode', 1),
  },
  {
    key: 'LensOverlaySettings',
    group: 'ai',
    chromium: everywhere(126),
    value: constant(1),
    purpose:
      "Lens overlay (search anything on the screen with Google) is off. The template's values are 0 and 1 (1 = Disabled); there is no 2.",
    source: `${CHROMIUM_TEMPLATES}/Miscellaneous/LensOverlaySettings.yaml: enum 0, 1); deprecated in Chromium 156 and overridden by SearchContentSharingSettings`,
    required: exactly('Lens overlay is off', 1),
    alsoSatisfiedBy: [{ key: 'SearchContentSharingSettings', satisfied: is(1) }],
    deprecated: { chromium: 156, replacedBy: 'SearchContentSharingSettings' },
  },
  {
    key: 'LensRegionSearchEnabled',
    group: 'ai',
    chromium: everywhere(94),
    value: constant(false),
    purpose: 'The "Search with Google Lens" region search in the context menu is off.',
    source: `${CHROMIUM_TEMPLATES}/Miscellaneous/LensRegionSearchEnabled.yaml); deprecated in Chromium 156 and overridden by SearchContentSharingSettings`,
    required: exactly('Lens region search is off', false),
    alsoSatisfiedBy: [{ key: 'SearchContentSharingSettings', satisfied: is(1) }],
    deprecated: { chromium: 156, replacedBy: 'SearchContentSharingSettings' },
  },
  {
    key: 'LensDesktopNTPSearchEnabled',
    group: 'ai',
    chromium: everywhere(109),
    value: constant(false),
    purpose: 'The Lens button in the new-tab search box is off.',
    source: `${CHROMIUM_TEMPLATES}/Miscellaneous/LensDesktopNTPSearchEnabled.yaml); deprecated in Chromium 156 and overridden by SearchContentSharingSettings`,
    required: exactly('the Lens button on the new-tab page is off', false),
    alsoSatisfiedBy: [{ key: 'SearchContentSharingSettings', satisfied: is(1) }],
    deprecated: { chromium: 156, replacedBy: 'SearchContentSharingSettings' },
  },
  {
    key: 'HelpMeWriteSettings',
    group: 'ai',
    chromium: everywhere(121),
    value: constant(2),
    purpose: '"Help me write" (AI that writes or rewrites text in a text box) is off.',
    source: `${CHROMIUM_TEMPLATES}/GenerativeAI/HelpMeWriteSettings.yaml: 2 = Disabled)`,
    required: exactly('"Help me write" is off', 2),
  },
  {
    key: 'TabCompareSettings',
    group: 'ai',
    chromium: everywhere(129),
    value: constant(2),
    purpose: 'AI tab compare is off.',
    source: `${CHROMIUM_TEMPLATES}/GenerativeAI/TabCompareSettings.yaml: 2 = Disabled)`,
    required: exactly('AI tab compare is off', 2),
  },
  {
    key: 'HistorySearchSettings',
    group: 'ai',
    chromium: everywhere(128),
    value: constant(2),
    purpose: 'AI history search (answers generated from pages visited) is off.',
    source: `${CHROMIUM_TEMPLATES}/GenerativeAI/HistorySearchSettings.yaml: 2 = Disabled)`,
    required: exactly('AI history search is off', 2),
  },
  {
    key: 'CreateThemesSettings',
    group: 'ai',
    chromium: everywhere(121),
    value: constant(2),
    purpose: 'Creating themes with AI is off.',
    source: `${CHROMIUM_TEMPLATES}/GenerativeAI/CreateThemesSettings.yaml: 2 = Disabled)`,
    required: exactly('AI themes are off', 2),
  },
  {
    key: 'DevToolsGenAiSettings',
    group: 'ai',
    chromium: everywhere(125),
    value: constant(2),
    purpose: "Developer tools' AI assistance is off (developer tools are off as well).",
    source: `${CHROMIUM_TEMPLATES}/GenerativeAI/DevToolsGenAiSettings.yaml: 2 = Disabled)`,
    required: exactly("developer tools' AI assistance is off", 2),
  },
  {
    key: 'AutofillGenAiSettings',
    group: 'ai',
    chromium: everywhere('announced'),
    value: constant(2),
    purpose: 'Generative AI in autofill (including "Find and Fill with Gemini") is off.',
    source: `${CHROMIUM_TEMPLATES}/GenerativeAI/AutofillGenAiSettings.yaml: 2 = Disabled, future_on; supersedes AutofillPredictionSettings)`,
  },
  {
    key: 'AutofillPredictionSettings',
    group: 'ai',
    chromium: everywhere(131),
    value: constant(2),
    purpose: 'AI form understanding in autofill is off (applies until AutofillGenAiSettings takes over).',
    source: `${CHROMIUM_TEMPLATES}/GenerativeAI/AutofillPredictionSettings.yaml: 2 = Disabled)`,
    required: exactly('AI autofill predictions are off', 2),
    alsoSatisfiedBy: [{ key: 'AutofillGenAiSettings', satisfied: is(2) }],
  },
  {
    key: 'GenAILocalFoundationalModelSettings',
    group: 'ai',
    chromium: everywhere(124),
    edge: edgeEverywhere(132),
    value: constant(1),
    purpose:
      'The on-device AI model is not downloaded, so nothing on the PC can run it (pages, the browser, extensions).',
    source: `${CHROMIUM_TEMPLATES}/GenerativeAI/GenAILocalFoundationalModelSettings.yaml: 1 = Disabled; Chromium 156 refuses 2 as out of range); ${EDGE_TEMPLATES}`,
    required: exactly('the on-device AI model is not downloaded', 1),
  },
  {
    key: 'BuiltInAIAPIsEnabled',
    group: 'ai',
    chromium: everywhere(137),
    edge: edgeEverywhere(138),
    value: constant(false),
    purpose:
      'Pages cannot use the built-in AI APIs (LanguageModel, Summarizer, Writer, Rewriter), so a page cannot summarise or answer the question.',
    source: `${CHROMIUM_TEMPLATES}/Miscellaneous/BuiltInAIAPIsEnabled.yaml); ${EDGE_TEMPLATES}`,
    required: exactly("pages cannot use the browser's built-in AI", false),
  },
  {
    key: 'VoiceTypingSettings',
    group: 'ai',
    chromium: everywhere(151),
    value: constant(2),
    purpose: '"Talk to type" (AI that transcribes and reformats speech into text boxes) is off.',
    source: `${CHROMIUM_TEMPLATES}/GenerativeAI/VoiceTypingSettings.yaml: 2 = Disabled)`,
    required: exactly('AI voice typing is off', 2),
    relaxable:
      "a candidate whose access arrangements allow voice recognition software may need it (check the awarding body's arrangement first)",
  },
  {
    key: 'AccessibilityImageLabelsEnabled',
    group: 'ai',
    chromium: everywhere(84),
    edge: edgeEverywhere(97),
    value: constant(false),
    purpose:
      'Screen readers do not send images to Google for a description (an image in a question is not described by a service).',
    source: `${CHROMIUM_TEMPLATES}/Miscellaneous/AccessibilityImageLabelsEnabled.yaml); ${EDGE_TEMPLATES}`,
    required: exactly('images are not sent to a service for descriptions', false),
    relaxable: 'a screen-reader user whose access arrangements allow automatic image descriptions',
  },
  {
    key: 'HubsSidebarEnabled',
    group: 'ai',
    edge: edgeEverywhere(99),
    value: constant(false),
    purpose: "Edge's sidebar (Copilot, search, apps) is never shown.",
    source: EDGE_TEMPLATES,
    required: exactly("Edge's sidebar (Copilot) is off", false),
  },
  {
    key: 'StandaloneHubsSidebarEnabled',
    group: 'ai',
    edge: { windows: 114 },
    value: constant(false),
    purpose: "Edge's sidebar cannot be detached onto the Windows desktop.",
    source: `${EDGE_TEMPLATES}; a Windows desktop feature`,
    required: exactly("Edge's standalone sidebar is off", false),
  },
  {
    key: 'CopilotPageContext',
    group: 'ai',
    edge: edgeEverywhere(124),
    value: constant(false),
    purpose: 'Copilot in Edge cannot read the page (Entra ID profiles).',
    source: `${EDGE_TEMPLATES}; Microsoft's reference lists Windows and macOS 124`,
    required: exactly('Copilot cannot read the page', false),
  },
  {
    key: 'EdgeEntraCopilotPageContext',
    group: 'ai',
    edge: edgeEverywhere(130),
    value: constant(false),
    purpose: 'Copilot with enterprise data protection cannot read the page either.',
    source: EDGE_TEMPLATES,
    required: exactly('Copilot (enterprise data protection) cannot read the page', false),
  },
  {
    key: 'Microsoft365CopilotChatIconEnabled',
    group: 'ai',
    edge: edgeEverywhere(139),
    value: constant(false),
    purpose: 'The Microsoft 365 Copilot Chat button is not in the toolbar.',
    source: EDGE_TEMPLATES,
    required: exactly('the Microsoft 365 Copilot Chat button is hidden', false),
  },
  {
    key: 'ComposeInlineEnabled',
    group: 'ai',
    edge: edgeEverywhere(115),
    value: constant(false),
    purpose: 'Copilot writing assistance (Rewrite) in text boxes is off.',
    source: EDGE_TEMPLATES,
    required: exactly('Copilot writing assistance is off', false),
  },
  {
    key: 'EdgeHistoryAISearchEnabled',
    group: 'ai',
    edge: edgeEverywhere(138),
    value: constant(false),
    purpose: 'AI-enhanced history search is off.',
    source: EDGE_TEMPLATES,
    required: exactly('AI history search is off', false),
  },
  {
    key: 'VisualSearchEnabled',
    group: 'ai',
    edge: edgeEverywhere(95),
    value: constant(false),
    purpose: "Edge's visual search (search an image on the page) is off.",
    source: EDGE_TEMPLATES,
    required: exactly('visual search is off', false),
  },
  // ---- translation ----
  {
    key: 'TranslateEnabled',
    group: 'translation',
    chromium: everywhere(12),
    edge: edgeEverywhere(77),
    value: constant(false),
    purpose: 'The browser never offers to translate a page, and the translate menu item is gone.',
    source: `${CHROMIUM_TEMPLATES}/Miscellaneous/TranslateEnabled.yaml); ${EDGE_TEMPLATES}`,
    required: exactly('page translation is off', false),
  },
  {
    key: 'TranslatorAPIAllowed',
    group: 'translation',
    chromium: everywhere(132),
    value: constant(false),
    purpose:
      'Pages cannot use the Translator API (BuiltInAIAPIsEnabled does not cover it): a page cannot translate the question.',
    source: `${CHROMIUM_TEMPLATES}/Miscellaneous/TranslatorAPIAllowed.yaml)`,
    required: exactly('pages cannot use the Translator API', false),
  },
  {
    key: 'LiveTranslateEnabled',
    group: 'translation',
    chromium: everywhere(133),
    value: constant(false),
    purpose: 'Live captions are not sent to Google for translation.',
    source: `${CHROMIUM_TEMPLATES}/Accessibility/LiveTranslateEnabled.yaml)`,
    required: exactly('live caption translation is off', false),
  },
  // ---- searching the question ----
  {
    key: 'SearchSuggestEnabled',
    group: 'search',
    chromium: everywhere(8),
    edge: edgeEverywhere(77),
    value: constant(false),
    purpose: 'What the candidate types in the address bar is not sent to a search engine for suggestions.',
    source: `${CHROMIUM_TEMPLATES}/Miscellaneous/SearchSuggestEnabled.yaml); ${EDGE_TEMPLATES}`,
    required: exactly('search suggestions are off', false),
  },
  {
    key: 'GoogleSearchSidePanelEnabled',
    group: 'search',
    chromium: everywhere(115),
    value: constant(false),
    purpose: 'The Google search side panel is off.',
    source: `${CHROMIUM_TEMPLATES}/Miscellaneous/GoogleSearchSidePanelEnabled.yaml)`,
    required: exactly('the Google search side panel is off', false),
  },
  {
    key: 'SpellCheckServiceEnabled',
    group: 'search',
    chromium: everywhere(22),
    value: constant(false),
    purpose:
      "Text typed in the page is not sent to Google's spelling service (the browser's own dictionary still underlines mistakes).",
    source: `${CHROMIUM_TEMPLATES}/Miscellaneous/SpellCheckServiceEnabled.yaml)`,
    required: exactly('the spelling service is off (typed text stays on the PC)', false),
    relaxable:
      "a candidate whose access arrangements allow a spell checker (the browser's own dictionary works without it)",
  },
  {
    key: 'MicrosoftEditorProofingEnabled',
    group: 'search',
    edge: edgeEverywhere(105),
    value: constant(false),
    purpose: "Text typed in the page is not sent to Microsoft Editor's cloud spelling and grammar service.",
    source: EDGE_TEMPLATES,
    required: exactly("Microsoft Editor's cloud proofing is off", false),
    relaxable: 'a candidate whose access arrangements allow a spell checker',
  },
];

/** The policies a centre may relax (`policy.relax` in the seat config). */
export const RELAXABLE_POLICIES = BROWSER_POLICIES.filter((p) => p.relaxable !== undefined).map(
  (p) => p.key,
) as readonly string[];

/** Policies whose name differs in Microsoft Edge (Edge says InPrivate where Chrome says Incognito). */
export const EDGE_POLICY_NAMES: Readonly<Record<string, string>> = Object.fromEntries(
  BROWSER_POLICIES.filter((p) => p.edgeName !== undefined).map((p) => [p.key, p.edgeName as string]),
);

/** A policy's name in the given browser (`BrowserPolicy.key` is Chrome's). */
export function browserPolicyName(browser: ChromiumBrowser, chromeName: string): string {
  return browser === 'edge' ? (EDGE_POLICY_NAMES[chromeName] ?? chromeName) : chromeName;
}

/** The vendor's support for a policy in one browser (Chrome and Chromium share Chromium's). */
export function supportFor(policy: BrowserPolicy, browser: ChromiumBrowser): Support | undefined {
  return browser === 'edge' ? policy.edge : policy.chromium;
}

/**
 * How a browser treats a policy: `applies` (honoured at this version), `announced` (named by the
 * vendor for this OS, not yet honoured), `too-old` (honoured from a later version), `not-on-os`
 * (the vendor does not offer it for this browser and OS). A null version means "unknown": every
 * policy with a version is taken to apply, so the check fails closed.
 */
export type PolicyStatus = 'applies' | 'announced' | 'too-old' | 'not-on-os';

export function policyStatus(
  policy: BrowserPolicy,
  browser: ChromiumBrowser,
  os: PolicyOs,
  version: number | null,
): PolicyStatus {
  const since = supportFor(policy, browser)?.[os];
  if (since === undefined) return 'not-on-os';
  if (since === 'announced') return 'announced';
  return version === null || version >= since ? 'applies' : 'too-old';
}

/** Whether the generator writes a policy for this browser on this OS (or on any OS when none is given). */
export function writtenFor(policy: BrowserPolicy, browser: ChromiumBrowser, os?: PolicyOs): boolean {
  const support = supportFor(policy, browser);
  if (!support) return false;
  return os === undefined ? Object.keys(support).length > 0 : support[os] !== undefined;
}

/** The policies the check insists on for this browser, OS and version, less what the centre relaxed. */
export function requiredPolicies(
  browser: ChromiumBrowser,
  os: PolicyOs,
  version: number | null,
  relaxed: readonly string[] = [],
): BrowserPolicy[] {
  return BROWSER_POLICIES.filter(
    (p) =>
      p.required !== undefined &&
      !relaxed.includes(p.key) &&
      policyStatus(p, browser, os, version) === 'applies',
  );
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
  /** Whose policy names and policies to use (default Chrome's, which Chromium shares). */
  browser?: ChromiumBrowser;
  /** Only the policies that apply on this OS (default: every policy the browser has on any OS). */
  os?: PolicyOs;
  /** Policies the centre relaxed (`policy.relax`): left out, so the browser's default applies. */
  relax?: readonly string[];
}

/**
 * The full machine policy for a Chromium-family browser, as a plain object (the Linux JSON form;
 * the Windows and macOS writers turn the same object into .reg and .mobileconfig), in the
 * browser's own policy names. `3rdparty` carries the extension's own managed configuration.
 */
export function chromiumPolicy(options: ChromiumPolicyOptions): Record<string, unknown> {
  const browser = options.browser ?? 'chrome';
  const ctx: SeatPolicyContext = {
    browser,
    extensionId: options.extensionId ?? EXTENSION_ID,
    updateUrl: options.updateUrl,
    extensionPolicy: options.extensionPolicy,
    printing: options.printing ?? false,
  };
  const relax = options.relax ?? [];
  const policy: Record<string, unknown> = {};
  for (const p of BROWSER_POLICIES) {
    if (!writtenFor(p, browser, options.os) || relax.includes(p.key)) continue;
    policy[browserPolicyName(browser, p.key)] = p.value(ctx);
  }
  policy['3rdparty'] = { extensions: { [ctx.extensionId]: { ...options.extensionPolicy } } };
  return policy;
}

/** The catalog entry for a policy name as a browser spells it. */
export function policyByName(browser: ChromiumBrowser, name: string): BrowserPolicy | undefined {
  return BROWSER_POLICIES.find((p) => browserPolicyName(browser, p.key) === name);
}
