/**
 * Every file `invigil policy` writes parses as its format requires (JSON, property list, .reg,
 * CSV) and reads back to the same policy, for each browser and OS.
 */
import { parse as parsePlist } from 'plist';
import { describe, expect, test } from 'vitest';
import { generatePolicy, type PolicyBrowser } from '../../../deploy/policy/generate.ts';
import { evaluateFirefoxPolicy, firefoxMacPolicies } from '../../../kiosk-agent/checks/firefox-policy.ts';
import {
  BROWSER_POLICY_LOCATIONS,
  browserPolicyName,
  type ChromiumBrowser,
  chromiumPolicy,
  FIREFOX_EXTENSION_ID,
  forceInstalledBySettings,
  INTERNAL_URL_PATTERNS,
  MAC_BUNDLE_IDS,
  requiredPolicies,
  WEB_STORE_UPDATE_URL,
} from '../../../shared/catalogs/browser-policy.ts';
import {
  FIREFOX_MAC_DOMAIN,
  FIREFOX_MAC_MANAGED_PLIST,
  FIREFOX_REGISTRY_KEY,
} from '../../../shared/catalogs/firefox-policy.ts';
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
    for (const required of requiredPolicies(browser, 'linux', null)) {
      const name = browserPolicyName(browser, required.key);
      expect(required.required?.satisfied(policy[name], CENTRE_ID, browser), name).toBe(true);
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
    expect(policy.URLBlocklist).toEqual(['*', ...INTERNAL_URL_PATTERNS.chrome]);
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
        os: 'windows',
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
      os: 'windows',
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
        os: 'macos',
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
  test('on Windows, also a .reg of the same policy, which the agent reads back whole once imported', () => {
    const generated = generatePolicy({
      browser: 'firefox',
      os: 'windows',
      config: centre,
      installUrl: 'https://it.centre.example/invigil.xpi',
    });
    expect(generated.files.map((f) => f.name)).toEqual(['policies.json', 'invigil-firefox.reg']);
    const tree = parseRegFile(only('firefox', 'windows', 'invigil-firefox.reg'));
    expect(tree.keys.get(FIREFOX_REGISTRY_KEY)?.get('DisableDeveloperTools')).toEqual({
      type: 'dword',
      value: 1,
    });
    // As reg import leaves it, read as the agent reads `reg query` output.
    const imported = [...tree.keys].map(([key, values]) => ({
      key,
      values: new Map([...values].map(([n, v]) => [n, v.value])),
    }));
    const check = evaluateFirefoxPolicy(
      { where: 'C:\\x\\policies.json', text: null },
      FIREFOX_EXTENSION_ID,
      imported,
    );
    expect(check.findings).toEqual([]);
    // Linux: policies.json alone.
    expect(
      generatePolicy({
        browser: 'firefox',
        os: 'linux',
        config: centre,
        installUrl: 'https://x.example/a.xpi',
      }).files.map((f) => f.name),
    ).toEqual(['policies.json']);
  });

  test("on macOS, also a configuration profile for Firefox's preference domain, which the agent reads back whole once installed", () => {
    const generated = generatePolicy({
      browser: 'firefox',
      os: 'macos',
      config: centre,
      installUrl: 'https://it.centre.example/invigil.xpi',
    });
    expect(generated.files.map((f) => f.name)).toEqual(['policies.json', 'invigil-firefox.mobileconfig']);
    const profile = parsePlist(only('firefox', 'macos', 'invigil-firefox.mobileconfig').toString('utf8')) as {
      PayloadType: string;
      PayloadScope: string;
      PayloadContent: Record<string, unknown>[];
    };
    expect(profile).toMatchObject({ PayloadType: 'Configuration', PayloadScope: 'System' });
    expect(profile.PayloadContent.map((p) => p.PayloadType)).toEqual([FIREFOX_MAC_DOMAIN]);
    const payload = profile.PayloadContent[0] ?? {};
    expect(payload.EnterprisePoliciesEnabled).toBe(true);
    // The same policies as policies.json, the add-on's configuration as JSON text (plist booleans reach
    // Firefox as 0/1, and no schema turns an add-on's values back).
    const { policies } = JSON.parse(only('firefox', 'macos', 'policies.json').toString('utf8'));
    const { '3rdparty': third, ...rest } = policies;
    expect(payload).toMatchObject(rest);
    const extensions = (payload['3rdparty'] as { Extensions: Record<string, string> }).Extensions;
    expect(JSON.parse(extensions[FIREFOX_EXTENSION_ID] ?? '')).toEqual(
      third.Extensions[FIREFOX_EXTENSION_ID],
    );
    // Installed, macOS writes the payload's settings (not its Payload* keys) to the managed preferences;
    // `plutil -convert json` prints them as JSON, which is what the agent reads.
    const managed = Object.fromEntries(Object.entries(payload).filter(([k]) => !k.startsWith('Payload')));
    const check = evaluateFirefoxPolicy(
      { where: '/nowhere/policies.json', text: null },
      FIREFOX_EXTENSION_ID,
      undefined,
      firefoxMacPolicies({ where: FIREFOX_MAC_MANAGED_PLIST, json: JSON.stringify(managed) }),
    );
    expect(check.findings).toEqual([]);
    expect(check.status).toBe('pass');
    expect(check.summary).toContain(FIREFOX_MAC_MANAGED_PLIST);
  });

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

  test('turns AI, translation, visual search, screenshots and file dialogs off, and blocks about:support', () => {
    const { policies } = JSON.parse(only('firefox', 'linux', 'policies.json').toString('utf8'));
    expect(policies.GenerativeAI).toEqual({
      Enabled: false,
      Chatbot: false,
      LinkPreviews: false,
      TabGroups: false,
      Locked: true,
    });
    expect(Object.keys(policies.AIControls)).toEqual([
      'Default',
      'Translations',
      'PDFAltText',
      'SmartTabGroups',
      'LinkPreviewKeyPoints',
      'SidebarChatbot',
      'SmartWindow',
    ]);
    for (const feature of Object.values(policies.AIControls))
      expect(feature).toEqual({ Value: 'blocked', Locked: true });
    expect(policies).toMatchObject({
      VisualSearchEnabled: false,
      TranslateEnabled: false,
      DisableFirefoxScreenshots: true,
      SearchSuggestEnabled: false,
      AllowFileSelectionDialogs: false,
      BlockAboutSupport: true,
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

describe("AI, translation, search and the browser's own pages", () => {
  const linux = (browser: PolicyBrowser, cfg = centre) =>
    JSON.parse(only(browser, 'linux', `invigil-${browser}.json`, cfg).toString('utf8')) as Record<
      string,
      unknown
    >;

  test.each(['chrome', 'chromium'] as const)(
    '%s: the values an exam PC wants, under the names Chromium 156 knows',
    (browser) => {
      expect(linux(browser)).toMatchObject({
        GeminiSettings: 1,
        GeminiActOnWebSettings: 1,
        GeminiChromeFileUploadSettings: 1,
        ThirdPartyAiChatSettings: 1,
        AIModeSettings: 1,
        // Chromium's template: 0 = Enabled, 1 = Disabled. There is no 2.
        LensOverlaySettings: 1,
        SearchContentSharingSettings: 1,
        LensRegionSearchEnabled: false,
        LensDesktopNTPSearchEnabled: false,
        HelpMeWriteSettings: 2,
        TabCompareSettings: 2,
        HistorySearchSettings: 2,
        CreateThemesSettings: 2,
        DevToolsGenAiSettings: 2,
        AutofillGenAiSettings: 2,
        GenAILocalFoundationalModelSettings: 1,
        BuiltInAIAPIsEnabled: false,
        TranslatorAPIAllowed: false,
        TranslateEnabled: false,
        LiveTranslateEnabled: false,
        SpellCheckServiceEnabled: false,
        SearchSuggestEnabled: false,
        GoogleSearchSidePanelEnabled: false,
        AllowFileSelectionDialogs: false,
        RemoteDebuggingAllowed: false,
        AutofillAddressEnabled: false,
        AutofillCreditCardEnabled: false,
        AutofillSettings: [{ url_pattern: '*', blocked_types: ['all'] }],
      });
      const policy = linux(browser);
      // Not Chromium policies: GenAiDefaultSettings is cloud-only, GenAiLensOverlaySettings is not a
      // Chromium 156 policy, and Edge's sidebar and Copilot policies are Edge's.
      for (const name of [
        'GenAiDefaultSettings',
        'GenAiLensOverlaySettings',
        'HubsSidebarEnabled',
        'CopilotPageContext',
      ])
        expect(policy[name], name).toBeUndefined();
    },
  );

  test("Edge: its own sidebar, Copilot and compose policies, and none of Chrome's Gemini, Lens or AI Mode ones", () => {
    const edge = linux('edge');
    expect(edge).toMatchObject({
      HubsSidebarEnabled: false,
      CopilotPageContext: false,
      EdgeEntraCopilotPageContext: false,
      Microsoft365CopilotChatIconEnabled: false,
      ComposeInlineEnabled: false,
      EdgeHistoryAISearchEnabled: false,
      VisualSearchEnabled: false,
      MicrosoftEditorProofingEnabled: false,
      TranslateEnabled: false,
      SearchSuggestEnabled: false,
      BuiltInAIAPIsEnabled: false,
      GenAILocalFoundationalModelSettings: 1,
      AllowFileSelectionDialogs: false,
      RemoteDebuggingAllowed: false,
    });
    for (const name of [
      'GeminiSettings',
      'LensOverlaySettings',
      'AIModeSettings',
      'TranslatorAPIAllowed',
      'AutofillSettings',
    ])
      expect(edge[name], name).toBeUndefined();
    // The standalone sidebar docks on the Windows desktop: a Windows-only policy.
    expect(edge.StandaloneHubsSidebarEnabled).toBeUndefined();
    const tree = parseRegFile(only('edge', 'windows', 'invigil-edge.reg'));
    expect(tree.keys.get(BROWSER_POLICY_LOCATIONS.edge.windows)?.get('StandaloneHubsSidebarEnabled')).toEqual(
      {
        type: 'dword',
        value: 0,
      },
    );
  });

  test.each(CHROMIUM_BROWSERS)(
    "%s: the browser's own pages are blocked, the extension's pages stay open",
    (browser) => {
      const policy = linux(browser);
      expect(policy.URLBlocklist).toEqual(['*', ...INTERNAL_URL_PATTERNS[browser]]);
      for (const p of ['chrome://*', 'view-source:*', 'javascript://*', 'file://*'])
        expect(policy.URLBlocklist, p).toContain(p);
      if (browser === 'edge') expect(policy.URLBlocklist).toContain('edge://*');
      expect(policy.URLAllowlist).toContain(`chrome-extension://${CENTRE_ID}`);
    },
  );

  test('AutofillSettings, a list of dictionaries, is one JSON string in the registry and a native list in the profile', () => {
    const tree = parseRegFile(only('chrome', 'windows', 'invigil-chrome.reg'));
    const root = BROWSER_POLICY_LOCATIONS.chrome.windows;
    expect(tree.keys.get(root)?.get('AutofillSettings')).toEqual({
      type: 'sz',
      value: '[{"url_pattern":"*","blocked_types":["all"]}]',
    });
    expect(tree.keys.has(`${root}\\AutofillSettings`)).toBe(false);
    const profile = parsePlist(only('chrome', 'macos', 'invigil-chrome.mobileconfig').toString('utf8')) as {
      PayloadContent: Record<string, unknown>[];
    };
    expect(profile.PayloadContent[0]?.AutofillSettings).toEqual([
      { url_pattern: '*', blocked_types: ['all'] },
    ]);
  });

  test('the notes name the policies a browser has only announced for that OS', () => {
    const { notes } = generatePolicy({ browser: 'chromium', os: 'linux' });
    const line = notes.find((n) => n.includes('may not act on them yet')) ?? '';
    for (const name of ['GeminiSettings', 'GeminiChromeFileUploadSettings', 'AutofillGenAiSettings'])
      expect(line).toContain(name);
    expect(line).not.toContain('TranslateEnabled');
  });

  test('policy.relax leaves a relaxable policy out, and the notes say so', () => {
    const cfg = config({ policy: { relax: ['AllowFileSelectionDialogs', 'SpellCheckServiceEnabled'] } });
    const policy = linux('chrome', cfg);
    expect(policy.AllowFileSelectionDialogs).toBeUndefined();
    expect(policy.SpellCheckServiceEnabled).toBeUndefined();
    expect(policy.TranslateEnabled).toBe(false);
    const { notes } = generatePolicy({ browser: 'chrome', os: 'linux', config: cfg });
    expect(notes).toContain(
      "Relaxed by policy.relax in the config, so left to the browser's default: AllowFileSelectionDialogs, SpellCheckServiceEnabled.",
    );
  });

  test('a policy that may not be relaxed is refused when the config is read, naming the setting', () => {
    const r = AgentConfigSchema.safeParse({ policy: { relax: ['TranslateEnabled'] } });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['policy', 'relax', 0]);
    expect(r.error?.issues[0]?.message).toMatch(
      /^is not a policy a centre may relax \(one of AllowFileSelectionDialogs, /,
    );
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

  test('endPageUrl goes to the extension (Chromium and Firefox) only when set; one off the allowed hosts is refused by name', () => {
    const end = 'https://www.theimi.org.uk/awarding/finished';
    const chromium = (cfg: AgentConfig) =>
      JSON.parse(only('chromium', 'linux', 'invigil-chromium.json', cfg).toString('utf8'))['3rdparty']
        .extensions[EXTENSION_ID];
    const firefox = (cfg: AgentConfig) =>
      JSON.parse(only('firefox', 'macos', 'policies.json', cfg).toString('utf8')).policies['3rdparty']
        .Extensions;
    expect(chromium(config({}))).not.toHaveProperty('endPageUrl');
    const cfg = config({ policy: { extension: { endPageUrl: end } } });
    expect(chromium(cfg).endPageUrl).toBe(end);
    expect(Object.values(firefox(cfg))[0]).toMatchObject({ endPageUrl: end });
    expect(() =>
      only(
        'chromium',
        'linux',
        'invigil-chromium.json',
        config({ policy: { extension: { endPageUrl: 'https://elsewhere.example/done' } } }),
      ),
    ).toThrow('policy.extension.endPageUrl is not on one of the allowed hosts');
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
