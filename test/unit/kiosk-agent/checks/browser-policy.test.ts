import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import {
  type BrowserVersion,
  effectiveVersion,
  evaluateBrowserPolicy,
  extensionConfigFindings,
  type InstalledPolicy,
  parseBrowserVersion,
  policyFromPlistJson,
  policyFromRegistry,
  readBrowserVersion,
  readLinuxPolicy,
  versionFromRegistry,
  WINDOWS_VERSION_KEYS,
} from '../../../../kiosk-agent/checks/browser-policy.ts';
import { parseRegQuery } from '../../../../kiosk-agent/checks/windows-registry.ts';
import {
  type ChromiumBrowser,
  chromiumPolicy,
  type PolicyOs,
  WEB_STORE_UPDATE_URL,
} from '../../../../shared/catalogs/browser-policy.ts';
import { EXTENSION_ID } from '../../../../shared/constants.ts';
import { CheckResultSchema } from '../../../../shared/schemas/common.ts';
import { POLICY_DEFAULTS } from '../../../../shared/schemas/policy.ts';

const FIX = resolve(import.meta.dirname, '../../../fixtures');
const fixture = (...p: string[]) => readFileSync(join(FIX, ...p), 'utf8');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'invigil-policy-'));
  dirs.push(d);
  return d;
};
const policyDir = (files: Record<string, string>) => {
  const d = tempDir();
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
};
const version = (major: number): BrowserVersion => ({
  major,
  full: `${major}.0.1.2`,
  source: 'the test',
});
const generated = (browser: ChromiumBrowser = 'chromium', os: PolicyOs = 'linux') =>
  chromiumPolicy({ extensionPolicy: POLICY_DEFAULTS, updateUrl: WEB_STORE_UPDATE_URL, browser, os });
const without = (policy: Record<string, unknown>, ...keys: string[]) =>
  Object.fromEntries(Object.entries(policy).filter(([k]) => !keys.includes(k)));
/** A Linux seat's installed policy, as read from a real folder of JSON files. */
function linux(
  values: Record<string, unknown>,
  v: InstalledPolicy['version'] = version(156),
  browser: ChromiumBrowser = 'chromium',
) {
  const installed = readLinuxPolicy(browser, policyDir({ 'invigil.json': JSON.stringify(values) }));
  installed.version = v;
  return installed;
}
const subjects = (r: ReturnType<typeof evaluateBrowserPolicy>) =>
  r.findings.map((f) => `${f.code} ${f.subject}`);

