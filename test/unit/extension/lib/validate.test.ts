/**
 * The extension checks values against JSON Schema generated from the zod schemas (it does not bundle
 * zod). These tests hold the two to the same answers: for valid examples of every kind, and for
 * thousands of broken variants of them (a field removed, of the wrong type, too long, out of range).
 */
import { describe, expect, test } from 'vitest';
import { buildReport, INITIAL_STATUS } from '../../../../extension/features/compliance-report/build.ts';
import { JSON_SCHEMAS } from '../../../../extension/lib/json-schemas.ts';
import { jsonSchemas, VALIDATED, type ValidatedName } from '../../../../extension/lib/schemas.ts';
import { DEFAULT_POLICY_STATE } from '../../../../extension/lib/stored.ts';
import { check } from '../../../../extension/lib/validate.ts';

const AT = '2026-01-01T09:00:00.000Z';
const ID = '0b9f1c2e-4a5d-4e6f-8a7b-9c0d1e2f3a4b';

const report = buildReport(
  {
    policy: DEFAULT_POLICY_STATE,
    gate: { state: 'open', changedAt: AT },
    status: {
      ...INITIAL_STATUS,
      extension: {
        id: 'lafjhoockmahiigmahjcfjehlcadimim',
        version: '0.1.0',
        installType: 'admin',
        managed: true,
      },
      extensions: [
        {
          id: 'nngceckbapebfimnlniiiahkandclblb',
          name: 'Bitwarden Password Manager',
          version: '2025.1.0',
          installType: 'normal',
          enabled: false,
          passwordManager: 'Bitwarden',
          action: 'disabled',
        },
      ],
      agentLinked: false,
    },
  },
  { sequence: 1, trigger: 'start', generatedAt: AT },
);

/** Valid examples of every kind the extension checks. */
const EXAMPLES: Record<ValidatedName, unknown[]> = {
  hostToExtension: [
    { type: 'link/status', agent: 'connected', detail: 'ok' },
    { type: 'event/ack', ids: [ID] },
    { type: 'seat/gate', state: 'held', candidateName: 'Ada Lovelace', seatLabel: 'A1' },
    { type: 'seat/message', instructionId: ID, text: 'Five minutes left.' },
    { type: 'link/error', error: 'refused', inReplyTo: 'event/batch' },
  ],
  seatEvent: [
    {
      id: ID,
      at: AT,
      type: 'event/blocked-navigation',
      url: 'http://x.test/',
      reason: 'not-allowed',
      frame: 'main',
    },
    { id: ID, at: AT, type: 'event/focus-returned', awayMs: 1200 },
    { id: ID, at: AT, type: 'event/setting-reverted', setting: 'passwordSaving', restored: true },
    { id: ID, at: AT, type: 'event/download-blocked', url: 'data:text/plain,x', filename: 'a.txt' },
    { id: ID, at: AT, type: 'event/policy-applied', source: 'managed', allowedHosts: ['theimi.org.uk'] },
    { id: ID, at: AT, type: 'event/hand-raised', via: 'shortcut' },
  ],
  report: [report],
  pageMessage: [{ type: 'report/get' }, { type: 'message/shown', instructionId: ID }, { type: 'hand/raise' }],
  policyState: [DEFAULT_POLICY_STATE, { ...DEFAULT_POLICY_STATE, errors: [{ field: 'x', reason: 'y' }] }],
  gate: [{ state: 'held', heldBy: 'console', candidateName: 'Ada', changedAt: AT }],
  messages: [[{ instructionId: ID, text: 'hello', receivedAt: AT, acked: false }]],
  focus: [{ lostAt: null }, { lostAt: AT }],
  downloads: [{ blockedCount: 3 }],
  hand: [{ raisedAt: AT, via: 'button' }],
};

/** Broken variants of a value: each field removed, replaced by a wrong type, or made too long. */
function* variants(value: unknown, depth = 0): Generator<unknown> {
  const replacements: unknown[] = [null, 12345, -1, 2.5, 'x', 'x'.repeat(3000), [], {}, true];
  for (const r of replacements) yield r;
  if (depth > 6) return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      for (const v of variants(value[i], depth + 1)) yield value.map((x, j) => (j === i ? v : x));
    }
    yield [...value, ...value];
    // Past every list's bound (the largest is 200), for lists of small values (250 reports would be slow).
    if (JSON.stringify(value[0] ?? null).length < 300) yield Array.from({ length: 250 }, () => value[0]);
  } else if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) {
      const { [key]: _, ...rest } = value as Record<string, unknown>;
      yield rest;
      for (const v of variants((value as Record<string, unknown>)[key], depth + 1))
        yield { ...value, [key]: v };
    }
  }
}

describe('the JSON Schema the extension checks against says what the zod schema says', () => {
  test('the build inlines exactly the schemas computed from zod', () => {
    expect(JSON_SCHEMAS).toEqual(jsonSchemas());
    expect(Object.keys(EXAMPLES).sort()).toEqual(Object.keys(VALIDATED).sort());
  });

  test.each(Object.keys(EXAMPLES) as ValidatedName[])('%s: every example is valid to both', (name) => {
    for (const example of EXAMPLES[name]) {
      const zod = VALIDATED[name].safeParse(example);
      expect(zod.success, JSON.stringify(zod.error?.issues)).toBe(true);
      expect(check(name, example)).toEqual({ ok: true, value: example });
    }
  });

  // Thousands of checks each: room for a shared, busy machine.
  test.each(Object.keys(EXAMPLES) as ValidatedName[])(
    '%s: both refuse the same broken variants',
    { timeout: 60_000 },
    (name) => {
      let compared = 0;
      let refused = 0;
      for (const example of EXAMPLES[name]) {
        for (const variant of variants(example)) {
          const zod = VALIDATED[name].safeParse(variant).success;
          const json = check(name, variant);
          expect(json.ok, `${name}: ${JSON.stringify(variant).slice(0, 300)}`).toBe(zod);
          if (!json.ok) {
            refused++;
            expect(json.error.length).toBeGreaterThan(0);
          }
          compared++;
        }
      }
      expect(compared).toBeGreaterThan(10);
      expect(refused).toBeGreaterThan(0);
    },
  );
});

describe('what a refused message is told', () => {
  test('the problem in the kind of message it claims to be', () => {
    const r = check('hostToExtension', { type: 'seat/gate', state: 'open' });
    expect(r).toEqual({ ok: false, error: expect.stringMatching(/^state: .*held.*released/) });
  });

  test('a kind that does not exist is named', () => {
    const r = check('hostToExtension', { type: 'policy/set' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/"policy\/set" is not one of link\/status, event\/ack/);
  });
});
