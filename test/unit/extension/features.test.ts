/**
 * The meta-test (after refined-github's): every policy field is enforced by a registered feature,
 * named in that feature's code, tested somewhere other than here, and declared in the managed
 * schema Chrome reads. A new field without all four fails here.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { FEATURES } from '../../../extension/features/index.ts';
import { chromeManagedSchema, POLICY_FIELDS } from '../../../shared/schemas/policy.ts';

const ROOT = resolve(import.meta.dirname, '../../..');

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path, ext) : ext.test(name) ? [path] : [];
  });
}

describe('the feature registry', () => {
  test('every feature folder is registered, under its folder name', () => {
    const folders = readdirSync(join(ROOT, 'extension/features')).filter((n) =>
      statSync(join(ROOT, 'extension/features', n)).isDirectory(),
    );
    expect(FEATURES.map((f) => f.id).sort()).toEqual(folders.sort());
  });

  test('every page belongs to a feature', () => {
    const pages = readdirSync(join(ROOT, 'extension/pages')).filter((n) => n !== 'ui');
    const owned = FEATURES.flatMap((f) => f.pages ?? []);
    expect(owned.sort()).toEqual(pages.sort());
  });

  test('feature ids are unique', () => {
    expect(new Set(FEATURES.map((f) => f.id)).size).toBe(FEATURES.length);
  });
});

describe.each(POLICY_FIELDS)('the policy field %s', (field) => {
  test('is enforced by a registered feature that uses it', () => {
    const owners = FEATURES.filter((f) => f.policyFields.includes(field));
    expect(owners.map((f) => f.id)).toHaveLength(1);
    const owner = owners[0];
    if (!owner) return;
    const folders = [
      join(ROOT, 'extension/features', owner.id),
      ...(owner.pages ?? []).map((page) => join(ROOT, 'extension/pages', page)),
    ];
    const source = folders
      .flatMap((dir) => files(dir, /\.tsx?$/))
      .map((p) => readFileSync(p, 'utf8'))
      .join('\n');
    // Declared is not enough: the feature's own code must read the field.
    expect(source).toMatch(new RegExp(`\\bpolicy\\.${field}\\b|\\.policy\\.${field}\\b`));
  });

  test('is tested', () => {
    const tests = files(join(ROOT, 'test'), /\.test\.tsx?$/).filter((p) => !p.endsWith('features.test.ts'));
    const mentioning = tests.filter((p) => readFileSync(p, 'utf8').includes(field));
    expect(mentioning.length).toBeGreaterThan(0);
  });

  test('is in the managed schema Chrome reads', () => {
    const schema = chromeManagedSchema() as { properties: Record<string, { type?: string }> };
    expect(schema.properties[field]?.type).toBeTypeOf('string');
  });
});