describe('browser policy on Linux (JSON files)', () => {
  test("the generator's policy passes the check, which says the version and where it came from", () => {
    const r = evaluateBrowserPolicy(linux(generated()));
    expect(r.findings).toEqual([]);
    expect(r.status).toBe('pass');
    expect(r.summary).toMatch(
      /^Chromium's enterprise policy is in place \(.*; \d+ policies required for Chromium 156, from the test\)/,
    );
  });

  test('a browser newer than the list was checked against is said in the summary', () => {
    expect(evaluateBrowserPolicy(linux(generated(), version(160))).summary).toContain(
      'Chromium 160, from the test; the list was checked against 156',
    );
  });

  test('no policy at all is one finding that says where it looked', () => {
    const r = evaluateBrowserPolicy(readLinuxPolicy('chromium', '/nonexistent/policies/managed'));
    expect(r.findings.map((f) => f.message)).toEqual([
      'No enterprise policy for Chromium is installed (looked in /nonexistent/policies/managed).',
    ]);
  });

  test('each missing requirement is named; files merge; a broken file is reported, not trusted', () => {
    const rest = without(
      generated(),
      'PasswordManagerEnabled',
      'ExtensionInstallForcelist',
      'ExtensionSettings',
    );
    const dir = policyDir({
      'a.json': JSON.stringify({ ...rest, IncognitoModeAvailability: 0 }),
      'b.json': '{"PasswordManagerEnabled": false,', // broken: the browser ignores the whole file
    });
    const installed = readLinuxPolicy('chromium', dir);
    installed.version = version(156);
    const r = evaluateBrowserPolicy(installed);
    expect(subjects(r)).toEqual([
      `browser-policy ${join(dir, 'b.json')}`,
      'browser-policy ExtensionInstallForcelist',
      'browser-policy PasswordManagerEnabled',
      'browser-policy IncognitoModeAvailability',
    ]);
    expect(r.findings[3]?.message).toBe(
      "Chromium's policy does not make sure that incognito (InPrivate in Edge) windows are off: IncognitoModeAvailability should be 1 but is set to 0.",
    );
  });

  test('force-installing through ExtensionSettings alone also counts', () => {
    expect(evaluateBrowserPolicy(linux(without(generated(), 'ExtensionInstallForcelist'))).status).toBe(
      'pass',
    );
  });

  test.each([
    ['GeminiActOnWebSettings', 'Gemini cannot act on web pages'],
    ['AIModeSettings', 'AI Mode in the address bar is off'],
    ['BuiltInAIAPIsEnabled', "pages cannot use the browser's built-in AI"],
    ['TranslatorAPIAllowed', 'pages cannot use the Translator API'],
    ['TranslateEnabled', 'page translation is off'],
    ['SearchSuggestEnabled', 'search suggestions are off'],
    ['RemoteDebuggingAllowed', 'remote debugging is off'],
    ['AllowFileSelectionDialogs', 'open and save dialogs are off'],
    ['GenAILocalFoundationalModelSettings', 'the on-device AI model is not downloaded'],
  ])('a missing %s is named with what it would stop', (key, words) => {
    const r = evaluateBrowserPolicy(linux(without(generated(), key)));
    expect(subjects(r)).toEqual([`browser-policy ${key}`]);
    expect(r.findings[0]?.message).toContain(words);
    expect(r.findings[0]?.message).toContain(`${key} should be`);
    expect(r.findings[0]?.severity).toBe('block');
  });

  test('a wrong value is named with the value found', () => {
    const r = evaluateBrowserPolicy(linux({ ...generated(), HelpMeWriteSettings: 1 }));
    expect(r.findings.map((f) => f.message)).toEqual([
      `Chromium's policy does not make sure that "Help me write" is off: HelpMeWriteSettings should be 2 but is set to 1.`,
    ]);
  });

  test("the browser's own pages must be blocked: a URLBlocklist of just * is not enough", () => {
    const r = evaluateBrowserPolicy(linux({ ...generated(), URLBlocklist: ['*'] }));
    expect(subjects(r)).toEqual(['browser-policy URLBlocklist']);
    expect(r.findings[0]?.message).toContain("the browser's own pages are blocked");
  });

  test('a policy from before the AI policies fails with one short summary, within what a check line holds', () => {
    const old = Object.fromEntries(
      Object.entries(generated()).filter(([k]) =>
        ['PasswordManagerEnabled', 'IncognitoModeAvailability', 'DeveloperToolsAvailability'].includes(k),
      ),
    );
    const r = evaluateBrowserPolicy(linux({ ...old, ExtensionInstallForcelist: [`${EXTENSION_ID};x`] }));
    expect(r.findings.length).toBeGreaterThan(25);
    expect(r.summary).toMatch(
      /^Chromium's policy is missing or wrong for \d+ requirements: URLBlocklist, AutofillAddressEnabled, /,
    );
    expect(r.summary.length).toBeLessThanOrEqual(2000);
    expect(CheckResultSchema.safeParse(r).success).toBe(true);
  });

  test('policies the browser only announced for Linux (GeminiSettings) are written but not required', () => {
    const policy = generated();
    expect(policy.GeminiSettings).toBe(1);
    expect(
      evaluateBrowserPolicy(linux(without(policy, 'GeminiSettings', 'ThirdPartyAiChatSettings'))).status,
    ).toBe('pass');
  });

  test('an older browser is not asked for policies it does not know; a newer one is', () => {
    const old = without(generated(), 'AIModeSettings', 'SearchContentSharingSettings', 'GeminiSparkSettings');
    expect(evaluateBrowserPolicy(linux(old, version(137))).findings).toEqual([]);
    expect(subjects(evaluateBrowserPolicy(linux(old, version(156))))).toEqual([
      'browser-policy GeminiSparkSettings',
      'browser-policy AIModeSettings',
      'browser-policy SearchContentSharingSettings',
      // Without their replacement, the deprecated Lens policies carry the Lens requirements alone.
      'browser-policy-deprecated LensOverlaySettings',
      'browser-policy-deprecated LensRegionSearchEnabled',
      'browser-policy-deprecated LensDesktopNTPSearchEnabled',
    ]);
  });

  test('when the version cannot be read, every policy with a version is required and the check says why', () => {
    const r = evaluateBrowserPolicy(
      linux(generated(), { unknown: '/usr/lib/chromium/chromium is not installed' }),
    );
    expect(r.findings.map((f) => [f.code, f.severity, f.message])).toEqual([
      [
        'browser-policy-version-unknown',
        'info',
        "Chromium's version could not be read (/usr/lib/chromium/chromium is not installed), so every policy known for linux is required.",
      ],
    ]);
    const missing = evaluateBrowserPolicy(
      linux(without(generated(), 'VoiceTypingSettings'), { unknown: 'x' }),
    );
    expect(subjects(missing)).toContain('browser-policy VoiceTypingSettings');
  });

  test("the extension's report can only add requirements: the newer of the two versions counts", () => {
    const onDisk = linux(without(generated(), 'AIModeSettings'), version(130));
    expect(evaluateBrowserPolicy(onDisk).status).toBe('pass');
    expect(
      subjects(evaluateBrowserPolicy(onDisk, EXTENSION_ID, { reportedVersion: '156.0.8078.114' })),
    ).toEqual(['browser-policy AIModeSettings']);
    expect(effectiveVersion(version(156), '120.0.1.1')?.major).toBe(156);
    expect(effectiveVersion({ unknown: 'x' }, '156.0.8078.114')).toMatchObject({
      major: 156,
      source: "the extension's report",
    });
    expect(effectiveVersion({ unknown: 'x' }, 'not a version')).toBeNull();
  });

  test('a policy the centre relaxed (policy.relax) is no longer required; the others still are', () => {
    const relaxed = without(generated(), 'AllowFileSelectionDialogs', 'SpellCheckServiceEnabled');
    expect(subjects(evaluateBrowserPolicy(linux(relaxed)))).toEqual([
      'browser-policy AllowFileSelectionDialogs',
      'browser-policy SpellCheckServiceEnabled',
    ]);
    expect(
      evaluateBrowserPolicy(linux(relaxed), EXTENSION_ID, {
        relax: ['AllowFileSelectionDialogs', 'SpellCheckServiceEnabled'],
      }).status,
    ).toBe('pass');
  });
});

