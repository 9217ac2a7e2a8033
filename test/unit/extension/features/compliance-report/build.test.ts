import { describe, expect, test } from 'vitest';
import {
  buildReport,
  CHECK_TITLES,
  INITIAL_STATUS,
  type StatusSections,
} from '../../../../../extension/features/compliance-report/build.ts';
import {
  DEFAULT_POLICY_STATE,
  type GateState,
  type PolicyState,
} from '../../../../../extension/lib/stored.ts';
import { chromium as platformChromium } from '../../../../../extension/platform/chromium.ts';
import { firefox as platformFirefox } from '../../../../../extension/platform/firefox.ts';
import { readiness } from '../../../../../shared/rules/readiness.ts';
import { parsePolicy } from '../../../../../shared/schemas/policy.ts';
import { ComplianceReportSchema, type PrivacySettingState } from '../../../../../shared/schemas/report.ts';

const OFF: PrivacySettingState = { value: false, levelOfControl: 'controlled_by_this_extension', off: true };

const ALL_OFF = {
  passwordSaving: OFF,
  autofillAddress: OFF,
  autofillCreditCard: OFF,
  translationService: OFF,
  spellingService: OFF,
  searchSuggest: OFF,
};

/** A seat where everything is as it should be (force-installed, agent linked). */
function good(): StatusSections {
  return {
    ...INITIAL_STATUS,
    extension: {
      id: 'lafjhoockmahiigmahjcfjehlcadimim',
      version: '0.1.0',
      installType: 'admin',
      managed: true,
    },
    browser: {
      name: 'chromium',
      version: '156.0.7444.59',
      major: 156,
      versionSource: 'client-hints',
      userAgent: 'Mozilla/5.0',
    },
    siteBlocking: { active: true, allowedHosts: ['theimi.org.uk'], ruleCount: 2 },
    privacy: ALL_OFF,
    extensions: [],
    displays: { count: 1 },
    agentLinked: true,
  };
}

const gate: GateState = { state: 'open', changedAt: '2026-01-01T09:00:00.000Z' };
const meta = { sequence: 3, trigger: 'change' as const, generatedAt: '2026-01-01T09:00:05.000Z' };

function report(status: StatusSections, policy: PolicyState = DEFAULT_POLICY_STATE) {
  const r = buildReport({ policy, gate, status }, meta);
  // Whatever the seat's state, the report is one the agent and the console accept unchanged.
  expect(ComplianceReportSchema.parse(r)).toEqual(r);
  return r;
}

const checkOf = (r: ReturnType<typeof report>, id: string) => r.checks.find((c) => c.id === id);
const stateOf = (r: ReturnType<typeof report>) => readiness(r.checks.flatMap((c) => c.findings)).state;

