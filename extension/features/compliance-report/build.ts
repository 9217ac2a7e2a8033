/**
 * Builds the compliance report from what each feature found. Pure: the worker calls it, unit
 * tests call it, and the popup reads its `checks` (the plain-English checklist).
 */
import { oldestCheckedMajor } from '../../../shared/catalogs/browser-versions.ts';
import { FINDINGS, type FindingCode } from '../../../shared/catalogs/findings.ts';
import type { CheckResult, Finding } from '../../../shared/schemas/common.ts';
import type {
  ComplianceReport,
  OtherExtension,
  PrivacySettingState,
} from '../../../shared/schemas/report.ts';
import type { GateState, PolicyState } from '../../lib/stored.ts';
import type { Unprovable } from '../../platform/types.ts';

/** The parts of the report that features fill in as they learn them. */
export interface StatusSections {
  /** Null until management.getSelf() answered. */
  extension: ComplianceReport['extension'] | null;
  browser: ComplianceReport['browser'] | null;
  siteBlocking: ComplianceReport['siteBlocking'];
  /** Hosts the assessment pages' other requests reached, and whether they are restricted. */
  resourceHosts: NonNullable<ComplianceReport['resourceHosts']>;
  /** Null until the settings were read back (each one as it is read). */
  privacy: Partial<Privacy> | null;
  /** Null until the browser's displays were read. */
  displays: ComplianceReport['displays'] | null;
  /** Null until the other extensions were listed. */
  extensions: OtherExtension[] | null;
  downloads: ComplianceReport['downloads'];
  agentLinked: boolean;
  /** Whether the identity-check hold rule is in force, as read back from the browser (not reported). */
  holdRule: boolean;
  /** A check that could not run, by check id, with the reason (fails closed: the seat is not ready). */
  errors: Record<string, string>;
  /** Features whose start-up failed, by feature id, with the reason. */
  failedFeatures: Record<string, string>;
  /**
   * What this browser gives extensions no way to read, with what keeps it safe instead: each becomes a
   * note on its line (never a silent pass). Empty in Chromium.
   */
  unprovable: Partial<Record<Unprovable, string>>;
}

type Privacy = Required<ComplianceReport['privacy']>;
export type PrivacySettingKey = keyof Privacy;
/** Every browser setting the extension turns off and reads back, in report order. */
export const PRIVACY_SETTINGS: readonly PrivacySettingKey[] = [
  'passwordSaving',
  'autofillAddress',
  'autofillCreditCard',
  'translationService',
  'spellingService',
  'searchSuggest',
];

export const INITIAL_STATUS: StatusSections = {
  extension: null,
  browser: null,
  siteBlocking: { active: false, allowedHosts: [], ruleCount: 0 },
  resourceHosts: { restricted: false, hosts: [] },
  privacy: null,
  displays: null,
  extensions: null,
  downloads: { blocked: true, blockedCount: 0 },
  agentLinked: false,
  holdRule: false,
  errors: {},
  failedFeatures: {},
  unprovable: {},
};

export interface ReportMeta {
  sequence: number;
  trigger: ComplianceReport['trigger'];
  generatedAt: string;
}

/** The checklist's order and titles: what a candidate or IT reads in the popup. */
export const CHECK_TITLES = {
  'site-blocking': 'Only the assessment site can be opened',
  'password-saving': 'The browser cannot save passwords',
  autofill: 'Autofill is off',
  'browser-services': 'Translation, spelling and search suggestions are off',
  'other-extensions': 'No other extensions are running',
  downloads: 'Downloads are blocked',
  policy: "The centre's policy is in force",
  'managed-install': 'Installed by IT policy',
  'agent-link': 'Connected to the Invigil agent',
  'browser-version': "The browser is a version Invigil's policy was checked against",
  'resource-hosts': 'Other hosts the assessment pages contact',
  extension: "Every one of Invigil's protections started",
} as const;
export type CheckId = keyof typeof CHECK_TITLES;