describe('autofill and Lens under the names Chromium 156 deprecates and the ones that replace them', () => {
  test('AutofillSettings alone satisfies address and card autofill', () => {
    const r = evaluateBrowserPolicy(
      linux(without(generated(), 'AutofillAddressEnabled', 'AutofillCreditCardEnabled')),
    );
    expect(r.findings).toEqual([]);
  });

  test('the old names alone still pass, with a note on Chromium 156 and none on 150', () => {
    const old = without(generated(), 'AutofillSettings');
    const r = evaluateBrowserPolicy(linux(old));
    expect(r.findings.map((f) => [f.code, f.severity, f.subject])).toEqual([
      ['browser-policy-deprecated', 'info', 'AutofillAddressEnabled'],
      ['browser-policy-deprecated', 'info', 'AutofillCreditCardEnabled'],
    ]);
    expect(r.findings[0]?.message).toBe(
      'AutofillAddressEnabled is deprecated in Chromium 156; AutofillSettings replaces it and is not set.',
    );
    expect(evaluateBrowserPolicy(linux(old, version(150))).findings).toEqual([]);
  });

  test('neither: both requirements are named, and the message offers the new name', () => {
    const r = evaluateBrowserPolicy(
      linux(without(generated(), 'AutofillSettings', 'AutofillAddressEnabled', 'AutofillCreditCardEnabled')),
    );
    expect(subjects(r)).toEqual([
      'browser-policy AutofillAddressEnabled',
      'browser-policy AutofillCreditCardEnabled',
    ]);
    expect(r.findings[0]?.message).toBe(
      "Chromium's policy does not make sure that address autofill is off: AutofillAddressEnabled should be false (or AutofillSettings set to the same effect) but is not set.",
    );
  });

  test('an AutofillSettings that blocks only some sites, or only cards, does not count for addresses', () => {
    const base = without(generated(), 'AutofillAddressEnabled', 'AutofillCreditCardEnabled');
    const cardsOnly = [{ url_pattern: '*', blocked_types: ['payments'] }];
    expect(subjects(evaluateBrowserPolicy(linux({ ...base, AutofillSettings: cardsOnly })))).toEqual([
      'browser-policy AutofillAddressEnabled',
    ]);
    const oneSite = [{ url_pattern: 'https://[*.]example.com', blocked_types: ['all'] }];
    expect(subjects(evaluateBrowserPolicy(linux({ ...base, AutofillSettings: oneSite })))).toEqual([
      'browser-policy AutofillAddressEnabled',
      'browser-policy AutofillCreditCardEnabled',
    ]);
  });

  test('SearchContentSharingSettings, which overrides LensOverlaySettings in 156, satisfies it', () => {
    expect(evaluateBrowserPolicy(linux(without(generated(), 'LensOverlaySettings'))).findings).toEqual([]);
  });
});

