import { z } from 'zod';
import { hostAllowed, normalizeHostEntry, urlHost } from '../rules/hosts.ts';

/**
 * The extension's enterprise policy: what IT sets under
 * `3rdparty.extensions.<id>` (Chrome/Chromium/Edge) or `3rdparty.Extensions.<id>` (Firefox).
 *
 * Every field is optional in what IT writes; `POLICY_DEFAULTS` fills the gaps. A field whose value
 * is malformed or dangerous is rejected on its own: the previous good value of that field (or its
 * default) stays in force, and the error names the field and the reason. Nothing here can fail open.
 */

/** The awarding body's hosts: where candidates sit IMI online assessments (seeds/000, seeds/001). */
export const DEFAULT_ALLOWED_HOSTS = ['theimi.org.uk'] as const;
export const DEFAULT_ASSESSMENT_URL = 'https://www.theimi.org.uk/awarding';

const MAX_HOSTS = 200;

export const AllowedHostsSchema = z
  .array(z.unknown(), { error: 'must be a list of host names' })
  .max(MAX_HOSTS, `has more than ${MAX_HOSTS} entries`)
  .transform((entries, ctx) => {
    if (entries.length === 0) {
      ctx.addIssue({
        code: 'custom',
        message: 'is empty; an empty allowlist would leave no assessment site (list at least one host)',
      });
      return z.NEVER;
    }
    const hosts: string[] = [];
    entries.forEach((entry, i) => {
      const r = normalizeHostEntry(entry);
      if (r.ok) {
        if (!hosts.includes(r.host)) hosts.push(r.host);
      } else ctx.addIssue({ code: 'custom', message: `entry ${i + 1} ${r.reason}`, path: [i] });
    });
    return hosts;
  });

export const PolicyFieldSchemas = {
  /** Host names the candidate may reach; each allows its subdomains too. Replaces the default when set. */
  allowedHosts: AllowedHostsSchema,
  /** Where "back to the assessment" leads. Must be on an allowed host. Defaults to the first allowed host. */
  assessmentUrl: z
    .string({ error: 'must be a web address (a string)' })
    .max(2000, 'is too long')
    .refine(
      (s) => /^https?:\/\//i.test(s) && urlHost(s) !== null,
      'must be an http:// or https:// web address',
    ),
  /** Let the candidate download files. Off by default: no part of an assessment may be saved. */
  allowDownloads: z.boolean({ error: 'must be true or false' }),
  /**
   * What to do with other extensions: `disable` every other extension the browser lets us disable
   * (the default), `disable-password-managers` only, or `report` them without disabling.
   */
  otherExtensions: z.enum(['disable', 'disable-password-managers', 'report'], {
    error: 'must be "disable", "disable-password-managers" or "report"',
  }),
  /** Seconds between compliance-report heartbeats (1 to 60). */
  heartbeatSeconds: z
    .number({ error: 'must be a whole number of seconds' })
    .int('must be a whole number of seconds')
    .min(1, 'must be at least 1 second')
    .max(60, 'must be at most 60 seconds'),
  /**
   * Hold the seat on the holding page until the invigilator confirms the candidate's identity and
   * releases it from the console. Set by `invigil policy` when the seat reports to a console.
   */
  requireRelease: z.boolean({ error: 'must be true or false' }),
} as const;

export type PolicyField = keyof typeof PolicyFieldSchemas;
export const POLICY_FIELDS = Object.keys(PolicyFieldSchemas) as PolicyField[];

export const ExtensionPolicySchema = z.object({
  allowedHosts: z.array(z.string()).min(1),
  assessmentUrl: z.string(),
  allowDownloads: z.boolean(),
  otherExtensions: PolicyFieldSchemas.otherExtensions,
  heartbeatSeconds: z.number().int().min(1).max(60),
  requireRelease: z.boolean(),
});
/** The policy in force: every field present and valid. */
export type ExtensionPolicy = z.infer<typeof ExtensionPolicySchema>;

export const POLICY_DEFAULTS: ExtensionPolicy = {
  allowedHosts: [...DEFAULT_ALLOWED_HOSTS],
  assessmentUrl: DEFAULT_ASSESSMENT_URL,
  allowDownloads: false,
  otherExtensions: 'disable',
  heartbeatSeconds: 5,
  requireRelease: false,
};

export const PolicyErrorSchema = z.object({
  field: z.string().max(200),
  reason: z.string().max(2000),
});
export type PolicyError = z.infer<typeof PolicyErrorSchema>;

