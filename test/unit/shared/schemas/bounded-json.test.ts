import { describe, expect, test } from 'vitest';
import { excerpt, jsonDepth, parseBoundedJson, valueDepth } from '../../../../shared/schemas/bounded-json.ts';

const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

describe('parseBoundedJson', () => {
  test('parses ordinary JSON within the limits', () => {
    expect(parseBoundedJson('{"a":[1,{"b":"c"}]}')).toEqual({ ok: true, value: { a: [1, { b: 'c' }] } });
  });

  test('refuses nesting past the limit without parsing it, and names the limit', () => {
    const r = parseBoundedJson(deep(150_000), { maxLength: 1_000_000, maxDepth: 32 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problem).toBe('too-deep');
    expect(r.reason).toContain('32 levels');
    expect(r.excerpt.length).toBeLessThan(200);
  });

  test('accepts nesting exactly at the limit', () => {
    expect(parseBoundedJson(deep(32), { maxLength: 1000, maxDepth: 32 }).ok).toBe(true);
    expect(parseBoundedJson(deep(33), { maxLength: 1000, maxDepth: 32 }).ok).toBe(false);
  });

  test('brackets inside strings, and escaped quotes, do not count as nesting', () => {
    const text = JSON.stringify({ s: `${'['.repeat(100)}"\\${'{'.repeat(100)}` });
    expect(jsonDepth(text)).toBe(1);
    expect(parseBoundedJson(text, { maxLength: 10_000, maxDepth: 2 }).ok).toBe(true);
  });

  test('refuses text longer than the limit before scanning it', () => {
    const r = parseBoundedJson(`"${'x'.repeat(5000)}"`, { maxLength: 1000, maxDepth: 32 });
    expect(r).toMatchObject({ ok: false, problem: 'too-long' });
  });

  test('says what is wrong with text that is not JSON, with a bounded slice of it', () => {
    const r = parseBoundedJson(`{"a": ${'x'.repeat(10_000)}`);
    expect(r).toMatchObject({ ok: false, problem: 'not-json' });
    if (!r.ok) expect(r.excerpt).toContain('10006 characters in all');
  });
});

describe('excerpt', () => {
  test('keeps short text whole and puts control characters on one line', () => {
    expect(excerpt('a\nb\u0000c')).toBe('a b c');
  });
});

describe('valueDepth', () => {
  test('measures parsed values without recursion and stops past the limit', () => {
    let v: unknown = 1;
    for (let i = 0; i < 200_000; i++) v = [v];
    expect(valueDepth(v, 64)).toBe(65);
    expect(valueDepth({ a: [{ b: 1 }] })).toBe(3);
    expect(valueDepth('text')).toBe(0);
  });
});