describe('Edge', () => {
  test("Edge's own AI policies are required, Chrome's Gemini ones are not, and its names are Edge's", () => {
    const edge = generated('edge', 'linux');
    expect(evaluateBrowserPolicy(linux(edge, version(139), 'edge')).status).toBe('pass');
    const r = evaluateBrowserPolicy(
      linux(
        without(edge, 'HubsSidebarEnabled', 'InPrivateModeAvailability', 'CopilotPageContext'),
        version(139),
        'edge',
      ),
    );
    expect(subjects(r)).toEqual([
      'browser-policy IncognitoModeAvailability',
      'browser-policy HubsSidebarEnabled',
      'browser-policy CopilotPageContext',
    ]);
    expect(r.findings[0]?.message).toContain('InPrivateModeAvailability should be 1');
  });

  test('Edge must block edge:// pages as well as chrome:// ones', () => {
    const edge = generated('edge', 'linux');
    const r = evaluateBrowserPolicy(
      linux(
        { ...edge, URLBlocklist: (edge.URLBlocklist as string[]).filter((p) => p !== 'edge://*') },
        version(139),
        'edge',
      ),
    );
    expect(subjects(r)).toEqual(['browser-policy URLBlocklist']);
  });
});

describe("the extension's managed configuration", () => {
  test('a value of the wrong JSON type is reported, since Chrome drops it without a word', () => {
    const f = extensionConfigFindings({
      allowedHosts: 'theimi.org.uk',
      heartbeatSeconds: 5,
      allowDownloads: 'no',
    });
    expect(f.map((x) => [x.code, x.subject, x.message])).toEqual([
      [
        'extension-policy-invalid',
        `3rdparty.extensions.${EXTENSION_ID}.allowedHosts`,
        "allowedHosts in the extension's policy is text but must be a list: the browser drops it, so the default applies.",
      ],
      [
        'extension-policy-invalid',
        `3rdparty.extensions.${EXTENSION_ID}.allowDownloads`,
        "allowDownloads in the extension's policy is text but must be true or false: the browser drops it, so the default applies.",
      ],
    ]);
  });

  test("content errors are reported in the extension's own words", () => {
    const f = extensionConfigFindings({ heartbeatSeconds: 600, allowedHosts: ['*'], colour: 'blue' });
    expect(f.map((x) => x.subject?.split('.').pop())).toEqual(
      expect.arrayContaining(['heartbeatSeconds', 'allowedHosts', 'colour']),
    );
    expect(f.find((x) => x.subject?.endsWith('heartbeatSeconds'))?.message).toBe(
      "heartbeatSeconds in the extension's policy must be at most 60 seconds.",
    );
    expect(f.every((x) => x.severity === 'warn')).toBe(true);
  });

  test('a valid configuration, or none, gives nothing', () => {
    expect(extensionConfigFindings(POLICY_DEFAULTS)).toEqual([]);
    expect(extensionConfigFindings(undefined)).toEqual([]);
  });
});

