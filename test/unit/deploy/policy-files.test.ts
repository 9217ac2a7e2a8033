/**
 * Every file `invigil policy` writes parses as its format requires (JSON, property list, .reg,
 * CSV) and reads back to the same policy, for each browser and OS.
 */
import { parse as parsePlist } from 'plist';
import { describe, expect, test } from 'vitest';
import { generatePolicy, type PolicyBrowser } from '../../../deploy/policy/generate.ts';
import {
  BROWSER_POLICY_LOCATIONS,
  browserPolicyName,
  type ChromiumBrowser,
  chromiumPolicy,
  forceInstalledBySettings,
  MAC_BUNDLE_IDS,
  REQUIRED_BROWSER_POLICIES,
  WEB_STORE_UPDATE_URL,
} from '../../../shared/catalogs/browser-policy.ts';
import { EXTENSION_ID } from '../../../shared/constants.ts';
import { type AgentConfig, AgentConfigSchema } from '../../../shared/schemas/config.ts';
import { POLICY_DEFAULTS } from '../../../shared/schemas/policy.ts';
import { parseRegFile, readPolicyLike } from '../../helpers/reg-file.ts';

const CHROMIUM_BROWSERS: ChromiumBrowser[] = ['chrome', 'edge', 'chromium'];
const SELF_HOSTED = 'https://it.centre.example/invigil/update.xml';
const CENTRE_ID = 'ponmlkjihgfedcbaponmlkjihgfedcba';

function config(raw: unknown): AgentConfig {
  return AgentConfigSchema.parse(raw);
}

const centre = config({
  policy: {
    extension: {
      allowedHosts: ['Exams.Example.org', 'cdn.example.net'],
      assessmentUrl: 'https://exams.example.org/start?paper=1&lang=en',
      heartbeatSeconds: 3,
    },
    printing: true,
    updateUrl: SELF_HOSTED,
    extensionId: CENTRE_ID,
  },
});

function only(browser: PolicyBrowser, os: 'windows' | 'macos' | 'linux', name: string, cfg = centre): Buffer {
  const file = generatePolicy({
    browser,
    os,
    config: cfg,
    installUrl: 'https://it.centre.example/invigil.xpi',
  }).files.find((f) => f.name === name);
  if (!file) throw new Error(`no ${name}`);
  return file.data;
}