describe('the compliance report', () => {
  test('a locked-down, managed, linked seat passes every check and is ready', () => {
    const r = report(good());
    expect(r.checks.map((c) => c.id)).toEqual(Object.keys(CHECK_TITLES));
    expect(r.checks.every((c) => c.status === 'pass')).toBe(true);
    expect(stateOf(r)).toBe('ready');
    expect(r).toMatchObject({
      sequence: 3,
      trigger: 'change',
      heartbeatSeconds: 5,
      gate: 'open',
      agentLinked: true,
    });
  });

  test('each check says in plain English what it found', () => {
    const r = report(good());
    expect(checkOf(r, 'site-blocking')?.summary).toContain('theimi.org.uk');
    expect(checkOf(r, 'password-saving')?.summary).toBe('Password saving is off (by Invigil).');
  });

  test('before the first look, nothing is assumed safe', () => {
    const r = report(INITIAL_STATUS);
    expect(stateOf(r)).toBe('not-ready');
    expect(checkOf(r, 'site-blocking')?.status).toBe('fail');
    expect(checkOf(r, 'password-saving')?.status).toBe('fail');
    expect(checkOf(r, 'other-extensions')?.status).toBe('error');
  });

  test('password saving forced on by browser policy fails the seat and says why', () => {
    const forced: PrivacySettingState = { value: true, levelOfControl: 'not_controllable', off: false };
    const r = report({ ...good(), privacy: { ...ALL_OFF, passwordSaving: forced } });
    const check = checkOf(r, 'password-saving');
    expect(check?.status).toBe('fail');
    expect(check?.findings[0]?.code).toBe('password-saving-on');
    expect(check?.findings[0]?.message).toContain("the browser's policy forces it on");
    expect(stateOf(r)).toBe('not-ready');
  });

  test('autofill held on by another extension is reported per setting', () => {
    const held: PrivacySettingState = {
      value: true,
      levelOfControl: 'controlled_by_other_extensions',
      off: false,
    };
    const r = report({ ...good(), privacy: { ...ALL_OFF, autofillCreditCard: held } });
    const check = checkOf(r, 'autofill');
    expect(check?.findings).toHaveLength(1);
    expect(check?.findings[0]).toMatchObject({ code: 'autofill-on', subject: 'autofillCreditCard' });
    expect(check?.findings[0]?.message).toContain('another extension controls it');
  });

  test('an enabled password manager blocks the seat; turned-off extensions are named in the summary', () => {
    const r = report({
      ...good(),
      extensions: [
        {
          id: 'nngceckbapebfimnlniiiahkandclblb',
          name: 'Bitwarden Password Manager',
          installType: 'admin',
          enabled: true,
          passwordManager: 'Bitwarden',
          action: 'cannot-disable',
        },
        {
          id: 'abcdefghijklmnopabcdefghijklmnop',
          name: 'Tab Notes',
          installType: 'development',
          enabled: false,
          passwordManager: null,
          action: 'disabled',
        },
      ],
    });
    const check = checkOf(r, 'other-extensions');
    expect(check?.status).toBe('fail');
    expect(check?.findings).toHaveLength(1);
    expect(check?.findings[0]).toMatchObject({ code: 'password-manager-extension', severity: 'block' });
    expect(check?.findings[0]?.message).toContain('installed by policy, so Invigil cannot turn it off');
    expect(check?.summary).toContain('Invigil turned off one extension: Tab Notes');
    expect(stateOf(r)).toBe('not-ready');
  });

  test('another extension left on because the policy says "report" needs attention', () => {
    const policy = {
      ...DEFAULT_POLICY_STATE,
      policy: { ...DEFAULT_POLICY_STATE.policy, otherExtensions: 'report' as const },
    };
    const r = report(
      {
        ...good(),
        extensions: [
          {
            id: 'abcdefghijklmnopabcdefghijklmnop',
            name: 'Tab Notes',
            installType: 'normal',
            enabled: true,
            passwordManager: null,
            action: 'left-enabled',
          },
        ],
      },
      policy,
    );
    expect(checkOf(r, 'other-extensions')?.findings[0]?.message).toContain('report other extensions');
    expect(stateOf(r)).toBe('attention');
  });

  test('a rejected policy field is reported by name, and the seat stays locked', () => {
    const parsed = parsePolicy({ allowedHosts: ['*'] });
    const r = report(good(), { policy: parsed.policy, errors: parsed.errors, source: parsed.source });
    const check = checkOf(r, 'policy');
    expect(check?.status).toBe('fail');
    expect(check?.findings[0]).toMatchObject({ code: 'policy-invalid', subject: 'allowedHosts' });
    expect(check?.findings[0]?.message).toBe(
      'Policy setting "allowedHosts" entry 1 "*" would allow every site; list the assessment\'s host names instead. Rejected: the last good value is still enforced.',
    );
    expect(r.policy.valid).toBe(false);
    expect(r.policy.effective.allowedHosts).toEqual(['theimi.org.uk']);
    expect(checkOf(r, 'site-blocking')?.status).toBe('pass');
  });

  test('site blocking not in force makes the seat not ready, with the reason', () => {
    const r = report({
      ...good(),
      siteBlocking: {
        active: false,
        allowedHosts: [],
        ruleCount: 0,
        error: 'no blocking rules are installed',
      },
    });
    expect(checkOf(r, 'site-blocking')?.findings[0]?.code).toBe('site-blocking-off');
    expect(checkOf(r, 'site-blocking')?.summary).toContain('no blocking rules are installed');
    expect(stateOf(r)).toBe('not-ready');
  });

  test('a check that could not run fails closed', () => {
    const r = report({ ...good(), errors: { autofill: 'chrome.privacy is not available' } });
    const check = checkOf(r, 'autofill');
    expect(check?.status).toBe('error');
    expect(check?.findings[0]?.code).toBe('extension-check-error');
    expect(check?.summary).toContain('chrome.privacy is not available');
    expect(stateOf(r)).toBe('not-ready');
  });

  test('a protection that did not start fails the seat, naming it', () => {
    const r = report({ ...good(), failedFeatures: { downloads: 'chrome.downloads is undefined' } });
    const check = checkOf(r, 'extension');
    expect(check?.status).toBe('error');
    expect(check?.findings[0]).toMatchObject({ code: 'extension-check-error', subject: 'downloads' });
    expect(check?.summary).toBe('The "downloads" protection did not start: chrome.downloads is undefined');
    expect(stateOf(r)).toBe('not-ready');
  });

  test('not installed by policy needs attention; no agent is only noted', () => {
    const r = report({
      ...good(),
      extension: { id: 'x', version: '0.1.0', installType: 'development', managed: false },
      agentLinked: false,
    });
    expect(checkOf(r, 'managed-install')?.summary).toContain('loaded unpacked');
    expect(checkOf(r, 'agent-link')?.findings[0]).toMatchObject({
      code: 'agent-link-down',
      severity: 'info',
    });
    expect(stateOf(r)).toBe('attention');
  });

  test('downloads allowed by policy are recorded, not failed', () => {
    const r = report({ ...good(), downloads: { blocked: false, blockedCount: 0 } });
    expect(checkOf(r, 'downloads')?.status).toBe('pass');
    expect(checkOf(r, 'downloads')?.findings[0]?.code).toBe('downloads-allowed');
    expect(stateOf(r)).toBe('ready');
  });

  test('stopped downloads are counted in the summary', () => {
    const r = report({ ...good(), downloads: { blocked: true, blockedCount: 2 } });
    expect(checkOf(r, 'downloads')?.summary).toBe('Files cannot be downloaded. 2 downloads were stopped.');
  });
});

