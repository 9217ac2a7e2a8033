/**
 * The agent reading back Firefox's policy: policies.json, and on Windows the registry too (captured
 * `reg query` output in test/fixtures/windows/, since no registry exists here). What `invigil policy
 * --browser firefox` writes passes, and each way of weakening it is named. (Real Firefox reading the
 * file is in test/e2e/extension/firefox.test.ts and firefox-full-policy.test.ts.) On macOS, the managed
 * preferences as `plutil -convert json` prints them (test/fixtures/macos/), since no macOS exists here.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  evaluateFirefoxPolicy,
  type FirefoxMacPolicies,
  firefoxMacPolicies,
  firefoxRegistryPolicies,
  type MacPreferencesIo,
  parseDsclHome,
  readFirefoxMacPolicies,
} from '../../../../kiosk-agent/checks/firefox-policy.ts';
import { parseRegQuery, type RegKey } from '../../../../kiosk-agent/checks/windows-registry.ts';
import { FIREFOX_EXTENSION_ID } from '../../../../shared/catalogs/browser-policy.ts';
import {
  FIREFOX_MAC_LIBRARY_PLIST,
  FIREFOX_MAC_MANAGED_PLIST,
  FIREFOX_REGISTRY_KEY,
  firefoxPolicies,
  firefoxRegKeys,
} from '../../../../shared/catalogs/firefox-policy.ts';
import { POLICY_DEFAULTS } from '../../../../shared/schemas/policy.ts';

const WHERE = '/etc/firefox/policies/policies.json';

function generated(): { policies: Record<string, unknown> } {
  return firefoxPolicies({
    extensionPolicy: {
      ...POLICY_DEFAULTS,
      allowedHosts: ['exams.example.net'],
      assessmentUrl: 'http://exams.example.net/',
    },
    extensionId: FIREFOX_EXTENSION_ID,
    installUrl: 'https://it.centre.example/invigil.xpi',
    printing: false,
  });
}

const check = (text: string | null) => evaluateFirefoxPolicy({ where: WHERE, text }, FIREFOX_EXTENSION_ID);
const codes = (r: ReturnType<typeof check>) => r.findings.map((f) => f.details?.policy ?? f.code);

describe("Firefox's policy, read back", () => {
  test('the generated policies.json passes', () => {
    const r = check(JSON.stringify(generated()));
    expect(r.findings).toEqual([]);
    expect(r.status).toBe('pass');
    expect(r.summary).toContain(WHERE);
  });

  test('no file, a broken file, or one without "policies" is a block that says where it looked', () => {
    expect(check(null).findings[0]?.message).toBe(
      `No enterprise policy for Firefox is installed (looked for ${WHERE}).`,
    );
    expect(check('{"policies": ').findings[0]?.message).toMatch(
      /is not a Firefox policy file Firefox can use/,
    );
    expect(check('{"Policies": {}}').findings[0]?.message).toMatch(/it has no "policies" object/);
    expect(check('[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]').status).toBe(
      'fail',
    );
  });

  test('each weakened policy is named', () => {
    const p = generated();
    p.policies.PasswordManagerEnabled = true;
    delete p.policies.DisableDeveloperTools;
    (p.policies.ExtensionSettings as Record<string, unknown>)['*'] = { installation_mode: 'allowed' };
    (p.policies.ExtensionSettings as Record<string, unknown>)[FIREFOX_EXTENSION_ID] = {
      installation_mode: 'normal_installed',
      install_url: 'https://x.example/a.xpi',
    };
    p.policies.WebsiteFilter = { Block: [], Exceptions: [] };
    delete p.policies['3rdparty'];
    const r = check(JSON.stringify(p));
    expect(codes(r).sort()).toEqual(
      [
        '3rdparty',
        'DisableDeveloperTools',
        'ExtensionSettings',
        'ExtensionSettings',
        'PasswordManagerEnabled',
        'WebsiteFilter',
      ].sort(),
    );
    expect(r.findings.every((f) => f.severity === 'block')).toBe(true);
    expect(r.summary).toContain('PasswordManagerEnabled should be set to false but is set to true');
  });
});

test('attack: an add-on let in by an entry of its own, with "*" still blocked, is named', () => {
  const p = generated();
  (p.policies.ExtensionSettings as Record<string, unknown>)['keepassxc-browser@keepassxc.org'] = {
    installation_mode: 'allowed',
  };
  (p.policies.ExtensionSettings as Record<string, unknown>)['other@example.org'] = {
    installation_mode: 'blocked',
  };
  const r = check(JSON.stringify(p));
  expect(r.findings.map((f) => f.message)).toEqual([
    `Firefox's policy lets other add-ons in: ExtensionSettings allows "keepassxc-browser@keepassxc.org"; every add-on but Invigil's must be blocked.`,
  ]);
});

describe("Firefox's policy on Windows: the registry beside policies.json", () => {
  const WINDOWS_FILE = 'C:\\Program Files\\Mozilla Firefox\\distribution\\policies.json';
  const fixture = (name: string) =>
    parseRegQuery(
      readFileSync(resolve(import.meta.dirname, '../../../../test/fixtures/windows', name), 'utf8'),
    );
  const onWindows = (text: string | null, registry: string | null) =>
    evaluateFirefoxPolicy(
      { where: WINDOWS_FILE, text },
      FIREFOX_EXTENSION_ID,
      registry === null ? [] : fixture(registry),
    );

  test('the .reg `invigil policy --os windows` writes, imported, passes on its own (no policies.json)', () => {
    const r = onWindows(null, 'reg-query-firefox-policy-153.txt');
    expect(r.findings).toEqual([]);
    expect(r.status).toBe('pass');
    expect(r.summary).toContain(FIREFOX_REGISTRY_KEY);
    expect(r.summary).not.toContain(WINDOWS_FILE);
  });

  test('what the generator writes to the registry reads back whole, whatever the centre allows', () => {
    const policies = firefoxPolicies({
      extensionPolicy: {
        ...POLICY_DEFAULTS,
        allowedHosts: ['exams.example.net', '10.1.2.3'],
        allowDownloads: true,
      },
      extensionId: FIREFOX_EXTENSION_ID,
      installUrl: 'https://it.centre.example/invigil.xpi',
      printing: true,
    }).policies;
    // As `reg import` then `reg query` would give them back (each key with its values).
    const imported: RegKey[] = firefoxRegKeys(FIREFOX_REGISTRY_KEY, policies).map((k) => ({
      key: k.path,
      values: new Map(k.values.map(([n, d]) => [n, d.value])),
    }));
    const r = evaluateFirefoxPolicy(
      { where: 'C:\\policies.json', text: null },
      FIREFOX_EXTENSION_ID,
      imported,
    );
    expect(r.findings).toEqual([]);
    // The add-on's configuration keeps its types (a REG_DWORD would have made allowDownloads 1).
    const back = firefoxRegistryPolicies(imported)?.['3rdparty'] as { Extensions: Record<string, string> };
    expect(JSON.parse(back.Extensions[FIREFOX_EXTENSION_ID] ?? '')).toMatchObject({
      allowDownloads: true,
      allowedHosts: ['exams.example.net', '10.1.2.3'],
    });
  });

  test('read as Firefox reads it: JSON text parsed, 0/1 kept as numbers until the schema says boolean, subkeys as objects', () => {
    const p = firefoxRegistryPolicies(fixture('reg-query-firefox-policy-153.txt'));
    expect(p?.BlockAboutConfig).toBe(1);
    expect(p?.AIControls).toMatchObject({ Default: { Value: 'blocked', Locked: 1 } });
    expect(p?.['3rdparty']).toEqual({
      Extensions: { [FIREFOX_EXTENSION_ID]: expect.stringContaining('"allowedHosts":["exams.example.net"]') },
    });
    // The ADMX's shapes: numbered values are a list, REG_MULTI_SZ is JSON over several lines.
    const gpo = firefoxRegistryPolicies(fixture('reg-query-firefox-policy-gpo.txt'));
    expect(gpo?.WebsiteFilter).toEqual({ Block: ['<all_urls>'], Exceptions: ['*://*.exams.example.net/*'] });
    expect(gpo?.ExtensionSettings).toEqual({ '*': { installation_mode: 'allowed' } });
    // Numbered subkeys are a list of objects (Bookmarks, Handlers...), in number order.
    const lists = firefoxRegistryPolicies(
      parseRegQuery(
        [
          '',
          `${FIREFOX_REGISTRY_KEY}\\Bookmarks`,
          '',
          `${FIREFOX_REGISTRY_KEY}\\Bookmarks\\1`,
          '    Title    REG_SZ    one',
          '',
          `${FIREFOX_REGISTRY_KEY}\\Bookmarks\\10`,
          '    Title    REG_SZ    ten',
          '',
          `${FIREFOX_REGISTRY_KEY}\\Bookmarks\\2`,
          '    Title    REG_SZ    two',
          '',
        ].join('\r\n'),
      ),
    );
    expect(lists?.Bookmarks).toEqual([{ Title: 'one' }, { Title: 'two' }, { Title: 'ten' }]);
    // Text in a REG_MULTI_SZ that is not JSON is dropped, as Firefox drops it.
    const broken = firefoxRegistryPolicies(
      parseRegQuery(
        ['', FIREFOX_REGISTRY_KEY, '    ExtensionSettings    REG_MULTI_SZ    {\\0  "*":'].join('\r\n'),
      ),
    );
    expect(broken).toEqual({});
    // JSON text is bounded before it is parsed: a value far larger than any policy is not taken.
    const huge = `{"*":{"installation_mode":"blocked","x":"${'a'.repeat(2 * 1024 * 1024)}"}}`;
    const r = evaluateFirefoxPolicy(
      { where: WINDOWS_FILE, text: JSON.stringify(generated()) },
      FIREFOX_EXTENSION_ID,
      parseRegQuery(['', FIREFOX_REGISTRY_KEY, `    ExtensionSettings    REG_SZ    ${huge}`].join('\r\n')),
    );
    expect(r.findings.map((f) => f.details?.policy)).toEqual(['ExtensionSettings', 'ExtensionSettings']);
  });

  test("Group Policy's own values win over a complete policies.json, and each weakening is named at the registry key", () => {
    const r = onWindows(JSON.stringify(generated()), 'reg-query-firefox-policy-gpo.txt');
    expect(r.status).toBe('fail');
    expect(r.findings.map((f) => [f.details?.policy, f.details?.where])).toEqual([
      ['BlockAboutConfig', FIREFOX_REGISTRY_KEY],
      ['ExtensionSettings', FIREFOX_REGISTRY_KEY],
      ['ExtensionSettings', FIREFOX_REGISTRY_KEY],
    ]);
    expect(r.findings[0]?.message).toContain('BlockAboutConfig should be set to true but is set to false');
    // What the registry leaves out (DisableDeveloperTools...) still comes from the file.
    expect(r.findings.some((f) => f.details?.policy === 'DisableDeveloperTools')).toBe(false);
  });

  test('the same policy as JSON in the file and as 0/1 in the registry agree', () => {
    const r = onWindows(JSON.stringify(generated()), 'reg-query-firefox-policy-153.txt');
    expect(r.findings).toEqual([]);
    expect(r.summary).toContain(`${FIREFOX_REGISTRY_KEY} and ${WINDOWS_FILE}`);
  });

  test('neither registry nor file: a block that says where it looked; a broken file beside a complete registry is ignored, as Firefox ignores it', () => {
    expect(onWindows(null, null).findings[0]?.message).toBe(
      `No enterprise policy for Firefox is installed (looked for ${FIREFOX_REGISTRY_KEY} and ${WINDOWS_FILE}).`,
    );
    expect(onWindows('{"policies": ', 'reg-query-firefox-policy-153.txt').findings).toEqual([]);
    // A registry value that is not what Firefox accepts for a boolean is not taken as one.
    const text = readFileSync(
      resolve(import.meta.dirname, '../../../../test/fixtures/windows/reg-query-firefox-policy-153.txt'),
      'utf8',
    ).replace('DisableDeveloperTools    REG_DWORD    0x1', 'DisableDeveloperTools    REG_DWORD    0x2');
    const r = evaluateFirefoxPolicy(
      { where: WINDOWS_FILE, text: null },
      FIREFOX_EXTENSION_ID,
      parseRegQuery(text),
    );
    expect(r.findings.map((f) => f.details?.policy)).toEqual(['DisableDeveloperTools']);
  });
});

describe("Firefox's policy on macOS: managed preferences beside policies.json", () => {
  const MAC_FILE = '/Applications/Firefox.app/Contents/Resources/distribution/policies.json';
  const plutil = (name: string) =>
    readFileSync(resolve(import.meta.dirname, '../../../../test/fixtures/macos', name), 'utf8');
  const onMac = (text: string | null, managed: string | null, library: string | null = null) =>
    evaluateFirefoxPolicy(
      { where: MAC_FILE, text },
      FIREFOX_EXTENSION_ID,
      undefined,
      firefoxMacPolicies(
        { where: FIREFOX_MAC_MANAGED_PLIST, json: managed },
        { where: FIREFOX_MAC_LIBRARY_PLIST, json: library },
      ),
    );

  test('the profile `invigil policy --os macos` writes, installed, passes on its own (no policies.json)', () => {
    const r = onMac(null, plutil('org.mozilla.firefox.153.plutil.json'));
    expect(r.findings).toEqual([]);
    expect(r.status).toBe('pass');
    expect(r.summary).toContain(FIREFOX_MAC_MANAGED_PLIST);
    expect(r.summary).not.toContain(MAC_FILE);
  });

  test('attack: a weakened managed profile (about:config open, other add-ons allowed, whole or flattened) wins over a complete policies.json, and each weakening is named at the managed plist', () => {
    const r = onMac(JSON.stringify(generated()), plutil('org.mozilla.firefox.weakened.plutil.json'));
    expect(r.status).toBe('fail');
    expect(r.findings.map((f) => [f.details?.policy, f.details?.where])).toEqual([
      ['BlockAboutConfig', FIREFOX_MAC_MANAGED_PLIST],
      ['ExtensionSettings', FIREFOX_MAC_MANAGED_PLIST],
    ]);
    expect(r.findings[0]?.message).toContain('BlockAboutConfig should be set to true but is set to false');
    expect(r.findings[1]?.message).toContain('uBlock0@raymondhill.net');
    expect(r.findings[1]?.message).toContain('keepassxc-browser@keepassxc.org');
  });

  test('plist booleans reach Firefox as 0/1 (nsMacPreferencesReader) and read as the generated true/false', () => {
    const asInts = plutil('org.mozilla.firefox.153.plutil.json')
      .replaceAll('true', '1')
      .replaceAll('false', '0');
    expect(onMac(null, asInts).findings).toEqual([]);
  });

  test('without EnterprisePoliciesEnabled Firefox ignores the profile: policies.json alone decides, and the reason is given when it falls short', () => {
    const disabled = JSON.stringify({
      ...JSON.parse(plutil('org.mozilla.firefox.weakened.plutil.json')),
      EnterprisePoliciesEnabled: false,
    });
    expect(onMac(JSON.stringify(generated()), disabled).findings).toEqual([]);
    const r = onMac(null, disabled);
    expect(r.findings.map((f) => f.message)).toEqual([
      `${FIREFOX_MAC_MANAGED_PLIST} has Firefox settings but not EnterprisePoliciesEnabled true, so Firefox ignores every policy there.`,
      `No enterprise policy for Firefox is installed (looked for ${FIREFOX_MAC_MANAGED_PLIST}, ${FIREFOX_MAC_LIBRARY_PLIST} and ${MAC_FILE}).`,
    ]);
  });

  test('the machine-wide domain counts too, below the managed one key by key; flattened keys unflatten as Firefox does', () => {
    const library = JSON.stringify({
      EnterprisePoliciesEnabled: true,
      DisableDeveloperTools: false,
      AIControls__Default__Value: 'available',
      Bookmarks__0__Title: 'one',
      Bookmarks__51: 'skipped, as Firefox skips an index above 50 at the end',
      Handlers__99__extensions__pdf: 'an index above 50 on the way down is passed over',
      constructor__prototype__polluted: 'never reaches Object.prototype',
    });
    const mac = firefoxMacPolicies(
      { where: FIREFOX_MAC_MANAGED_PLIST, json: plutil('org.mozilla.firefox.153.plutil.json') },
      { where: FIREFOX_MAC_LIBRARY_PLIST, json: library },
    );
    expect(mac.policies?.DisableDeveloperTools).toBe(true);
    expect(mac.policies?.Bookmarks).toEqual([{ Title: 'one' }]);
    // As Firefox does it: "99" after Handlers made a list, then was passed over.
    expect(Array.isArray(mac.policies?.Handlers)).toBe(true);
    expect((mac.policies?.Handlers as { extensions?: unknown } | undefined)?.extensions).toEqual({
      pdf: 'an index above 50 on the way down is passed over',
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // A flattened key reaching into a policy set whole is applied on top of it (Firefox's weaker outcome).
    expect(mac.policies?.AIControls).toMatchObject({ Default: { Value: 'available', Locked: true } });
    const r = onMac(null, plutil('org.mozilla.firefox.153.plutil.json'), library);
    expect(r.findings.map((f) => [f.details?.policy, f.details?.where])).toEqual([
      ['AIControls', FIREFOX_MAC_MANAGED_PLIST],
    ]);
    // Only the machine-wide domain: its policies are found and named there.
    const alone = onMac(null, null, JSON.stringify({ EnterprisePoliciesEnabled: 1, BlockAboutConfig: 0 }));
    expect(alone.findings.find((f) => f.details?.policy === 'BlockAboutConfig')?.details?.where).toBe(
      FIREFOX_MAC_LIBRARY_PLIST,
    );
  });

  test('a flattened key into a value that is not a dictionary, or a plist plutil could not turn into settings, is a block that says why', () => {
    const r = onMac(
      JSON.stringify(generated()),
      JSON.stringify({
        ...JSON.parse(plutil('org.mozilla.firefox.153.plutil.json')),
        BlockAboutConfig__x: 1,
      }),
    );
    expect(r.findings.map((f) => f.message)).toEqual([
      `${FIREFOX_MAC_MANAGED_PLIST} has "BlockAboutConfig__x", which reaches into a setting that is not a dictionary: Firefox then fails to read its preference domain and may take no macOS policy at all.`,
    ]);
    expect(onMac(JSON.stringify(generated()), '[1,2').findings[0]?.message).toMatch(
      /could not be read as a property list of settings/,
    );
  });
});

describe("Firefox's policy on macOS: the candidate's own preferences", () => {
  const MAC_FILE = '/Applications/Firefox.app/Contents/Resources/distribution/policies.json';
  const USER_PLIST = '/Users/candidate/Library/Preferences/org.mozilla.firefox.plist';
  const plutil = (name: string) =>
    readFileSync(resolve(import.meta.dirname, '../../../../test/fixtures/macos', name), 'utf8');
  const candidate = plutil('org.mozilla.firefox.candidate.plutil.json');

  test("attack: with IT's policy in policies.json only, the candidate's ~/Library/Preferences/org.mozilla.firefox.plist (EnterprisePoliciesEnabled, about:config and developer tools back on, KeePassXC's add-on allowed) is what Firefox takes, and the check says so in words", () => {
    const r = evaluateFirefoxPolicy(
      { where: MAC_FILE, text: JSON.stringify(generated()) },
      FIREFOX_EXTENSION_ID,
      undefined,
      firefoxMacPolicies(
        { where: FIREFOX_MAC_MANAGED_PLIST, json: null },
        { where: FIREFOX_MAC_LIBRARY_PLIST, json: null },
        { user: [{ where: USER_PLIST, json: candidate }] },
      ),
    );
    expect(r.status).toBe('fail');
    // Firefox merges its sources policy by policy: the account's flattened ExtensionSettings key makes an
    // ExtensionSettings of its own, which replaces policies.json's whole (Invigil's add-on and "*": blocked).
    expect(r.findings.map((f) => [f.details?.policy ?? null, f.details?.where])).toEqual([
      ['DisableDeveloperTools', USER_PLIST],
      ['BlockAboutConfig', USER_PLIST],
      ['ExtensionSettings', USER_PLIST],
      ['ExtensionSettings', USER_PLIST],
      ['ExtensionSettings', USER_PLIST],
      [null, USER_PLIST],
    ]);
    expect(r.findings[4]?.message).toContain('"keepassxc-browser@keepassxc.org"');
    expect(r.findings.at(-1)?.message).toBe(
      `The candidate can change Firefox's policy on this Mac: ${USER_PLIST}, in the signed-in account's own preferences, sets EnterprisePoliciesEnabled, BlockAboutConfig, DisableDeveloperTools and ExtensionSettings__keepassxc-browser@keepassxc.org__installation_mode, and Firefox takes policy from there, over policies.json and /Library/Preferences. Delete that file, and install Firefox's policy as a configuration profile: only a profile's settings win over the account's own.`,
    );
  });
  const MANAGED_USER = '/Library/Managed Preferences/candidate/org.mozilla.firefox.plist';
  const BY_HOST =
    '/Users/candidate/Library/Preferences/ByHost/org.mozilla.firefox.5D1F3A2C-7B44-4E0B-9C1A-2F6E8D9B0A11.plist';
  const GLOBAL = '/Users/candidate/Library/Preferences/.GlobalPreferences.plist';
  const onMac = (text: string | null, mac: FirefoxMacPolicies) =>
    evaluateFirefoxPolicy({ where: MAC_FILE, text }, FIREFOX_EXTENSION_ID, undefined, mac);
  const profile = () => ({
    where: FIREFOX_MAC_MANAGED_PLIST,
    json: plutil('org.mozilla.firefox.153.plutil.json'),
  });

  test("Firefox takes none of it while nothing turns EnterprisePoliciesEnabled on: policies.json decides, and the account's file is not a finding", () => {
    const { EnterprisePoliciesEnabled: _on, ...rest } = JSON.parse(candidate) as Record<string, unknown>;
    const mac = firefoxMacPolicies({ where: FIREFOX_MAC_MANAGED_PLIST, json: null }, undefined, {
      user: [{ where: USER_PLIST, json: JSON.stringify(rest) }],
    });
    expect(mac.fromUser).toEqual([]);
    expect(onMac(JSON.stringify(generated()), mac).findings).toEqual([]);
  });

  test("under the generated configuration profile the account's own values lose key by key, but a flattened key still reaches into the profile's ExtensionSettings: that key, and only it, is named at the account's file", () => {
    const mac = firefoxMacPolicies(profile(), undefined, { user: [{ where: USER_PLIST, json: candidate }] });
    expect(mac.fromUser).toEqual([
      { where: USER_PLIST, keys: ['ExtensionSettings__keepassxc-browser@keepassxc.org__installation_mode'] },
    ]);
    const r = onMac(null, mac);
    expect(r.findings.map((f) => [f.details?.policy ?? null, f.details?.where])).toEqual([
      ['ExtensionSettings', USER_PLIST],
      [null, USER_PLIST],
    ]);
    expect(r.findings[0]?.message).toContain('"keepassxc-browser@keepassxc.org"');
  });

  test("a policy Invigil does not set at all, from the account's global domain (defaults write -g), is still the candidate's to change: named at that file; the account's other settings are not policy and are passed over", () => {
    const global = JSON.stringify({
      AppleLanguages: ['en-GB'],
      AppleLocale: 'en_GB',
      Proxy__Mode: 'manual',
      Proxy__HTTPProxy: '127.0.0.1:8080',
    });
    const mac = firefoxMacPolicies(profile(), undefined, { userGlobal: { where: GLOBAL, json: global } });
    expect(mac.fromUser).toEqual([{ where: GLOBAL, keys: ['Proxy__Mode', 'Proxy__HTTPProxy'] }]);
    expect(mac.policies).not.toHaveProperty('AppleLanguages');
    const r = onMac(null, mac);
    expect(r.status).toBe('fail');
    expect(r.findings.map((f) => f.message)).toEqual([
      `The candidate can change Firefox's policy on this Mac: ${GLOBAL}, in the signed-in account's own preferences, sets Proxy__Mode and Proxy__HTTPProxy, and Firefox takes policy from there, over policies.json and /Library/Preferences. Delete that file, and install Firefox's policy as a configuration profile: only a profile's settings win over the account's own.`,
    ]);
    // Only the account's own other settings: nothing Firefox takes, nothing to say.
    const quiet = firefoxMacPolicies(profile(), undefined, {
      user: [{ where: USER_PLIST, json: JSON.stringify({ NSNavLastRootDirectory: '~/Documents' }) }],
      userGlobal: { where: GLOBAL, json: JSON.stringify({ AppleLocale: 'en_GB' }) },
    });
    expect(onMac(null, quiet).findings).toEqual([]);
    expect(onMac(null, quiet).summary).not.toContain('/Users/candidate');
  });

  test("the ByHost file wins over the account's domain, which wins over /Library/Preferences; a user-scope profile is an administrator's and wins over the account", () => {
    const mac = firefoxMacPolicies(
      { where: FIREFOX_MAC_MANAGED_PLIST, json: null },
      {
        where: FIREFOX_MAC_LIBRARY_PLIST,
        json: JSON.stringify({
          EnterprisePoliciesEnabled: true,
          BlockAboutConfig: true,
          DisablePrivateBrowsing: true,
        }),
      },
      {
        user: [
          { where: USER_PLIST, json: JSON.stringify({ BlockAboutConfig: 1 }) },
          { where: BY_HOST, json: JSON.stringify({ BlockAboutConfig: 0, DisablePrivateBrowsing: 0 }) },
        ],
        managedUser: { where: MANAGED_USER, json: JSON.stringify({ DisablePrivateBrowsing: true }) },
      },
    );
    expect(mac.policies).toMatchObject({ BlockAboutConfig: 0, DisablePrivateBrowsing: true });
    expect(mac.fromUser).toEqual([{ where: BY_HOST, keys: ['BlockAboutConfig'] }]);
    // The per-user managed profile, alone, is trusted like the device's.
    const admin = firefoxMacPolicies({ where: FIREFOX_MAC_MANAGED_PLIST, json: null }, undefined, {
      managedUser: { where: MANAGED_USER, json: plutil('org.mozilla.firefox.153.plutil.json') },
    });
    expect(onMac(null, admin).findings).toEqual([]);
    expect(onMac(null, admin).summary).toContain(MANAGED_USER);
  });

  test("attack: a flattened key in the account's file that reaches into a setting that is not a dictionary (Firefox then takes no macOS policy at all) is a block naming that file", () => {
    const mac = firefoxMacPolicies(profile(), undefined, {
      user: [{ where: USER_PLIST, json: JSON.stringify({ BlockAboutConfig__x: 1 }) }],
    });
    expect(onMac(null, mac).findings.map((f) => f.message)).toContain(
      `${USER_PLIST} has "BlockAboutConfig__x", which reaches into a setting that is not a dictionary: Firefox then fails to read its preference domain and may take no macOS policy at all.`,
    );
  });

  test("attack: the candidate's own EnterprisePoliciesEnabled false (or \"NO\", or 0) switches IT's /Library/Preferences policy off; policies.json alone is judged and the candidate's file is named, but not under a configuration profile or from the global domain, which Firefox does not let it override", () => {
    const library = { where: FIREFOX_MAC_LIBRARY_PLIST, json: plutil('org.mozilla.firefox.153.plutil.json') };
    const none = { where: FIREFOX_MAC_MANAGED_PLIST, json: null };
    const message = (value: string) =>
      `The candidate has switched off Firefox's policy in ${FIREFOX_MAC_LIBRARY_PLIST}: ${USER_PLIST}, in the signed-in account's own preferences, sets EnterprisePoliciesEnabled to ${value}, which Firefox takes over ${FIREFOX_MAC_LIBRARY_PLIST}, so only policies.json counts. Delete that file, and install Firefox's policy as a configuration profile: only a profile's settings win over the account's own.`;
    // \`defaults write org.mozilla.firefox EnterprisePoliciesEnabled -bool NO\`, as plutil prints it.
    const off = plutil('org.mozilla.firefox.candidate-off.plutil.json');
    for (const [json, said] of [
      [off, 'false'],
      [JSON.stringify({ EnterprisePoliciesEnabled: 'NO' }), '"NO"'],
      [JSON.stringify({ EnterprisePoliciesEnabled: 0 }), '0'],
    ] as const) {
      const mac = firefoxMacPolicies(none, library, { user: [{ where: USER_PLIST, json }] });
      // A complete policies.json: nothing is missing, yet the candidate's switch is a block.
      const r = onMac(JSON.stringify(generated()), mac);
      expect(r.status).toBe('fail');
      expect(r.findings.map((f) => [f.code, f.severity, f.details?.where])).toEqual([
        ['browser-policy', 'block', USER_PLIST],
      ]);
      expect(r.findings[0]?.message).toBe(message(said));
      // No policies.json: what is missing is named too, beside the switch.
      const bare = onMac(null, mac);
      expect(bare.findings.map((f) => f.message)).toContain(message(said));
    }
    // A configuration profile's EnterprisePoliciesEnabled is forced: the account's NO loses to it.
    const profiled = firefoxMacPolicies(profile(), library, { user: [{ where: USER_PLIST, json: off }] });
    expect(onMac(null, profiled).findings).toEqual([]);
    // The account's global domain is below /Library/Preferences/org.mozilla.firefox.plist: no effect.
    const global = firefoxMacPolicies(none, library, { userGlobal: { where: GLOBAL, json: off } });
    expect(onMac(null, global).findings).toEqual([]);
    // Nothing of IT's to switch off: the account's NO changes nothing and is no finding.
    const nothing = firefoxMacPolicies(
      none,
      { where: FIREFOX_MAC_LIBRARY_PLIST, json: null },
      {
        user: [{ where: USER_PLIST, json: off }],
      },
    );
    expect(onMac(JSON.stringify(generated()), nothing).findings).toEqual([]);
  });
});

describe("reading the Mac's preference files for the account at the screen", () => {
  const fixture = (name: string) =>
    readFileSync(resolve(import.meta.dirname, '../../../../test/fixtures/macos', name), 'utf8');
  /** A Mac of files (path: plutil's JSON) and tool output; records what was read. */
  function mac(o: { console: string; dscl?: string; files?: Record<string, string>; byHost?: string[] }) {
    const read: string[] = [];
    const io: MacPreferencesIo = {
      run: async (file, args) => {
        if (file === 'stat') return `${o.console}\n`;
        if (file === 'dscl' && args[2] === '/Users/candidate' && o.dscl !== undefined) return o.dscl;
        throw new Error(`${file} ${args.join(' ')}: eDSRecordNotFound`);
      },
      plutilJson: async (f) => {
        read.push(f);
        return o.files?.[f] ?? null;
      },
      list: (dir) => (dir === '/Users/candidate/Library/Preferences/ByHost' ? (o.byHost ?? []) : []),
    };
    return { io, read };
  }

  test('dscl prints the home folder after its name, or on a line of its own when the path has a space', () => {
    expect(parseDsclHome(fixture('dscl-nfshomedirectory.txt'))).toBe('/Users/candidate');
    expect(parseDsclHome(fixture('dscl-nfshomedirectory-wrapped.txt'))).toBe(
      '/Volumes/Home Folders/exam candidate',
    );
    expect(parseDsclHome('No such key: NFSHomeDirectory\n')).toBeNull();
  });

  test("the candidate's account at the screen: a user-scope profile's file, the account's domain, its ByHost file for this domain (not another domain's) and its global domain are read", async () => {
    const { io, read } = mac({
      console: 'candidate',
      dscl: fixture('dscl-nfshomedirectory.txt'),
      byHost: [
        'com.apple.screensaver.5D1F3A2C-7B44-4E0B-9C1A-2F6E8D9B0A11.plist',
        'org.mozilla.firefox.5D1F3A2C-7B44-4E0B-9C1A-2F6E8D9B0A11.plist',
      ],
      files: {
        '/Users/candidate/Library/Preferences/org.mozilla.firefox.plist': fixture(
          'org.mozilla.firefox.candidate.plutil.json',
        ),
      },
    });
    const got = await readFirefoxMacPolicies(io);
    expect(read).toEqual([
      FIREFOX_MAC_MANAGED_PLIST,
      FIREFOX_MAC_LIBRARY_PLIST,
      '/Users/candidate/Library/Preferences/org.mozilla.firefox.plist',
      '/Users/candidate/Library/Preferences/ByHost/org.mozilla.firefox.5D1F3A2C-7B44-4E0B-9C1A-2F6E8D9B0A11.plist',
      '/Library/Managed Preferences/candidate/org.mozilla.firefox.plist',
      '/Users/candidate/Library/Preferences/.GlobalPreferences.plist',
    ]);
    expect(got.fromUser.map((u) => u.where)).toEqual([
      '/Users/candidate/Library/Preferences/org.mozilla.firefox.plist',
    ]);
  });

  test("at the login window (the console is root's) only the machine's files are read", async () => {
    const { io, read } = mac({ console: 'root' });
    await readFirefoxMacPolicies(io);
    expect(read).toEqual([FIREFOX_MAC_MANAGED_PLIST, FIREFOX_MAC_LIBRARY_PLIST]);
  });

  test('an account with no home folder, or a console owner that is no account name, fails the check (closed) with a reason', async () => {
    await expect(
      readFirefoxMacPolicies(mac({ console: 'candidate', dscl: 'No such key: NFSHomeDirectory\n' }).io),
    ).rejects.toThrow('dscl gave no home folder for candidate');
    await expect(readFirefoxMacPolicies(mac({ console: '../../etc' }).io)).rejects.toThrow(
      /has a name no Mac account has/,
    );
  });
});