export function buildReport(
  input: { policy: PolicyState; gate: GateState; status: StatusSections },
  meta: ReportMeta,
): ComplianceReport {
  const { policy, gate, status } = input;
  const unknownExtension = { id: '', version: '', installType: 'other' as const, managed: false };
  const checks: CheckResult[] = [
    siteBlockingCheck(status),
    passwordSavingCheck(status.privacy),
    unprovable(status, 'autofill') ?? autofillCheck(status.privacy),
    unprovable(status, 'browser-services') ?? browserServicesCheck(status.privacy),
    otherExtensionsCheck(status.extensions, policy),
    downloadsCheck(status.downloads),
    policyCheck(policy),
    managedInstallCheck(status.extension),
    agentLinkCheck(status.agentLinked),
    browserVersionCheck(status.browser),
    resourceHostsCheck(status.resourceHosts, policy),
    startedCheck(status.failedFeatures),
    ...(status.unprovable.displays ? [unprovable(status, 'displays') as CheckResult] : []),
  ].map((check) => withError(check, status.errors[check.id]));
  return {
    schemaVersion: 1,
    sequence: meta.sequence,
    generatedAt: meta.generatedAt,
    trigger: meta.trigger,
    heartbeatSeconds: policy.policy.heartbeatSeconds,
    extension: status.extension ?? unknownExtension,
    browser: status.browser ?? {
      name: 'other',
      version: '',
      major: null,
      versionSource: 'unknown',
      userAgent: '',
    },
    policy: {
      source: policy.source,
      valid: policy.errors.length === 0,
      errors: policy.errors,
      effective: policy.policy,
    },
    siteBlocking: status.siteBlocking,
    resourceHosts: status.resourceHosts,
    privacy: Object.fromEntries(PRIVACY_SETTINGS.map((k) => [k, status.privacy?.[k] ?? UNREAD])) as Privacy,
    displays: status.displays ?? { count: null, error: 'not read yet' },
    extensions: status.extensions ?? [],
    downloads: status.downloads,
    gate: gate.state,
    agentLinked: status.agentLinked,
    checks,
  };
}

const UNREAD: PrivacySettingState = { value: null, levelOfControl: null, off: false, note: 'not read yet' };

function finding(code: FindingCode, message: string, extra: Partial<Finding> = {}): Finding {
  const def = FINDINGS[code];
  return { code, severity: def.severity, message, remedy: def.remedy, source: 'extension', ...extra };
}

function check(
  id: CheckId,
  status: CheckResult['status'],
  summary: string,
  findings: Finding[] = [],
): CheckResult {
  return { id, title: CHECK_TITLES[id], status, summary, findings };
}

/** A check whose feature failed to run is an error, whatever it last saw: the seat fails closed. */
function withError(result: CheckResult, error: string | undefined): CheckResult {
  if (error === undefined) return result;
  return {
    ...result,
    status: 'error',
    summary: `This could not be checked: ${error}`,
    findings: [
      finding('extension-check-error', `"${result.title}" could not be checked: ${error}`, {
        subject: result.id,
      }),
    ],
  };
}

/**
 * The agent's line that compares the browser's count of displays with its own (kiosk-agent/checks/
 * extension-report.ts); the extension adds a line of that id only to say the browser cannot count.
 */
const DISPLAYS_LINE = {
  id: 'displays-seen-by-browser',
  title: 'The browser sees the same displays as the agent',
} as const;
const UNPROVABLE_LINES: Record<Unprovable, { id: string; title: string }> = {
  autofill: { id: 'autofill', title: CHECK_TITLES.autofill },
  'browser-services': { id: 'browser-services', title: CHECK_TITLES['browser-services'] },
  displays: DISPLAYS_LINE,
};

/**
 * A line this browser gives the extension no way to check: not a pass, but a note (an `info` finding,
 * so not a block) that says so and names what keeps it safe instead. Null when the browser can check it.
 */
