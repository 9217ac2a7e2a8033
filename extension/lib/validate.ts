/**
 * Checks a value against one of the extension's schemas (JSON Schema generated from the zod schemas
 * in schemas.ts at build time; validated by @cfworker/json-schema, which runs without eval, as an
 * extension's content security policy requires). What fails is never used: callers drop it, say why,
 * and carry on.
 */
import { type OutputUnit, Validator } from '@cfworker/json-schema';
import { JSON_SCHEMAS } from './json-schemas.ts';
import type { Validated, ValidatedName } from './schemas.ts';

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

const validators = new Map<ValidatedName, Validator>();

export function check<N extends ValidatedName>(name: N, value: unknown): Checked<Validated<N>> {
  let validator = validators.get(name);
  if (!validator) {
    validator = new Validator(JSON_SCHEMAS[name] as never, '2020-12', false);
    validators.set(name, validator);
  }
  let checked = value;
  let result: ReturnType<Validator['validate']>;
  try {
    result = validator.validate(checked);
  } catch {
    // JSON Schema knows only JSON: a value of ours with `undefined` (or a function) in it is checked
    // as it would arrive at the other end, serialised; what crosses a boundary to us is JSON already.
    try {
      checked = JSON.parse(JSON.stringify(value) ?? 'null');
      result = validator.validate(checked);
    } catch (e) {
      return {
        ok: false,
        error: `not plain data (${e instanceof Error ? e.message : String(e)})`.slice(0, 300),
      };
    }
  }
  if (result.valid) return { ok: true, value: checked as Validated<N> };
  return { ok: false, error: describe(JSON_SCHEMAS[name], checked, result.errors) };
}

/**
 * One line naming the problem. For a message that is one of several kinds (a `oneOf` on `type`, as
 * zod writes a discriminated union), only the errors of the kind it claims to be, so the line says
 * "state: must be one of held, released" rather than why it is not each other kind.
 */
function describe(schema: Record<string, unknown>, value: unknown, errors: OutputUnit[]): string {
  let relevant = errors;
  const branches = schema.oneOf as { properties?: { type?: { const?: unknown } } }[] | undefined;
  if (Array.isArray(branches) && typeof value === 'object' && value !== null) {
    const type = (value as { type?: unknown }).type;
    const index = branches.findIndex((b) => b.properties?.type?.const === type);
    if (index < 0) {
      const known = branches.map((b) => b.properties?.type?.const).filter((t) => typeof t === 'string');
      return `"type" ${typeof type === 'string' ? `"${type.slice(0, 64)}"` : 'missing'} is not one of ${known.join(', ')}`;
    }
    relevant = errors.filter((e) => e.keywordLocation.startsWith(`#/oneOf/${index}/`));
  }
  // The deepest error is the most specific one.
  const last = relevant[relevant.length - 1] ?? errors[errors.length - 1];
  if (!last) return 'not valid';
  const where = last.instanceLocation.replace(/^#\/?/, '').replaceAll('/', '.');
  return `${where ? `${where}: ` : ''}${last.error}`.slice(0, 300);
}