describe('browser services that send the page away', () => {
  test('translation, spelling and search suggestions off pass, saying who turned them off', () => {
    const byPolicy: PrivacySettingState = { value: false, levelOfControl: 'not_controllable', off: true };
    const r = report({
      ...good(),
      privacy: {
        ...ALL_OFF,
        translationService: byPolicy,
        spellingService: byPolicy,
        searchSuggest: byPolicy,
      },
    });
    expect(checkOf(r, 'browser-services')).toMatchObject({
      status: 'pass',
      summary:
        "Translation, the online spelling service and search suggestions are off (by the browser's policy).",
    });
    expect(r.privacy.translationService).toEqual(byPolicy);
  });

  test('translation forced on blocks the seat, naming the setting and why', () => {
    const forced: PrivacySettingState = { value: true, levelOfControl: 'not_controllable', off: false };
    const r = report({ ...good(), privacy: { ...ALL_OFF, translationService: forced } });
    const check = checkOf(r, 'browser-services');
    expect(check?.status).toBe('fail');
    expect(check?.findings).toEqual([
      expect.objectContaining({
        code: 'browser-service-on',
        severity: 'block',
        subject: 'translationService',
        message: "Translation is on, and Invigil cannot turn it off: the browser's policy forces it on.",
      }),
    ]);
    expect(stateOf(r)).toBe('not-ready');
  });

  test('a setting not read yet is never taken for off', () => {
    const { searchSuggest: _, ...rest } = ALL_OFF;
    const r = report({ ...good(), privacy: rest });
    expect(r.privacy.searchSuggest).toMatchObject({ value: null, off: false });
    expect(checkOf(r, 'browser-services')?.findings[0]?.subject).toBe('searchSuggest');
  });
});

describe("the browser's version", () => {
  const withBrowser = (browser: StatusSections['browser']) => report({ ...good(), browser });

  test('a browser at or after the version the policy was checked against passes, naming it', () => {
    const r = withBrowser(good().browser);
    expect(checkOf(r, 'browser-version')).toMatchObject({
      status: 'pass',
      summary: "Chromium 156.0.7444.59 (Invigil's policy was checked against 156 and later).",
    });
    expect(r.browser).toMatchObject({ version: '156.0.7444.59', major: 156, versionSource: 'client-hints' });
  });

  test('an older browser is flagged, with both versions', () => {
    const r = withBrowser({
      name: 'chrome',
      version: '150.0.7871.100',
      major: 150,
      versionSource: 'client-hints',
      userAgent: 'Mozilla/5.0',
    });
    const check = checkOf(r, 'browser-version');
    expect(check?.status).toBe('fail');
    expect(check?.findings[0]).toMatchObject({
      code: 'browser-too-old',
      severity: 'warn',
      subject: 'Chrome 150',
      details: { major: 150, oldest: 156 },
    });
    expect(check?.findings[0]?.message).toContain('Chrome 150.0.7871.100 is older than 156');
    expect(stateOf(r)).toBe('attention');
  });

  test('a version that could not be read is flagged too, never passed', () => {
    const r = withBrowser({
      name: 'chromium',
      version: '',
      major: null,
      versionSource: 'unknown',
      userAgent: '',
    });
    expect(checkOf(r, 'browser-version')?.findings[0]?.code).toBe('browser-version-unknown');
  });
});

