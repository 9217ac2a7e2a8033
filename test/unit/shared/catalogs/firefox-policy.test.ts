/**
 * The Firefox policies.json against the schema Firefox ESR 153 itself validates policies with
 * (test/fixtures/firefox/policies-schema-esr153.json, from its omni.ja): every policy name exists
 * and every value has the type, enum and sub-keys the schema gives it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test } from 'vitest';
import {
  FIREFOX_153_POLICY_NAMES,
  FIREFOX_POLICIES,
  firefoxPolicies,
} from '../../../../shared/catalogs/firefox-policy.ts';
import { POLICY_DEFAULTS } from '../../../../shared/schemas/policy.ts';

interface Schema {
  type?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  patternProperties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
}

const schema = JSON.parse(
  readFileSync(resolve(import.meta.dirname, '../../../fixtures/firefox/policies-schema-esr153.json'), 'utf8'),
) as Schema;

/** The problems with `value` against `s` (the parts of JSON schema Firefox's policy schema uses). */
function problems(value: unknown, s: Schema, path: string): string[] {
  const out: string[] = [];
  const type = Array.isArray(value) ? 'array' : typeof value;
  if (s.type === 'number' || s.type === 'integer') {
    if (typeof value !== 'number') out.push(`${path} should be a number, is ${type}`);
  } else if (s.type === 'boolean' || s.type === 'string') {
    if (typeof value !== s.type) out.push(`${path} should be ${s.type}, is ${type}`);
  } else if (s.type === 'array') {
    if (!Array.isArray(value)) out.push(`${path} should be a list, is ${type}`);
    else if (s.items) {
      const items = s.items;
      value.forEach((v, i) => {
        out.push(...problems(v, items, `${path}[${i}]`));
      });
    }
  } else if (s.type === 'object' || s.type === 'JSON') {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      out.push(`${path} should be an object`);
    else {
      for (const [k, v] of Object.entries(value)) {
        const sub =
          s.properties?.[k] ??
          Object.entries(s.patternProperties ?? {}).find(([re]) => new RegExp(re).test(k))?.[1] ??
          (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
        if (sub) out.push(...problems(v, sub, `${path}.${k}`));
        else out.push(`${path}.${k} is not a key Firefox ESR 153 knows`);
      }
    }
  }
  if (s.enum && !s.enum.includes(value))
    out.push(`${path} is ${JSON.stringify(value)}, not one of ${JSON.stringify(s.enum)}`);
  return out;
}

test('every policy Invigil writes for Firefox is one ESR 153 knows, with a value its schema accepts', () => {
  const { policies } = firefoxPolicies({
    extensionPolicy: { ...POLICY_DEFAULTS, allowedHosts: ['exams.example.org', '10.1.2.3'] },
    extensionId: 'exam-lockdown@invigil.uk',
    installUrl: 'https://it.example/invigil.xpi',
    printing: false,
  });
  const found: string[] = [];
  for (const [name, value] of Object.entries(policies)) {
    const s = schema.properties?.[name];
    if (!s) found.push(`${name} is not a Firefox ESR 153 policy`);
    else found.push(...problems(value, s, name));
  }
  expect(found).toEqual([]);
  expect(Object.keys(policies)).toEqual(FIREFOX_POLICIES.map((p) => p.key));
});

test('the checker used above does catch a wrong name, type, enum value and sub-key', () => {
  const ai = schema.properties?.AIControls as Schema;
  expect(problems({ Default: { Value: 'off', Locked: 'yes' }, Gemini: {} }, ai, 'AIControls')).toEqual([
    'AIControls.Default.Value is "off", not one of ["available","blocked"]',
    'AIControls.Default.Locked should be boolean, is string',
    'AIControls.Gemini is not a key Firefox ESR 153 knows',
  ]);
  expect(schema.properties?.GenAiLensOverlaySettings).toBeUndefined();
});

test('each Firefox policy says since when Firefox reads it and what it stops', () => {
  for (const p of FIREFOX_POLICIES) {
    expect(p.since, p.key).toMatch(/^Firefox \d+/);
    expect(p.purpose.length, p.key).toBeGreaterThan(10);
  }
});

test("the names the agent takes as Firefox policy in a Mac's preference files are exactly ESR 153's", () => {
  expect([...FIREFOX_153_POLICY_NAMES]).toEqual(Object.keys(schema.properties ?? {}));
});