/** RFC 4180, for reading the CSV back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field !== '' || row.length > 0) throw new Error('the CSV does not end with CRLF');
  return rows;
}

describe('Linux: JSON for the managed policy folder', () => {
  test.each(CHROMIUM_BROWSERS)('%s: parses as JSON and is the policy the agent checks for', (browser) => {
    const policy = JSON.parse(only(browser, 'linux', `invigil-${browser}.json`).toString('utf8'));
    for (const required of REQUIRED_BROWSER_POLICIES) {
      const name = browserPolicyName(browser, required.key);
      expect(required.satisfied(policy[name], CENTRE_ID), `${name}: ${required.requirement}`).toBe(true);
    }
    expect(forceInstalledBySettings(policy.ExtensionSettings, CENTRE_ID)).toBe(true);
    expect(policy['3rdparty'].extensions[CENTRE_ID]).toEqual({
      ...POLICY_DEFAULTS,
      allowedHosts: ['exams.example.org', 'cdn.example.net'],
      assessmentUrl: 'https://exams.example.org/start?paper=1&lang=en',
      heartbeatSeconds: 3,
    });
  });

  test("the allowlist mirrors the extension's hosts, every other address is blocked", () => {
    const policy = JSON.parse(only('chrome', 'linux', 'invigil-chrome.json').toString('utf8'));
    expect(policy.URLBlocklist).toEqual(['*']);
    expect(policy.URLAllowlist).toEqual([
      'exams.example.org',
      'cdn.example.net',
      `chrome-extension://${CENTRE_ID}`,
    ]);
    expect(policy.PrintingEnabled).toBe(true);
    expect(policy.NativeMessagingAllowlist).toEqual(['uk.invigil.agent']);
    expect(policy.NativeMessagingBlocklist).toEqual(['*']);
    // A self-hosted extension keeps updating from the centre's URL, not the one in its manifest.
    expect(policy.ExtensionSettings[CENTRE_ID]).toMatchObject({
      update_url: SELF_HOSTED,
      override_update_url: true,
    });
  });

  test('with no config: the published extension from the Web Store, the awarding body only, printing off', () => {
    const policy = JSON.parse(
      generatePolicy({ browser: 'chromium', os: 'linux' }).files[0]?.data.toString('utf8') ?? '{}',
    );
    expect(policy.ExtensionInstallForcelist).toEqual([`${EXTENSION_ID};${WEB_STORE_UPDATE_URL}`]);
    expect(policy.ExtensionSettings[EXTENSION_ID].override_update_url).toBeUndefined();
    expect(policy.URLAllowlist).toEqual(['theimi.org.uk', `chrome-extension://${EXTENSION_ID}`]);
    expect(policy.PrintingEnabled).toBe(false);
    expect(policy.DownloadRestrictions).toBe(3);
    expect(policy.DeveloperToolsAvailability).toBe(2);
  });

  test('Edge gets its own names for incognito and profiles; Chrome and Chromium keep theirs', () => {
    const edge = JSON.parse(only('edge', 'linux', 'invigil-edge.json').toString('utf8'));
    expect(edge.InPrivateModeAvailability).toBe(1);
    expect(edge.BrowserAddProfileEnabled).toBe(false);
    expect(edge.IncognitoModeAvailability).toBeUndefined();
    expect(edge.BrowserAddPersonEnabled).toBeUndefined();
    const chrome = JSON.parse(only('chrome', 'linux', 'invigil-chrome.json').toString('utf8'));
    expect(chrome.IncognitoModeAvailability).toBe(1);
  });
});

describe('Windows: .reg, with the policy names for Group Policy and Intune', () => {
  test.each(CHROMIUM_BROWSERS)(
    '%s: the .reg is strict version 5.00 syntax and reads back to the same policy',
    (browser) => {
      const tree = parseRegFile(only(browser, 'windows', `invigil-${browser}.reg`));
      const root = BROWSER_POLICY_LOCATIONS[browser].windows;
      const { '3rdparty': third, ...expected } = chromiumPolicy({
        extensionPolicy: {
          ...POLICY_DEFAULTS,
          allowedHosts: ['exams.example.org', 'cdn.example.net'],
          assessmentUrl: 'https://exams.example.org/start?paper=1&lang=en',
          heartbeatSeconds: 3,
        },
        updateUrl: SELF_HOSTED,
        extensionId: CENTRE_ID,
        printing: true,
        browser,
      });
      expect(readPolicyLike(tree, root, expected)).toEqual(expected);
      const managed =
        (third as { extensions: Record<string, Record<string, unknown>> }).extensions[CENTRE_ID] ?? {};
      expect(readPolicyLike(tree, `${root}\\3rdparty\\extensions\\${CENTRE_ID}\\policy`, managed)).toEqual(
        managed,
      );
      // Booleans and numbers are DWORDs, dictionaries are JSON strings.
      expect(tree.keys.get(root)?.get('PasswordManagerEnabled')).toEqual({ type: 'dword', value: 0 });
      expect(tree.keys.get(root)?.get('ExtensionSettings')?.type).toBe('sz');
    },
  );

  test('re-importing replaces the lists and the extension configuration instead of merging into them', () => {
    const tree = parseRegFile(only('chrome', 'windows', 'invigil-chrome.reg'));
    const root = BROWSER_POLICY_LOCATIONS.chrome.windows;
    expect(tree.deleted).toEqual(
      expect.arrayContaining([
        `${root}\\URLAllowlist`,
        `${root}\\ExtensionInstallForcelist`,
        `${root}\\3rdparty\\extensions\\${CENTRE_ID}`,
      ]),
    );
    expect(tree.comments.join('\n')).toContain('reg import invigil-chrome.reg');
  });

  test('the CSV lists every policy with its registry place and why it is set', () => {
    const rows = parseCsv(only('edge', 'windows', 'invigil-edge-policies.csv').toString('utf8'));
    expect(rows[0]).toEqual(['Policy', 'Value', 'Registry key', 'Value name', 'Value type', 'Why']);
    const byName = new Map(rows.slice(1).map((r) => [r[0], r]));
    const { '3rdparty': _t, ...edge } = chromiumPolicy({
      extensionPolicy: POLICY_DEFAULTS,
      updateUrl: SELF_HOSTED,
      browser: 'edge',
    });
    for (const name of Object.keys(edge)) {
      const row = byName.get(name);
      expect(row, name).toBeDefined();
      expect(row?.[5], `${name} says why`).not.toBe('');
    }
    expect(byName.get('InPrivateModeAvailability')?.slice(1, 5)).toEqual([
      '1',
      'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Edge',
      'InPrivateModeAvailability',
      'REG_DWORD',
    ]);
    expect(byName.get('URLAllowlist')?.[1]).toBe(
      `exams.example.org\ncdn.example.net\nchrome-extension://${CENTRE_ID}`,
    );
    expect(byName.get('3rdparty: allowedHosts')?.[2]).toBe(
      `HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Edge\\3rdparty\\extensions\\${CENTRE_ID}\\policy\\allowedHosts`,
    );
  });

  test('the README says how to deploy with reg import, Group Policy and Intune', () => {
    const readme = only('chrome', 'windows', 'README.txt').toString('utf8');
    expect(readme).toContain('reg import invigil-chrome.reg');
    expect(readme).toContain('Group Policy');
    expect(readme).toContain('Intune');
    expect(readme).toContain(CENTRE_ID);
  });
});

describe('macOS: a configuration profile', () => {
  test.each(CHROMIUM_BROWSERS)(
    '%s: parses as a property list with the browser and the extension domains',
    (browser) => {
      const xml = only(browser, 'macos', `invigil-${browser}.mobileconfig`).toString('utf8');
      const profile = parsePlist(xml) as Record<string, unknown>;
      expect(profile).toMatchObject({
        PayloadType: 'Configuration',
        PayloadScope: 'System',
        PayloadVersion: 1,
      });
      const [browserPayload, extensionPayload] = profile.PayloadContent as Record<string, unknown>[];
      const { '3rdparty': third, ...expected } = chromiumPolicy({
        extensionPolicy: {
          ...POLICY_DEFAULTS,
          allowedHosts: ['exams.example.org', 'cdn.example.net'],
          assessmentUrl: 'https://exams.example.org/start?paper=1&lang=en',
          heartbeatSeconds: 3,
        },
        updateUrl: SELF_HOSTED,
        extensionId: CENTRE_ID,
        printing: true,
        browser,
      });
      expect(browserPayload?.PayloadType).toBe(MAC_BUNDLE_IDS[browser]);
      expect(browserPayload).toMatchObject(expected);
      expect(extensionPayload?.PayloadType).toBe(`${MAC_BUNDLE_IDS[browser]}.extensions.${CENTRE_ID}`);
      expect(extensionPayload).toMatchObject(
        (third as { extensions: Record<string, Record<string, unknown>> }).extensions[CENTRE_ID] ?? {},
      );
      // The & in the assessment address was escaped, or the parser would have failed or cut it.
      expect(extensionPayload?.assessmentUrl).toBe('https://exams.example.org/start?paper=1&lang=en');
    },
  );

  test('UUIDs are well formed, distinct, and stable so a new profile replaces the old one', () => {
    const read = () =>
      parsePlist(only('chrome', 'macos', 'invigil-chrome.mobileconfig').toString('utf8')) as Record<
        string,
        unknown
      >;
    const a = read();
    const uuids = [
      a.PayloadUUID,
      ...(a.PayloadContent as Record<string, unknown>[]).map((p) => p.PayloadUUID),
    ];
    for (const u of uuids)
      expect(u).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
    expect(new Set(uuids).size).toBe(3);
    expect(read().PayloadUUID).toBe(a.PayloadUUID);
  });
});

describe('Firefox: policies.json', () => {
  test('installs the add-on, blocks the rest, and carries the managed configuration under 3rdparty.Extensions', () => {
    const { policies } = JSON.parse(only('firefox', 'windows', 'policies.json').toString('utf8'));
    expect(policies.ExtensionSettings).toEqual({
      '*': {
        installation_mode: 'blocked',
        blocked_install_message: 'Extensions are not allowed on exam PCs.',
      },
      'exam-lockdown@invigil.uk': {
        installation_mode: 'force_installed',
        install_url: 'https://it.centre.example/invigil.xpi',
      },
    });
    expect(policies['3rdparty'].Extensions['exam-lockdown@invigil.uk'].allowedHosts).toEqual([
      'exams.example.org',
      'cdn.example.net',
    ]);
    expect(policies.WebsiteFilter).toEqual({
      Block: ['<all_urls>'],
      Exceptions: ['*://*.exams.example.org/*', '*://*.cdn.example.net/*'],
    });
    expect(policies).toMatchObject({
      PasswordManagerEnabled: false,
      OfferToSaveLogins: false,
      AutofillAddressEnabled: false,
      AutofillCreditCardEnabled: false,
      PrivateBrowsingModeAvailability: 1,
      DisableDeveloperTools: true,
      DisableFirefoxAccounts: true,
      PrintingEnabled: true,
      DisableSafeMode: true,
    });
  });

  test('says what has no Firefox equivalent', () => {
    const { notes } = generatePolicy({
      browser: 'firefox',
      os: 'linux',
      installUrl: 'https://x.example/a.xpi',
    });
    const text = notes.join('\n');
    for (const gap of ['downloads', 'Screen capture', 'Guest mode', 'task manager', 'native messaging']) {
      expect(text).toContain(gap);
    }
  });
});

describe('the policy follows the seat config', () => {
  test("a seat that reports to a console waits for the invigilator's release unless the config says otherwise", () => {
    const enrolled = config({
      console: { url: 'https://console.example:8443', seatId: 'seat-1', credential: 'x'.repeat(40) },
    });
    const read = (cfg: AgentConfig) =>
      JSON.parse(only('chromium', 'linux', 'invigil-chromium.json', cfg).toString('utf8'))['3rdparty']
        .extensions[EXTENSION_ID];
    expect(read(enrolled).requireRelease).toBe(true);
    expect(
      read(config({ policy: { extension: { requireRelease: false } }, console: enrolled.console }))
        .requireRelease,
    ).toBe(false);
    expect(read(config({})).requireRelease).toBe(false);
  });

  test('allowedResourceHosts goes to the extension only when the config sets it', () => {
    const read = (cfg: AgentConfig) =>
      JSON.parse(only('chromium', 'linux', 'invigil-chromium.json', cfg).toString('utf8'))['3rdparty']
        .extensions[EXTENSION_ID];
    expect(read(config({}))).not.toHaveProperty('allowedResourceHosts');
    expect(
      read(config({ policy: { extension: { allowedResourceHosts: ['CDN.example.net'] } } }))
        .allowedResourceHosts,
    ).toEqual(['cdn.example.net']);
  });

  test("allowing downloads in the config lifts the browser's download block too", () => {
    const cfg = config({ policy: { extension: { allowDownloads: true } } });
    expect(
      JSON.parse(only('chrome', 'linux', 'invigil-chrome.json', cfg).toString('utf8')).DownloadRestrictions,
    ).toBe(0);
  });

  test('an assessment address off the allowed hosts is refused, naming the setting', () => {
    const cfg = config({
      policy: {
        extension: { allowedHosts: ['exams.example.org'], assessmentUrl: 'https://elsewhere.example/' },
      },
    });
    expect(() => generatePolicy({ browser: 'chrome', os: 'linux', config: cfg })).toThrow(
      'policy.extension.assessmentUrl is not on one of the allowed hosts',
    );
  });

  test('a bad --extension-id or --update-url is refused, naming the flag', () => {
    expect(() => generatePolicy({ browser: 'chrome', os: 'linux', extensionId: 'ABC' })).toThrow(
      /^--extension-id/,
    );
    expect(() =>
      generatePolicy({ browser: 'chrome', os: 'linux', updateUrl: 'ftp://x.example/u.xml' }),
    ).toThrow(/^--update-url/);
    expect(() => generatePolicy({ browser: 'firefox', os: 'linux', installUrl: 'not a url' })).toThrow(
      /^--install-url/,
    );
  });
});
