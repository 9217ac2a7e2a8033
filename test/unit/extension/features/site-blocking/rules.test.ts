import { describe, expect, test } from 'vitest';
import {
  BLOCKED_FRAME_PATH,
  BLOCKED_PAGE_PATH,
  buildRules,
  defaultRuleset,
  FRAME_TYPES,
  HOLD_PAGE_PATH,
  RULE_IDS,
} from '../../../../../extension/features/site-blocking/rules.ts';
import { EXTENSION_ID } from '../../../../../shared/constants.ts';
import { DEFAULT_ALLOWED_HOSTS } from '../../../../../shared/rules/policy.ts';

const origin = `chrome-extension://${EXTENSION_ID}`;

describe('the blocking rules built from an allowlist', () => {
  const rules = buildRules({ allowedHosts: ['exams.example.org', 'cdn.example.net'] });
  const byId = (id: number) => rules.find((r) => r.id === id);

  test('every http(s) page goes to the blocked page, with the address in its hash', () => {
    const block = byId(RULE_IDS.blockAll);
    expect(block?.priority).toBe(1);
    expect(block?.action).toEqual({
      type: 'redirect',
      redirect: { regexSubstitution: `${origin}${BLOCKED_PAGE_PATH}#\\0` },
    });
    expect(block?.condition.resourceTypes).toEqual(['main_frame']);
    const filter = new RegExp(block?.condition.regexFilter ?? '$^');
    expect(filter.test('http://answers.example.net/')).toBe(true);
    expect(filter.test('https://exams.example.org/')).toBe(true);
    expect(filter.test('chrome-extension://abc/page.html')).toBe(false);
  });

  test('every http(s) frame goes to the static frame note, which carries nothing from the page', () => {
    const block = byId(RULE_IDS.blockFrames);
    expect(block?.priority).toBe(1);
    expect(block?.action).toEqual({ type: 'redirect', redirect: { extensionPath: BLOCKED_FRAME_PATH } });
    expect(block?.condition).toEqual({ regexFilter: '^https?://.*', resourceTypes: ['sub_frame'] });
  });

  test('the allowed hosts (and so their subdomains) are let through, above the block', () => {
    const allow = byId(RULE_IDS.allowHosts);
    expect(allow?.priority).toBe(2);
    expect(allow?.action.type).toBe('allow');
    // requestDomains matches the host and every subdomain: exactly an allowlist entry's meaning.
    expect(allow?.condition.requestDomains).toEqual(['exams.example.org', 'cdn.example.net']);
    expect(allow?.condition.resourceTypes).toEqual(['main_frame', 'sub_frame']);
  });

  test('no hold rule unless the seat is held, and no resource rule unless allowedResourceHosts is set', () => {
    expect(byId(RULE_IDS.hold)).toBeUndefined();
    expect(byId(RULE_IDS.blockResources)).toBeUndefined();
    expect(rules.map((r) => r.id).sort()).toEqual(
      [RULE_IDS.blockAll, RULE_IDS.allowHosts, RULE_IDS.blockFrames].sort(),
    );
  });

  test('allowedResourceHosts blocks every other kind of request to a host on neither list', () => {
    const restricted = buildRules({
      allowedHosts: ['exams.example.org'],
      allowedResourceHosts: ['cdn.example.net'],
    });
    const rule = restricted.find((r) => r.id === RULE_IDS.blockResources);
    expect(rule?.action).toEqual({ type: 'block' });
    expect(rule?.condition.excludedRequestDomains).toEqual(['exams.example.org', 'cdn.example.net']);
    // Every kind but page and frame loads, named by exclusion: each browser has kinds of its own
    // (Chromium's webtransport, Firefox's beacon), and one unknown to a browser would make it refuse the rule.
    expect(rule?.condition.resourceTypes).toBeUndefined();
    expect(rule?.condition.excludedResourceTypes).toEqual(FRAME_TYPES);
    expect(FRAME_TYPES).toEqual(['main_frame', 'sub_frame']);
    // An empty list: the allowed hosts only.
    const strict = buildRules({ allowedHosts: ['exams.example.org'], allowedResourceHosts: [] });
    expect(strict.find((r) => r.id === RULE_IDS.blockResources)?.condition.excludedRequestDomains).toEqual([
      'exams.example.org',
    ]);
  });

  test('a held seat sends every page, allowed or not, to the holding page (above the allow rule)', () => {
    const held = buildRules({ allowedHosts: ['exams.example.org'], held: true });
    const hold = held.find((r) => r.id === RULE_IDS.hold);
    expect(hold?.priority).toBeGreaterThan(byId(RULE_IDS.allowHosts)?.priority ?? 0);
    expect(hold?.action).toEqual({
      type: 'redirect',
      redirect: { regexSubstitution: `${origin}${HOLD_PAGE_PATH}#\\0` },
    });
    expect(hold?.condition.resourceTypes).toEqual(['main_frame']);
  });

  test('rule ids are unique, as declarativeNetRequest requires', () => {
    const held = buildRules({ allowedHosts: ['a.example'], held: true });
    expect(new Set(held.map((r) => r.id)).size).toBe(held.length);
  });

  test('the rules point at the extension origin they are built for', () => {
    const other = buildRules({
      allowedHosts: ['a.example'],
      origin: 'chrome-extension://abcdefghijklmnopabcdefghijklmnop',
    });
    expect(JSON.stringify(other)).toContain('chrome-extension://abcdefghijklmnopabcdefghijklmnop/');
    const firefox = buildRules({ allowedHosts: ['a.example'], origin: 'moz-extension://0b1c2d3e-1234' });
    expect(firefox.find((r) => r.id === RULE_IDS.blockAll)?.action.redirect).toEqual({
      regexSubstitution: `moz-extension://0b1c2d3e-1234${BLOCKED_PAGE_PATH}#\\0`,
    });
  });

  test('without a known origin (Firefox at build time) the pages are reached by path, without the address', () => {
    const rules = buildRules({ allowedHosts: ['a.example'], held: true, origin: null });
    expect(rules.find((r) => r.id === RULE_IDS.blockAll)?.action.redirect).toEqual({
      extensionPath: BLOCKED_PAGE_PATH,
    });
    expect(rules.find((r) => r.id === RULE_IDS.hold)?.action.redirect).toEqual({
      extensionPath: HOLD_PAGE_PATH,
    });
    expect(JSON.stringify(rules)).not.toContain('extension://');
  });

  test('an empty allowlist is refused rather than enforced (it would allow nothing, or with a bug everything)', () => {
    expect(() => buildRules({ allowedHosts: [] })).toThrow(/no hosts/);
  });
});

test('the static ruleset in force before the worker runs is the default allowlist', () => {
  expect(defaultRuleset()).toEqual(buildRules({ allowedHosts: DEFAULT_ALLOWED_HOSTS }));
  // Firefox's build cannot know its random origin: the same rules, by path.
  expect(defaultRuleset('firefox')).toEqual(
    buildRules({ allowedHosts: DEFAULT_ALLOWED_HOSTS, origin: null }),
  );
  expect(defaultRuleset().find((r) => r.id === RULE_IDS.allowHosts)?.condition.requestDomains).toEqual([
    'theimi.org.uk',
  ]);
});
