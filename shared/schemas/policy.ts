import { z } from 'zod';
import {
  type ExtensionPolicy,
  type FieldCheck,
  OTHER_EXTENSIONS_MODES,
  POLICY_FIELD_RULES,
  type POLICY_FIELDS,
  type PolicyError,
  type PolicyField,
  type PolicyFieldValue,
  type PolicySource,
} from '../rules/policy.ts';

/**
 * The extension's enterprise policy as zod schemas, for everything that validates it as part of a
 * bigger document (the seat config's `policy.extension`, the compliance report's `policy.effective`).
 * The rules themselves (each field's check, the defaults, `parsePolicy`, the managed schema) live in
 * `shared/rules/policy.ts`, which the extension bundles without a schema library; these schemas are
 * built from those checks, so a rule is written once. Re-exported here for existing importers.
 */
export {
  chromeManagedSchema,
  DEFAULT_ALLOWED_HOSTS,
  DEFAULT_ASSESSMENT_URL,
  type ExtensionPolicy,
  POLICY_DEFAULTS,
  POLICY_FIELDS,
  type PolicyError,
  type PolicyField,
  type PolicyParseResult,
  parsePolicy,
} from '../rules/policy.ts';

/** A zod schema that runs a field's own check (its issues keep their messages and paths). */
function fromRule<F extends PolicyField>(field: F): z.ZodType<PolicyFieldValue<F>, unknown> {
  const check = POLICY_FIELD_RULES[field].check as FieldCheck<PolicyFieldValue<F>>;
  return z.unknown().transform((raw, ctx) => {
    const r = check(raw);
    if (r.ok) return r.value;
    for (const issue of r.issues)
      ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path ?? [] });
    return z.NEVER;
  });
}

export const PolicyFieldSchemas = {
  allowedHosts: fromRule('allowedHosts'),
  assessmentUrl: fromRule('assessmentUrl'),
  allowDownloads: fromRule('allowDownloads'),
  otherExtensions: fromRule('otherExtensions'),
  heartbeatSeconds: fromRule('heartbeatSeconds'),
  requireRelease: fromRule('requireRelease'),
  allowedResourceHosts: fromRule('allowedResourceHosts'),
  endPageUrl: fromRule('endPageUrl'),
} as const satisfies Record<PolicyField, z.ZodType>;

/** The policy in force, as it appears in the compliance report. */
export const ExtensionPolicySchema = z.object({
  allowedHosts: z.array(z.string().max(253)).min(1).max(200),
  assessmentUrl: z.string().max(2000),
  allowDownloads: z.boolean(),
  otherExtensions: z.enum(OTHER_EXTENSIONS_MODES),
  heartbeatSeconds: z.number().int().min(1).max(60),
  requireRelease: z.boolean(),
  allowedResourceHosts: z.array(z.string().max(253)).max(200).optional(),
  endPageUrl: z.string().max(2000).optional(),
});

export const PolicyErrorSchema = z.object({
  field: z.string().max(200),
  reason: z.string().max(2000),
});

export const PolicySourceSchema = z.enum(['default', 'managed']);

// The rules' types and these schemas must describe the same values (checked when tsc runs).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameShapes: [
  Same<z.infer<typeof ExtensionPolicySchema>, ExtensionPolicy>,
  Same<z.infer<typeof PolicyErrorSchema>, PolicyError>,
  Same<z.infer<typeof PolicySourceSchema>, PolicySource>,
  Same<keyof typeof PolicyFieldSchemas, (typeof POLICY_FIELDS)[number]>,
] = [true, true, true, true];
void sameShapes;
