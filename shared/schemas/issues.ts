/**
 * Zod issues turned into sentences that name the field: `intervals.processesMs must be at least 100`,
 * `report.heartbeatSeconds must be a whole number (got the text "5")`. Used for the config file and
 * for every message the native host and the agent's socket refuse, and for the deployment commands.
 */
import type { z } from 'zod';

/** Every issue, one sentence each. `root` names the value itself (a flag, say) when an issue has no path. */
export function describeIssues(error: z.ZodError, raw: unknown, root = '(top level)'): string[] {
  return error.issues.map((issue) => describeIssue(issue, raw, root));
}

function fieldName(path: readonly PropertyKey[], root: string): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || root;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const p of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

export function describe(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `the text ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

const TYPE_WORDS: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'text',
  boolean: 'true or false',
  object: 'an object of settings',
  array: 'a list',
};

function describeIssue(issue: z.core.$ZodIssue, raw: unknown, root: string): string {
  const field = fieldName(issue.path, root);
  const unit = (origin: string, n: number | bigint) =>
    origin === 'string' ? `${n} characters` : origin === 'array' ? `${n} entries` : String(n);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const where = issue.path.length > 0 ? ` in ${field}` : '';
      return issue.keys
        .map((k) => `"${k}"${where} is not a setting Invigil knows (check the spelling)`)
        .join('; ');
    }
    case 'invalid_type': {
      const got = valueAt(raw, issue.path);
      if (got === undefined) return `${field} is required`;
      return `${field} must be ${TYPE_WORDS[issue.expected] ?? issue.expected} (got ${describe(got)})`;
    }
    case 'too_small':
      return `${field} must be at least ${unit(issue.origin, issue.minimum as number)}${issue.inclusive ? '' : ' (exclusive)'}`;
    case 'too_big':
      return `${field} must be at most ${unit(issue.origin, issue.maximum as number)}`;
    case 'invalid_value':
      // The allowed values are ours (schema literals), so serialising them is safe.
      return `${field} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')} (got ${describe(valueAt(raw, issue.path))})`;
    case 'invalid_key':
      return `${field} is not a valid name here: ${issue.issues[0]?.message ?? issue.message}`;
    case 'invalid_format': {
      if (issue.message.startsWith('must')) return `${field} ${issue.message}`;
      const pattern = (issue as { pattern?: string }).pattern;
      return issue.format === 'regex' && pattern
        ? `${field} must match ${pattern}`
        : `${field} must be a valid ${issue.format}`;
    }
    case 'invalid_union': {
      const got = valueAt(raw, issue.path);
      if ((issue as { discriminator?: string }).discriminator !== undefined) {
        // Never JSON.stringify what a sender chose: a deep value overflows the stack, a long one floods the log.
        return got === undefined
          ? `${field} is required`
          : typeof got === 'string'
            ? `${field} ${JSON.stringify(got.length > 64 ? `${got.slice(0, 64)}...` : got)} is not one this side knows`
            : `${field} must be text naming a known kind (got ${describe(got)})`;
      }
      return `${field} does not match any accepted form (got ${describe(got)})`;
    }
    default: {
      // A list entry's own message already says "entry N"; the numeric path part would repeat it.
      const last = issue.path[issue.path.length - 1];
      if (typeof last === 'number' && issue.message.startsWith('entry ')) {
        return `${fieldName(issue.path.slice(0, -1), root)}: ${issue.message}`;
      }
      return `${field}: ${issue.message}`;
    }
  }
}