describe('hosts the assessment pages contact besides the allowed ones', () => {
  const host = (name: string, blocked = false, fromWorker = false) => ({
    host: name,
    types: ['script'],
    blocked,
    fromWorker,
    firstSeen: '2026-01-01T09:00:01.000Z',
  });

  test('listed for IT, without failing the seat, while not restricted', () => {
    const r = report({
      ...good(),
      resourceHosts: {
        restricted: false,
        hosts: [host('cdn.example.net'), host('fonts.example.com', false, true)],
      },
    });
    const check = checkOf(r, 'resource-hosts');
    expect(check?.status).toBe('pass');
    expect(check?.summary).toBe(
      'The assessment pages reached cdn.example.net, fonts.example.com. Some requests came from a worker of the page. Requests that are not page loads are not restricted (allowedResourceHosts is not set).',
    );
    expect(r.resourceHosts?.hosts).toHaveLength(2);
    expect(stateOf(r)).toBe('ready');
  });

  test('what allowedResourceHosts blocked is named', () => {
    const policy = {
      ...DEFAULT_POLICY_STATE,
      policy: { ...DEFAULT_POLICY_STATE.policy, allowedResourceHosts: ['cdn.example.net'] },
    };
    const r = report(
      {
        ...good(),
        resourceHosts: { restricted: true, hosts: [host('cdn.example.net'), host('evil.test', true)] },
      },
      policy,
    );
    expect(checkOf(r, 'resource-hosts')?.summary).toBe(
      'The assessment pages reached cdn.example.net. Blocked: evil.test. Only the allowed hosts and cdn.example.net can be reached (allowedResourceHosts).',
    );
  });
});

test('the displays the browser sees are in the report, for the agent to compare', () => {
  expect(report({ ...good(), displays: { count: 2 } }).displays).toEqual({ count: 2 });
  expect(report({ ...good(), displays: null }).displays).toEqual({ count: null, error: 'not read yet' });
});

describe('what the browser gives extensions no way to read (Firefox)', () => {
  const firefox = platformFirefox.unprovable;
  /** Firefox lets an extension read password saving only, and count no displays. */
  function firefoxSeat(): StatusSections {
    return {
      ...good(),
      browser: {
        name: 'firefox',
        version: '153.8.0',
        major: 153,
        versionSource: 'browser-info',
        userAgent: 'Mozilla/5.0 Firefox/153.0',
      },
      privacy: { passwordSaving: OFF },
      displays: { count: null, error: 'no display API' },
      unprovable: firefox,
    };
  }

  test('each is a note on its own line naming what keeps it safe, never a silent pass, and not a block', () => {
    const r = report(firefoxSeat());
    for (const id of ['autofill', 'browser-services', 'displays-seen-by-browser']) {
      const line = checkOf(r, id);
      expect(line?.status, id).toBe('fail');
      expect(
        line?.findings.map((f) => [f.code, f.severity]),
        id,
      ).toEqual([['browser-cannot-check', 'info']]);
      expect(line?.summary, id).toMatch(/Firefox gives extensions no way to/);
    }
    expect(checkOf(r, 'autofill')?.summary).toContain('AutofillAddressEnabled');
    expect(checkOf(r, 'displays-seen-by-browser')?.summary).toContain("the agent's own count decides");
    // Password saving, which Firefox does let the extension read, is checked as in Chromium.
    expect(checkOf(r, 'password-saving')?.status).toBe('pass');
    expect(stateOf(r)).toBe('ready');
  });

  test('password saving left on is still a block in Firefox', () => {
    const on: PrivacySettingState = {
      value: true,
      levelOfControl: 'controllable_by_this_extension',
      off: false,
    };
    const r = report({ ...firefoxSeat(), privacy: { passwordSaving: on } });
    expect(checkOf(r, 'password-saving')?.status).toBe('fail');
    expect(stateOf(r)).not.toBe('ready');
  });

  test('Chromium can read them all: no such notes, and no extra line', () => {
    const r = report(good());
    expect(r.checks.flatMap((c) => c.findings).some((f) => f.code === 'browser-cannot-check')).toBe(false);
    expect(checkOf(r, 'displays-seen-by-browser')).toBeUndefined();
    expect(platformChromium.unprovable).toEqual({});
  });
});