function unprovable(status: StatusSections, what: Unprovable): CheckResult | null {
  const why = status.unprovable[what];
  if (!why) return null;
  const { id, title } = UNPROVABLE_LINES[what];
  return {
    id,
    title,
    status: 'fail',
    summary: why,
    findings: [finding('browser-cannot-check', why, { subject: id })],
  };
}

function listHosts(hosts: readonly string[], shown = 3): string {
  if (hosts.length <= shown) return hosts.join(', ');
  return `${hosts.slice(0, shown).join(', ')} and ${hosts.length - shown} more`;
}

function siteBlockingCheck(status: StatusSections): CheckResult {
  const s = status.siteBlocking;
  if (s.active) {
    return check(
      'site-blocking',
      'pass',
      `Only ${listHosts(s.allowedHosts)} (and subdomains) can be opened; other sites and browser settings show the blocked page.`,
    );
  }
  const why = s.error ?? 'the blocking rules are not installed';
  return check('site-blocking', 'fail', `Site blocking is not in force: ${why}.`, [
    finding('site-blocking-off', `Site blocking is not in force: ${why}.`),
  ]);
}

const SETTING_NAMES: Record<PrivacySettingKey, string> = {
  passwordSaving: 'Password saving',
  autofillAddress: 'Address autofill',
  autofillCreditCard: 'Card autofill',
  translationService: 'Translation',
  spellingService: 'The online spelling service',
  searchSuggest: 'Search suggestions',
};

function whyOn(name: string, state: PrivacySettingState): string {
  if (state.value === null) return `${name} could not be read${state.note ? ` (${state.note})` : ''}.`;
  const who =
    state.levelOfControl === 'controlled_by_other_extensions'
      ? 'another extension controls it'
      : state.levelOfControl === 'not_controllable'
        ? "the browser's policy forces it on"
        : (state.note ?? 'it could not be turned off');
  return `${name} is on, and Invigil cannot turn it off: ${who}.`;
}

function offBy(state: PrivacySettingState): string {
  return state.levelOfControl === 'not_controllable' ? "by the browser's policy" : 'by Invigil';
}

function passwordSavingCheck(privacy: StatusSections['privacy']): CheckResult {
  const state = privacy?.passwordSaving ?? UNREAD;
  if (state.off) return check('password-saving', 'pass', `Password saving is off (${offBy(state)}).`);
  const message = whyOn(SETTING_NAMES.passwordSaving, state);
  return check('password-saving', 'fail', message, [
    finding('password-saving-on', message, { subject: 'passwordSaving' }),
  ]);
}

function autofillCheck(privacy: StatusSections['privacy']): CheckResult {
  const address = privacy?.autofillAddress ?? UNREAD;
  const card = privacy?.autofillCreditCard ?? UNREAD;
  if (address.off && card.off) {
    return check('autofill', 'pass', `Address and card autofill are off (${offBy(address)}).`);
  }
  const findings: Finding[] = [];
  if (!address.off) {
    findings.push(
      finding('autofill-on', whyOn(SETTING_NAMES.autofillAddress, address), { subject: 'autofillAddress' }),
    );
  }
  if (!card.off) {
    findings.push(
      finding('autofill-on', whyOn(SETTING_NAMES.autofillCreditCard, card), {
        subject: 'autofillCreditCard',
      }),
    );
  }
  return check('autofill', 'fail', findings.map((f) => f.message).join(' '), findings);
}

