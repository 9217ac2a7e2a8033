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
  firefoxMacPolicies,
  firefoxRegistryPolicies,
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
