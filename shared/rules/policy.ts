/**
 * The extension's enterprise policy as rules: what IT sets under `3rdparty.extensions.<id>`
 * (Chrome/Chromium/Edge) or `3rdparty.Extensions.<id>` (Firefox), each field's check, the defaults,
 * and `parsePolicy`, which turns what the browser delivered into the policy in force.
 *
 * Plain functions, no schema library: the extension bundles this file and must stay small (issue 10,
 * part E), while `shared/schemas/policy.ts` builds the zod schemas (for config files and the JSON
 * types of the managed schema) from these same checks, so a rule is written once.
 *
 * Every field is optional in what IT writes; `POLICY_DEFAULTS` fills the gaps. A field whose value
 * is malformed or dangerous is rejected on its own: the previous good value of that field (or its
 * default) stays in force, and the error names the field and the reason. Nothing here can fail open.
 */
import { hostAllowed, normalizeHostEntry, urlHost } from './hosts.ts';

/** The awarding body's hosts: where candidates sit IMI online assessments (seeds/000, seeds/001). */
export const DEFAULT_ALLOWED_HOSTS = ['theimi.org.uk'] as const;
export const DEFAULT_ASSESSMENT_URL = 'https://www.theimi.org.uk/awarding';

export const MAX_HOSTS = 200;
export const OTHER_EXTENSIONS_MODES = ['disable', 'disable-password-managers', 'report'] as const;

export interface PolicyError {
  field: string;
  reason: string;
}

/** One problem with a field's value: the reason reads after the field's name. */
export interface FieldIssue {
  message: string;
  /** Where inside the value (an entry's index), for config files that point at it. */
  path?: (string | number)[];
}

export type FieldCheck<T> = (raw: unknown) => { ok: true; value: T } | { ok: false; issues: FieldIssue[] };

/** The JSON type Chrome's managed schema declares for a field (it drops a value of another type). */
export type ManagedJsonType =
  | { type: 'string' | 'boolean' | 'integer' }
  | { type: 'array'; items: { type: 'string' } };

export interface PolicyFieldRule<T> {
  check: FieldCheck<T>;
  json: ManagedJsonType;
}

const fail = (message: string, path?: (string | number)[]): { ok: false; issues: FieldIssue[] } => ({
  ok: false,
  issues: [path ? { message, path } : { message }],
});

/** A list of host names, each normalised (see shared/rules/hosts.ts), duplicates dropped. */
function hostList(options: { allowEmpty: boolean }): FieldCheck<string[]> {
  return (raw) => {
    if (!Array.isArray(raw)) return fail('must be a list of host names');
    if (raw.length > MAX_HOSTS) return fail(`has more than ${MAX_HOSTS} entries`);
    if (raw.length === 0 && !options.allowEmpty) {
      return fail('is empty; an empty allowlist would leave no assessment site (list at least one host)');
    }
    const hosts: string[] = [];
    const issues: FieldIssue[] = [];
    raw.forEach((entry, i) => {
      const r = normalizeHostEntry(entry);
      if (r.ok) {
        if (!hosts.includes(r.host)) hosts.push(r.host);
      } else issues.push({ message: `entry ${i + 1} ${r.reason}`, path: [i] });
    });
    return issues.length > 0 ? { ok: false, issues } : { ok: true, value: hosts };
  };
}

const boolean: FieldCheck<boolean> = (raw) =>
  typeof raw === 'boolean' ? { ok: true, value: raw } : fail('must be true or false');