function otherExtensionsCheck(extensions: OtherExtension[] | null, policy: PolicyState): CheckResult {
  if (extensions === null) {
    return check('other-extensions', 'error', 'The other extensions have not been listed yet.', [
      finding('extension-check-error', 'The other extensions have not been listed yet.', {
        subject: 'other-extensions',
      }),
    ]);
  }
  const enabled = extensions.filter((e) => e.enabled);
  const turnedOff = extensions.filter((e) => e.action === 'disabled' && !e.enabled);
  const findings = enabled.map((e) => {
    const why =
      e.action === 'cannot-disable'
        ? 'it was installed by policy, so Invigil cannot turn it off'
        : policy.policy.otherExtensions === 'report'
          ? 'the policy asks Invigil to report other extensions, not to turn them off'
          : 'it is still enabled';
    const details = { extensionId: e.id, installType: e.installType };
    return e.passwordManager !== null
      ? finding(
          'password-manager-extension',
          `The password manager "${e.name}" (${e.passwordManager}) is enabled: ${why}.`,
          { subject: e.name, details },
        )
      : finding('other-extension', `The extension "${e.name}" is enabled: ${why}.`, {
          subject: e.name,
          details,
        });
  });
  const off =
    turnedOff.length === 0
      ? ''
      : ` Invigil turned off ${turnedOff.length === 1 ? 'one extension' : `${turnedOff.length} extensions`}: ${turnedOff
          .map((e) => (e.passwordManager ? `${e.name} (a password manager)` : e.name))
          .join(', ')}.`;
  if (findings.length === 0) {
    return check('other-extensions', 'pass', `No other extension is running.${off}`);
  }
  return check(
    'other-extensions',
    'fail',
    `${enabled.length === 1 ? 'One other extension is' : `${enabled.length} other extensions are`} running.${off}`,
    findings,
  );
}

function downloadsCheck(downloads: StatusSections['downloads']): CheckResult {
  const count =
    downloads.blockedCount === 0
      ? ''
      : ` ${downloads.blockedCount === 1 ? 'One download was' : `${downloads.blockedCount} downloads were`} stopped.`;
  if (downloads.blocked) return check('downloads', 'pass', `Files cannot be downloaded.${count}`);
  return check('downloads', 'pass', "Downloads are allowed by the centre's policy.", [
    finding('downloads-allowed', "Downloads are allowed by the centre's policy (allowDownloads is true)."),
  ]);
}

function policyCheck(policy: PolicyState): CheckResult {
  if (policy.errors.length === 0) {
    return check(
      'policy',
      'pass',
      policy.source === 'managed'
        ? "The centre's policy is valid and in force."
        : "No centre policy is set: the built-in default (the awarding body's sites only) is in force.",
    );
  }
  const findings = policy.errors.map((e) =>
    // The reasons are written to follow the field name ("allowedHosts" entry 1 "*" would allow every site).
    finding(
      'policy-invalid',
      `Policy setting "${e.field}" ${e.reason.replace(/\.$/, '')}. Rejected: the last good value is still enforced.`,
      {
        subject: e.field,
      },
    ),
  );
  return check(
    'policy',
    'fail',
    `${policy.errors.length === 1 ? 'One setting was' : `${policy.errors.length} settings were`} rejected; the last good value of each is still enforced.`,
    findings,
  );
}

const INSTALL_TYPES: Record<string, string> = {
  development: 'loaded unpacked (development)',
  normal: 'installed by hand from a store',
  sideload: 'installed by another program',
  other: 'installed in an unknown way',
};

function managedInstallCheck(extension: StatusSections['extension']): CheckResult {
  if (extension?.managed) return check('managed-install', 'pass', 'Force-installed by IT policy.');
  if (extension === null) {
    const message = 'How the extension was installed is not known yet.';
    return check('managed-install', 'fail', message, [finding('extension-not-managed', message)]);
  }
  const how = INSTALL_TYPES[extension.installType] ?? extension.installType;
  const message = `The extension was ${how}, not force-installed by IT policy, so it could be removed.`;
  return check('managed-install', 'fail', message, [finding('extension-not-managed', message)]);
}

const SERVICES: readonly PrivacySettingKey[] = ['translationService', 'spellingService', 'searchSuggest'];

