import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import {
  evaluateBrowserPolicy,
  extensionConfigFindings,
  policyFromPlistJson,
  policyFromRegistry,
  readLinuxPolicy,
} from '../../../kiosk-agent/checks/browser-policy.ts';
import { parseRegQuery } from '../../../kiosk-agent/checks/windows-registry.ts';
import { chromiumPolicy, WEB_STORE_UPDATE_URL } from '../../../shared/catalogs/browser-policy.ts';
import { EXTENSION_ID } from '../../../shared/constants.ts';
import { POLICY_DEFAULTS } from '../../../shared/schemas/policy.ts';

const FIX = resolve(import.meta.dirname, '../../fixtures');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const policyDir = (files: Record<string, string>) => {
  const d = mkdtempSync(join(tmpdir(), 'invigil-policy-'));
  dirs.push(d);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
};
const generated = () => chromiumPolicy({ extensionPolicy: POLICY_DEFAULTS, updateUrl: WEB_STORE_UPDATE_URL });
const subjects = (r: ReturnType<typeof evaluateBrowserPolicy>) =>
  r.findings.map((f) => `${f.code} ${f.subject}`);

describe('browser policy on Linux (JSON files)', () => {
  test("the generator's policy passes the check", () => {
    const r = evaluateBrowserPolicy(
      readLinuxPolicy('chromium', policyDir({ 'invigil.json': JSON.stringify(generated()) })),
    );
    expect(r.status).toBe('pass');
    expect(r.summary).toMatch(/^Chromium's enterprise policy is in place/);
  });

  test('no policy at all is one finding that says where it looked', () => {
    const r = evaluateBrowserPolicy(readLinuxPolicy('chromium', '/nonexistent/policies/managed'));
    expect(r.findings.map((f) => f.message)).toEqual([
      'No enterprise policy for Chromium is installed (looked in /nonexistent/policies/managed).',
    ]);
  });

  test('each missing requirement is named; files merge; a broken file is reported, not trusted', () => {
    const {
      PasswordManagerEnabled: _pm,
      ExtensionInstallForcelist: _f,
      ExtensionSettings: _s,
      ...rest
    } = generated();
    const dir = policyDir({
      'a.json': JSON.stringify({ ...rest, IncognitoModeAvailability: 0 }),
      'b.json': '{"PasswordManagerEnabled": false,', // broken: the browser ignores the whole file
    });
    const r = evaluateBrowserPolicy(readLinuxPolicy('chromium', dir));
    expect(subjects(r)).toEqual([
      `browser-policy ${join(dir, 'b.json')}`,
      'browser-policy PasswordManagerEnabled',
      'browser-policy ExtensionInstallForcelist',
      'browser-policy IncognitoModeAvailability',
    ]);
    expect(r.findings[3]?.message).toBe(
      "Chromium's policy does not make sure that incognito (InPrivate in Edge) windows are off: IncognitoModeAvailability should be 1 but is set to 0.",
    );
  });

  test('force-installing through ExtensionSettings alone also counts', () => {
    const { ExtensionInstallForcelist: _f, ...rest } = generated();
    expect(
      evaluateBrowserPolicy(readLinuxPolicy('chromium', policyDir({ 'p.json': JSON.stringify(rest) })))
        .status,
    ).toBe('pass');
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
  const read = (name: string) => readFileSync(join(FIX, 'windows', name), 'utf8');

  test('a complete policy in the registry passes: DWORDs become booleans, lists come from numbered values', () => {
    const installed = policyFromRegistry(
      parseRegQuery(read('reg-query-chrome-policy-complete.txt')),
      'chrome',
    );
    expect(installed.values).toMatchObject({
      PasswordManagerEnabled: false,
      IncognitoModeAvailability: 1,
      ExtensionInstallForcelist: [`${EXTENSION_ID};https://clients2.google.com/service/update2/crx`],
      URLBlocklist: ['*'],
      ExtensionSettings: { '*': { installation_mode: 'blocked' } },
      '3rdparty': {
        extensions: {
          [EXTENSION_ID]: { allowedHosts: ['theimi.org.uk'], allowDownloads: false, heartbeatSeconds: 5 },
        },
      },
    });
    expect(evaluateBrowserPolicy(installed).status).toBe('pass');
  });

  test('an incomplete policy names each gap, and the wrong types under 3rdparty', () => {
    const r = evaluateBrowserPolicy(
      policyFromRegistry(parseRegQuery(read('reg-query-chrome-policy-incomplete.txt')), 'chrome'),
    );
    expect(subjects(r)).toEqual([
      'browser-policy PasswordManagerEnabled',
      'browser-policy AutofillCreditCardEnabled',
      'browser-policy ExtensionInstallForcelist',
      'browser-policy IncognitoModeAvailability',
      `extension-policy-invalid 3rdparty.extensions.${EXTENSION_ID}.allowedHosts`,
      `extension-policy-invalid 3rdparty.extensions.${EXTENSION_ID}.heartbeatSeconds`,
    ]);
    expect(r.findings[0]?.message).toBe(
      "Google Chrome's policy does not make sure that password saving is off: PasswordManagerEnabled should be false but is set to true.",
    );
  });

  test('no key at all means no policy', () => {
    expect(evaluateBrowserPolicy(policyFromRegistry([], 'edge')).findings[0]?.message).toBe(
      'No enterprise policy for Microsoft Edge is installed (looked in HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Edge).',
    );
  });
});

describe('browser policy on macOS (plutil output)', () => {
  test("managed preferences and the extension's own domain are read together", () => {
    const main = readFileSync(join(FIX, 'macos', 'com.google.Chrome.plutil.json'), 'utf8');
    const ext = readFileSync(
      join(FIX, 'macos', `com.google.Chrome.extensions.${EXTENSION_ID}.plutil.json`),
      'utf8',
    );
    const r = evaluateBrowserPolicy(policyFromPlistJson('chrome', main, ext));
    expect(subjects(r)).toEqual([
      `extension-policy-invalid 3rdparty.extensions.${EXTENSION_ID}.allowedHosts`,
    ]);
    expect(evaluateBrowserPolicy(policyFromPlistJson('chrome', main, null)).status).toBe('pass');
    expect(evaluateBrowserPolicy(policyFromPlistJson('chrome', null, null)).findings[0]?.message).toMatch(
      /^No enterprise policy for Google Chrome is installed \(looked in \/Library\/Managed Preferences\/com\.google\.Chrome\.plist\)/,
    );
  });
});
