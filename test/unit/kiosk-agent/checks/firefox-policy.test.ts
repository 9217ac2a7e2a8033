/**
 * The agent reading back Firefox's policies.json: what `invigil policy --browser firefox` writes
 * passes, and each way of weakening it is named. (Real Firefox reading the file is in
 * test/e2e/extension/firefox.test.ts.)
 */
import { describe, expect, test } from 'vitest';
import { evaluateFirefoxPolicy } from '../../../../kiosk-agent/checks/firefox-policy.ts';
import { FIREFOX_EXTENSION_ID } from '../../../../shared/catalogs/browser-policy.ts';
import { firefoxPolicies } from '../../../../shared/catalogs/firefox-policy.ts';
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