export const PolicySourceSchema = z.enum(['default', 'managed']);

export interface PolicyParseResult {
  /** The policy to enforce now. */
  policy: ExtensionPolicy;
  /** Every rejected field, with the reason. Empty when the managed policy was fully valid. */
  errors: PolicyError[];
  /** `managed` when at least one field came from enterprise policy. */
  source: z.infer<typeof PolicySourceSchema>;
}

/**
 * Reads what enterprise policy delivered (`chrome.storage.managed.get()`), field by field.
 * A rejected field keeps its value from `lastGood` (the policy in force before), or the default.
 * Fields IT did not set take their defaults, so removing a field from policy restores the default.
 */
export function parsePolicy(raw: unknown, lastGood: ExtensionPolicy = POLICY_DEFAULTS): PolicyParseResult {
  const errors: PolicyError[] = [];
  const policy: ExtensionPolicy = { ...POLICY_DEFAULTS, allowedHosts: [...POLICY_DEFAULTS.allowedHosts] };
  if (raw === undefined || raw === null) return { policy, errors, source: 'default' };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      policy: structuredCloneSafe(lastGood),
      errors: [{ field: '(policy)', reason: 'must be an object of settings' }],
      source: 'default',
    };
  }
  const input = raw as Record<string, unknown>;
  let managedFields = 0;
  for (const key of Object.keys(input)) {
    if (!(key in PolicyFieldSchemas)) {
      errors.push({ field: key, reason: 'is not a setting Invigil knows; check the spelling' });
    }
  }
  const set = policy as Record<PolicyField, unknown>;
  for (const field of POLICY_FIELDS) {
    if (!(field in input) || input[field] === undefined) continue;
    const result = PolicyFieldSchemas[field].safeParse(input[field]);
    if (result.success) {
      set[field] = result.data;
      managedFields++;
    } else {
      errors.push({ field, reason: firstIssue(result.error) });
      set[field] = structuredCloneSafe(lastGood[field]);
    }
  }
  // The way back must lead somewhere the candidate may go.
  if (!('assessmentUrl' in input) || errors.some((e) => e.field === 'assessmentUrl')) {
    const host = urlHost(policy.assessmentUrl);
    if (host === null || !hostAllowed(host, policy.allowedHosts)) {
      policy.assessmentUrl = `https://${policy.allowedHosts[0] ?? DEFAULT_ALLOWED_HOSTS[0]}/`;
    }
  } else {
    const host = urlHost(policy.assessmentUrl);
    if (host === null || !hostAllowed(host, policy.allowedHosts)) {
      errors.push({ field: 'assessmentUrl', reason: 'is not on one of the allowed hosts' });
      const previous = urlHost(lastGood.assessmentUrl);
      policy.assessmentUrl =
        previous !== null && hostAllowed(previous, policy.allowedHosts)
          ? lastGood.assessmentUrl
          : `https://${policy.allowedHosts[0] ?? DEFAULT_ALLOWED_HOSTS[0]}/`;
    }
  }
  return { policy, errors, source: managedFields > 0 ? 'managed' : 'default' };
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'is not valid';
  // Our messages are written to follow the field name ("allowedHosts entry 2 is empty").
  return issue.message;
}

function structuredCloneSafe<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/**
 * The `managed_schema` Chrome needs in the manifest, generated from the field schemas above.
 * Deliberately loose (JSON types only): Chrome silently drops a value that fails this schema,
 * so content rules (host names, `*`, ranges, enums) are checked by `parsePolicy`, which can say why.
 */
export function chromeManagedSchema(): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const field of POLICY_FIELDS) {
    const json = z.toJSONSchema(PolicyFieldSchemas[field], { io: 'input', unrepresentable: 'any' }) as Record<
      string,
      unknown
    >;
    properties[field] = chromeSubset(json);
  }
  return { type: 'object', properties };
}

function chromeSubset(json: Record<string, unknown>): Record<string, unknown> {
  let type = json.type;
  if (type === undefined && Array.isArray(json.enum)) type = 'string';
  const out: Record<string, unknown> = { type };
  if (type === 'array') {
    const items = json.items as Record<string, unknown> | undefined;
    // An unconstrained item still needs a type for Chrome; ours are host names.
    out.items = items && typeof items.type === 'string' ? chromeSubset(items) : { type: 'string' };
  }
  return out;
}