/** Services that send what is on the page (or typed in it) to the browser maker: translation rewrites a question. */
function browserServicesCheck(privacy: StatusSections['privacy']): CheckResult {
  const states = SERVICES.map((key) => [key, privacy?.[key] ?? UNREAD] as const);
  const on = states.filter(([, state]) => !state.off);
  if (on.length === 0) {
    const first = states[0]?.[1] ?? UNREAD;
    return check(
      'browser-services',
      'pass',
      `Translation, the online spelling service and search suggestions are off (${offBy(first)}).`,
    );
  }
  const findings = on.map(([key, state]) =>
    finding('browser-service-on', whyOn(SETTING_NAMES[key], state), { subject: key }),
  );
  return check('browser-services', 'fail', findings.map((f) => f.message).join(' '), findings);
}

const BROWSER_NAMES = {
  chrome: 'Chrome',
  chromium: 'Chromium',
  edge: 'Edge',
  firefox: 'Firefox',
  other: 'This browser',
};

function browserVersionCheck(browser: StatusSections['browser']): CheckResult {
  const oldest = browser ? oldestCheckedMajor(browser.name) : null;
  const name = BROWSER_NAMES[browser?.name ?? 'other'];
  const major = browser?.major ?? null;
  if (browser === null || major === null || oldest === null) {
    const message =
      browser === null
        ? "The browser's version has not been read yet."
        : oldest === null
          ? `${name} is not a browser Invigil's policy was written for, so whether it applies is unknown.`
          : `${name}'s version could not be read, so whether Invigil's policy applies to it is unknown.`;
    return check('browser-version', 'fail', message, [finding('browser-version-unknown', message)]);
  }
  if (major < oldest) {
    const message = `${name} ${browser.version} is older than ${oldest}, the oldest version Invigil's policy was checked against: some of the lockdown's policies may not exist in it.`;
    return check('browser-version', 'fail', message, [
      finding('browser-too-old', message, { subject: `${name} ${major}`, details: { major, oldest } }),
    ]);
  }
  return check(
    'browser-version',
    'pass',
    `${name} ${browser.version} (Invigil's policy was checked against ${oldest} and later).`,
  );
}

function resourceHostsCheck(resources: StatusSections['resourceHosts'], policy: PolicyState): CheckResult {
  const hosts = resources.hosts;
  const mode = resources.restricted
    ? `Only the allowed hosts${(policy.policy.allowedResourceHosts ?? []).length > 0 ? ` and ${listHosts(policy.policy.allowedResourceHosts ?? [])}` : ''} can be reached (allowedResourceHosts).`
    : 'Requests that are not page loads are not restricted (allowedResourceHosts is not set).';
  if (hosts.length === 0)
    return check('resource-hosts', 'pass', `The assessment pages have contacted no other host. ${mode}`);
  const blocked = hosts.filter((h) => h.blocked).map((h) => h.host);
  const reached = hosts.filter((h) => !h.blocked).map((h) => h.host);
  const parts = [
    // IT reads this list to decide on allowedResourceHosts: name them (a bounded number; the report has all).
    reached.length > 0 ? `The assessment pages reached ${listHosts(reached, 20)}.` : '',
    blocked.length > 0 ? `Blocked: ${listHosts(blocked, 20)}.` : '',
    hosts.some((h) => h.fromWorker) ? 'Some requests came from a worker of the page.' : '',
    mode,
  ];
  return check('resource-hosts', 'pass', parts.filter(Boolean).join(' '));
}

function startedCheck(failed: Record<string, string>): CheckResult {
  const entries = Object.entries(failed);
  if (entries.length === 0) return check('extension', 'pass', 'Every protection is running.');
  const findings = entries.map(([feature, error]) =>
    finding('extension-check-error', `The "${feature}" protection did not start: ${error}`, {
      subject: feature,
    }),
  );
  return check('extension', 'error', findings.map((f) => f.message).join(' '), findings);
}

function agentLinkCheck(linked: boolean): CheckResult {
  if (linked) return check('agent-link', 'pass', 'Reports and events reach the Invigil agent on this PC.');
  const message = 'Not connected to the Invigil agent on this PC; events are kept until it connects.';
  return check('agent-link', 'fail', message, [finding('agent-link-down', message)]);
}