export const POLICY_FIELD_RULES = {
  /** Host names the candidate may reach; each allows its subdomains too. Replaces the default when set. */
  allowedHosts: {
    check: hostList({ allowEmpty: false }),
    json: { type: 'array', items: { type: 'string' } },
  },
  /** Where "back to the assessment" leads. Must be on an allowed host. Defaults to the first allowed host. */
  assessmentUrl: {
    check: (raw) => {
      if (typeof raw !== 'string') return fail('must be a web address (a string)');
      if (raw.length > 2000) return fail('is too long');
      if (!/^https?:\/\//i.test(raw) || urlHost(raw) === null)
        return fail('must be an http:// or https:// web address');
      return { ok: true, value: raw };
    },
    json: { type: 'string' },
  },
  /** Let the candidate download files. Off by default: no part of an assessment may be saved. */
  allowDownloads: { check: boolean, json: { type: 'boolean' } },
  /**
   * What to do with other extensions: `disable` every other extension the browser lets us disable
   * (the default), `disable-password-managers` only, or `report` them without disabling.
   */
  otherExtensions: {
    check: (raw) =>
      typeof raw === 'string' && (OTHER_EXTENSIONS_MODES as readonly string[]).includes(raw)
        ? { ok: true, value: raw as (typeof OTHER_EXTENSIONS_MODES)[number] }
        : fail('must be "disable", "disable-password-managers" or "report"'),
    json: { type: 'string' },
  },
  /** Seconds between compliance-report heartbeats (1 to 60). */
  heartbeatSeconds: {
    check: (raw) => {
      if (typeof raw !== 'number' || !Number.isInteger(raw)) return fail('must be a whole number of seconds');
      if (raw < 1) return fail('must be at least 1 second');
      if (raw > 60) return fail('must be at most 60 seconds');
      return { ok: true, value: raw };
    },
    json: { type: 'integer' },
  },
  /**
   * Hold the seat on the holding page until the invigilator confirms the candidate's identity and
   * releases it from the console. Set by `invigil policy` when the seat reports to a console.
   */
  requireRelease: { check: boolean, json: { type: 'boolean' } },
  /**
   * Off unless set. When set, the assessment pages' own requests that are not page or frame loads
   * (scripts, images, fetch, WebSocket, a service worker's fetches...) may reach only `allowedHosts`
   * and these hosts (each with its subdomains); everything else is blocked. An empty list allows
   * `allowedHosts` only. See docs/deploy.md, "Requests that are not page loads".
   */
  allowedResourceHosts: {
    check: hostList({ allowEmpty: true }),
    json: { type: 'array', items: { type: 'string' } },
  },
  /**
   * Off unless set. The assessment's end page, as an address prefix: a main-frame page load whose
   * address (without its `#fragment`) starts with it is the candidate finishing, and the seat tells
   * the console (`event/assessment-finished`), which sets the entry's finish. Must be on an allowed
   * host. See docs/deploy.md, "The assessment's end page".
   */
  endPageUrl: {
    check: (raw) => {
      if (typeof raw !== 'string') return fail('must be a web address (a string)');
      if (raw.length > 2000) return fail('is too long');
      if (!/^https?:\/\//i.test(raw) || urlHost(raw) === null)
        return fail('must be an http:// or https:// web address');
      return { ok: true, value: raw };
    },
    json: { type: 'string' },
  },
} as const satisfies Record<string, PolicyFieldRule<unknown>>;

export type PolicyField = keyof typeof POLICY_FIELD_RULES;
export const POLICY_FIELDS = Object.keys(POLICY_FIELD_RULES) as PolicyField[];

/** The value a field's check accepts (the type is inferred from the check, never written twice). */
export type PolicyFieldValue<F extends PolicyField> = Extract<
  ReturnType<(typeof POLICY_FIELD_RULES)[F]['check']>,
  { ok: true }
>['value'];
/** Fields that are off unless IT sets them: absent from the policy in force until then. */
type OptionalField = 'allowedResourceHosts' | 'endPageUrl';
/** The policy in force: every field present and valid (an optional field absent means off). */
export type ExtensionPolicy = { [F in Exclude<PolicyField, OptionalField>]: PolicyFieldValue<F> } & {
  [F in OptionalField]?: PolicyFieldValue<F>;
};

export const POLICY_DEFAULTS: ExtensionPolicy = {
  allowedHosts: [...DEFAULT_ALLOWED_HOSTS],
  assessmentUrl: DEFAULT_ASSESSMENT_URL,
  allowDownloads: false,
  otherExtensions: 'disable',
  heartbeatSeconds: 5,
  requireRelease: false,
};

export type PolicySource = 'default' | 'managed';

export interface PolicyParseResult {
  /** The policy to enforce now. */
  policy: ExtensionPolicy;
  /** Every rejected field, with the reason. Empty when the managed policy was fully valid. */
  errors: PolicyError[];
  /** `managed` when at least one field came from enterprise policy. */
  source: PolicySource;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/**
 * Reads what enterprise policy delivered (`chrome.storage.managed.get()`), field by field.
 * A rejected field keeps its value from `lastGood` (the policy in force before), or the default.
 * Fields IT did not set take their defaults, so removing a field from policy restores the default.
 */
export function parsePolicy(raw: unknown, lastGood: ExtensionPolicy = POLICY_DEFAULTS): PolicyParseResult {
  const errors: PolicyError[] = [];
  const policy: ExtensionPolicy = clone(POLICY_DEFAULTS);
  if (raw === undefined || raw === null) return { policy, errors, source: 'default' };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      policy: clone(lastGood),
      errors: [{ field: '(policy)', reason: 'must be an object of settings' }],
      source: 'default',
    };
  }
  const input = raw as Record<string, unknown>;
  let managedFields = 0;
  for (const key of Object.keys(input)) {
    if (!(key in POLICY_FIELD_RULES)) {
      errors.push({ field: key, reason: 'is not a setting Invigil knows; check the spelling' });
    }
  }
  const set = policy as unknown as Record<PolicyField, unknown>;
  for (const field of POLICY_FIELDS) {
    if (!(field in input) || input[field] === undefined) continue;
    const result = (POLICY_FIELD_RULES[field].check as FieldCheck<unknown>)(input[field]);
    if (result.ok) {
      set[field] = result.value;
      managedFields++;
    } else {
      // Our reasons are written to follow the field name ("allowedHosts" entry 2 "is empty").
      errors.push({ field, reason: result.issues[0]?.message ?? 'is not valid' });
      const previous = (lastGood as unknown as Record<PolicyField, unknown>)[field];
      if (previous === undefined) delete set[field];
      else set[field] = clone(previous);
    }
  }
  // The way back must lead somewhere the candidate may go.
  const fallback = () => `https://${policy.allowedHosts[0] ?? DEFAULT_ALLOWED_HOSTS[0]}/`;
  const onAllowedHost = (url: string) => {
    const host = urlHost(url);
    return host !== null && hostAllowed(host, policy.allowedHosts);
  };
  if (!('assessmentUrl' in input) || errors.some((e) => e.field === 'assessmentUrl')) {
    if (!onAllowedHost(policy.assessmentUrl)) policy.assessmentUrl = fallback();
  } else if (!onAllowedHost(policy.assessmentUrl)) {
    errors.push({ field: 'assessmentUrl', reason: 'is not on one of the allowed hosts' });
    policy.assessmentUrl = onAllowedHost(lastGood.assessmentUrl) ? lastGood.assessmentUrl : fallback();
  }
  // An end page the candidate can never reach would never finish anyone: refuse it by name.
  if (policy.endPageUrl !== undefined && !onAllowedHost(policy.endPageUrl)) {
    if (!errors.some((e) => e.field === 'endPageUrl'))
      errors.push({ field: 'endPageUrl', reason: 'is not on one of the allowed hosts' });
    if (lastGood.endPageUrl !== undefined && onAllowedHost(lastGood.endPageUrl))
      policy.endPageUrl = lastGood.endPageUrl;
    else delete policy.endPageUrl;
  }
  return { policy, errors, source: managedFields > 0 ? 'managed' : 'default' };
}

/**
 * The `managed_schema` Chrome needs in the manifest. Deliberately loose (JSON types only): Chrome
 * silently drops a value that fails this schema, so content rules (host names, `*`, ranges, enums)
 * are checked by `parsePolicy`, which can say why.
 */
/**
 * Whether a main-frame page load is the assessment's end page: its address, without the fragment,
 * starts with `endPageUrl` (both parsed first, so case in the host and default ports do not matter).
 */
export function isEndPage(url: string, endPageUrl: string | undefined): boolean {
  if (!endPageUrl) return false;
  const withoutHash = (u: string): string | null => {
    try {
      const parsed = new URL(u);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
      return parsed.href.split('#')[0] ?? null;
    } catch {
      return null;
    }
  };
  // Both are normalised hrefs, whose host is followed by "/": a prefix can never cross to another host.
  const page = withoutHash(url);
  const end = withoutHash(endPageUrl);
  return page !== null && end !== null && page.startsWith(end);
}

export function chromeManagedSchema(): { type: 'object'; properties: Record<PolicyField, ManagedJsonType> } {
  const properties = {} as Record<PolicyField, ManagedJsonType>;
  for (const field of POLICY_FIELDS) properties[field] = clone(POLICY_FIELD_RULES[field].json);
  return { type: 'object', properties };
}