describe('browser policy on Windows (reg query output)', () => {
  const read = (name: string) => parseRegQuery(fixture('windows', name));

  test("today's policy in the registry passes for Chrome 156: DWORDs become booleans, AutofillSettings is JSON text", () => {
    const installed = policyFromRegistry(read('reg-query-chrome-policy-156.txt'), 'chrome');
    installed.version = version(156);
    expect(installed.values).toMatchObject({
      PasswordManagerEnabled: false,
      GeminiSettings: 1,
      TranslateEnabled: false,
      AutofillSettings: [{ url_pattern: '*', blocked_types: ['all'] }],
      URLBlocklist: [
        '*',
        'chrome://*',
        'chrome-untrusted://*',
        'devtools://*',
        'javascript://*',
        'view-source:*',
        'file://*',
      ],
    });
    expect(evaluateBrowserPolicy(installed).findings).toEqual([]);
  });

  test('a policy deployed before the AI policies existed names each one Chrome 156 on Windows needs (Gemini included)', () => {
    const installed = policyFromRegistry(read('reg-query-chrome-policy-complete.txt'), 'chrome');
    installed.version = version(156);
    const missing = subjects(evaluateBrowserPolicy(installed)).map((s) => s.replace('browser-policy ', ''));
    expect(missing).toEqual(
      expect.arrayContaining([
        'GeminiSettings',
        'TranslateEnabled',
        'BuiltInAIAPIsEnabled',
        'URLBlocklist',
        'RemoteDebuggingAllowed',
      ]),
    );
    expect(missing).not.toContain('PasswordManagerEnabled');
    expect(missing).not.toContain('HubsSidebarEnabled');
  });

  test('an incomplete policy names each gap, and the wrong types under 3rdparty', () => {
    const installed = policyFromRegistry(read('reg-query-chrome-policy-incomplete.txt'), 'chrome');
    installed.version = version(156);
    const r = evaluateBrowserPolicy(installed);
    const s = subjects(r);
    expect(s.filter((x) => x.startsWith('browser-policy ')).slice(0, 4)).toEqual([
      'browser-policy ExtensionInstallForcelist',
      'browser-policy URLBlocklist',
      'browser-policy PasswordManagerEnabled',
      'browser-policy AutofillCreditCardEnabled',
    ]);
    expect(s).toContain(`extension-policy-invalid 3rdparty.extensions.${EXTENSION_ID}.allowedHosts`);
    expect(r.findings.find((f) => f.subject === 'PasswordManagerEnabled')?.message).toBe(
      "Google Chrome's policy does not make sure that password saving is off: PasswordManagerEnabled should be false but is set to true.",
    );
  });

  test('Edge 139 on Windows: its policy passes, with the Windows-only standalone sidebar', () => {
    const installed = policyFromRegistry(read('reg-query-edge-policy-139.txt'), 'edge');
    installed.version = version(139);
    expect(installed.values).toMatchObject({
      InPrivateModeAvailability: 1,
      StandaloneHubsSidebarEnabled: false,
    });
    expect(evaluateBrowserPolicy(installed).findings).toEqual([]);
  });

  test('no key at all means no policy', () => {
    expect(evaluateBrowserPolicy(policyFromRegistry([], 'edge')).findings[0]?.message).toBe(
      'No enterprise policy for Microsoft Edge is installed (looked in HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Edge).',
    );
  });
});

