import { describe, expect, test } from 'vitest';
import {
  chromeManagedSchema,
  POLICY_DEFAULTS,
  POLICY_FIELDS,
  parsePolicy,
} from '../../../shared/schemas/policy.ts';

describe('policy parsing', () => {
  test('no policy means the awarding body only, downloads blocked, other extensions disabled', () => {
    const r = parsePolicy(undefined);
    expect(r.source).toBe('default');
    expect(r.errors).toEqual([]);
    expect(r.policy.allowedHosts).toEqual(['theimi.org.uk']);
    expect(r.policy.allowDownloads).toBe(false);
    expect(r.policy.otherExtensions).toBe('disable');
  });

  test('allowedHosts replaces the default and the way back follows it', () => {
    const r = parsePolicy({ allowedHosts: ['Exams.Example.org', 'cdn.example.net'] });
    expect(r.errors).toEqual([]);
    expect(r.source).toBe('managed');
    expect(r.policy.allowedHosts).toEqual(['exams.example.org', 'cdn.example.net']);
    expect(r.policy.assessmentUrl).toBe('https://exams.example.org/');
  });

  test.each([
    [{ allowedHosts: ['*'] }, 'allowedHosts', /every site/],
    [{ allowedHosts: [] }, 'allowedHosts', /empty/],
    [{ allowedHosts: 'example.org' }, 'allowedHosts', /list of host names/],
    [{ allowedHosts: ['example.org', 'https://x.test/'] }, 'allowedHosts', /entry 2 .*host name only/],
    [{ heartbeatSeconds: 0 }, 'heartbeatSeconds', /at least 1/],
    [{ heartbeatSeconds: 2.5 }, 'heartbeatSeconds', /whole number/],
    [{ allowDownloads: 'yes' }, 'allowDownloads', /true or false/],
    [{ otherExtensions: 'all' }, 'otherExtensions', /must be "disable"/],
    [{ assessmentUrl: 'javascript:alert(1)' }, 'assessmentUrl', /http/],
    [{ assessmentUrl: 'https://elsewhere.test/' }, 'assessmentUrl', /not on one of the allowed hosts/],
    [{ alowedHosts: ['x.org'] }, 'alowedHosts', /not a setting/],
  ])('%j is rejected, naming %s', (raw, field, reason) => {
    const r = parsePolicy(raw);
    const error = r.errors.find((e) => e.field === field);
    expect(error?.reason).toMatch(reason);
  });

  test('a rejected field keeps the last good value, never opening up', () => {
    const good = parsePolicy({ allowedHosts: ['exams.example.org'] }).policy;
    const bad = parsePolicy({ allowedHosts: ['*'], heartbeatSeconds: 10 }, good);
    expect(bad.policy.allowedHosts).toEqual(['exams.example.org']);
    expect(bad.policy.heartbeatSeconds).toBe(10);
    const noHistory = parsePolicy({ allowedHosts: ['*'] });
    expect(noHistory.policy.allowedHosts).toEqual(POLICY_DEFAULTS.allowedHosts);
  });

  test('allowedResourceHosts is off unless set; an empty list means the allowed hosts only', () => {
    expect('allowedResourceHosts' in parsePolicy({ allowedHosts: ['exams.example.org'] }).policy).toBe(false);
    expect(parsePolicy({ allowedResourceHosts: [] }).policy.allowedResourceHosts).toEqual([]);
    expect(
      parsePolicy({ allowedResourceHosts: ['CDN.example.net', 'cdn.example.net'] }).policy
        .allowedResourceHosts,
    ).toEqual(['cdn.example.net']);
  });

  test('a rejected allowedResourceHosts keeps the last good list, or stays off', () => {
    const bad = parsePolicy({ allowedResourceHosts: ['*'] });
    expect(bad.errors).toEqual([
      { field: 'allowedResourceHosts', reason: expect.stringMatching(/every site/) },
    ]);
    expect('allowedResourceHosts' in bad.policy).toBe(false);
    const good = parsePolicy({ allowedResourceHosts: ['cdn.example.net'] }).policy;
    expect(
      parsePolicy({ allowedResourceHosts: 'cdn.example.net' }, good).policy.allowedResourceHosts,
    ).toEqual(['cdn.example.net']);
  });

  test('a policy that is not an object keeps the last good policy', () => {
    const good = parsePolicy({ allowedHosts: ['exams.example.org'] }).policy;
    const r = parsePolicy(['x'], good);
    expect(r.policy).toEqual(good);
    expect(r.errors[0]?.field).toBe('(policy)');
  });
});

test('the managed schema declares every policy field in the subset Chrome accepts', () => {
  const schema = chromeManagedSchema() as { type: string; properties: Record<string, { type: string }> };
  expect(schema.type).toBe('object');
  expect(Object.keys(schema.properties)).toEqual(POLICY_FIELDS);
  const allowed = new Set(['type', 'items', 'properties']);
  const walk = (node: Record<string, unknown>) => {
    for (const key of Object.keys(node)) expect(allowed.has(key)).toBe(true);
    if (node.items) walk(node.items as Record<string, unknown>);
  };
  for (const p of Object.values(schema.properties)) walk(p as Record<string, unknown>);
  expect(schema.properties.allowedHosts).toEqual({ type: 'array', items: { type: 'string' } });
});