describe('browser policy on macOS (plutil output)', () => {
  test("managed preferences and the extension's own domain are read together", () => {
    const main = fixture('macos', 'com.google.Chrome.156.plutil.json');
    const ext = fixture('macos', `com.google.Chrome.extensions.${EXTENSION_ID}.plutil.json`);
    const withExt = policyFromPlistJson('chrome', main, ext);
    withExt.version = version(156);
    expect(subjects(evaluateBrowserPolicy(withExt))).toEqual([
      `extension-policy-invalid 3rdparty.extensions.${EXTENSION_ID}.allowedHosts`,
    ]);
    const alone = policyFromPlistJson('chrome', main, null);
    alone.version = version(156);
    expect(evaluateBrowserPolicy(alone).status).toBe('pass');
    expect(evaluateBrowserPolicy(policyFromPlistJson('chrome', null, null)).findings[0]?.message).toMatch(
      /^No enterprise policy for Google Chrome is installed \(looked in \/Library\/Managed Preferences\/com\.google\.Chrome\.plist\)/,
    );
  });

  test('an older profile, from before the AI policies, names what Chrome 156 on macOS needs', () => {
    const old = policyFromPlistJson('chrome', fixture('macos', 'com.google.Chrome.plutil.json'), null);
    old.version = version(156);
    expect(subjects(evaluateBrowserPolicy(old))).toEqual(
      expect.arrayContaining(['browser-policy GeminiSettings']),
    );
  });
});

describe("the browser's version", () => {
  test('from `chromium --version` (captured from Debian Chromium 156)', () => {
    expect(parseBrowserVersion(fixture('linux', 'chromium-version.txt'), 'x')).toEqual({
      major: 156,
      full: '156.0.8078.114',
      source: 'x',
    });
    expect(parseBrowserVersion('Microsoft Edge 139.0.3405.86 ', 'x')?.major).toBe(139);
    expect(parseBrowserVersion('Google Chrome for Testing', 'x')).toBeNull();
  });

  test("from the updater's registry value on Windows, and from the app's Info.plist on macOS", () => {
    const key = WINDOWS_VERSION_KEYS.chrome[0] ?? '';
    expect(
      versionFromRegistry(parseRegQuery(fixture('windows', 'reg-query-chrome-version.txt')), key),
    ).toEqual({
      major: 156,
      full: '156.0.8078.110',
      source: `${key}\\pv`,
    });
    const edgeKey = WINDOWS_VERSION_KEYS.edge[0] ?? '';
    expect(
      versionFromRegistry(parseRegQuery(fixture('windows', 'reg-query-edge-version.txt')), edgeKey)?.major,
    ).toBe(139);
    expect(versionFromRegistry([], key)).toBeNull();
    expect(parseBrowserVersion(fixture('macos', 'chrome-info-plist-version.txt'), 'plist')?.full).toBe(
      '156.0.8078.110',
    );
  });

  test('read from the real Chromium binary on this machine', async () => {
    const v = await readBrowserVersion('chromium', 'linux');
    expect(v).toMatchObject({ source: '/usr/lib/chromium/chromium --version' });
    expect((v as BrowserVersion).major).toBeGreaterThanOrEqual(156);
  });

  test('a program the candidate could have written is never run: not root-owned, or writable by others', async () => {
    const dir = tempDir();
    const fake = join(dir, 'chromium');
    const marker = join(dir, 'ran');
    writeFileSync(fake, `#!/bin/sh\ntouch ${marker}\necho "Chromium 999.0.0.0"\n`);
    chmodSync(fake, 0o777);
    const writable = await readBrowserVersion('chromium', 'linux', [fake]);
    expect(writable).toEqual({ unknown: `${fake} can be written by other accounts` });
    chmodSync(fake, 0o755);
    chownSync(fake, 65534, 65534);
    const foreign = await readBrowserVersion('chromium', 'linux', [fake]);
    expect(foreign).toEqual({ unknown: `${fake} is not owned by root` });
    expect(() => readFileSync(marker)).toThrow();
    chownSync(fake, 0, 0);
    expect(await readBrowserVersion('chromium', 'linux', [fake])).toMatchObject({ major: 999 });
  });

  test('nothing installed is said, not guessed', async () => {
    expect(await readBrowserVersion('edge', 'linux', ['/nonexistent/msedge'])).toEqual({
      unknown: 'Microsoft Edge is not at /nonexistent/msedge',
    });
  });
});
