/** The assessment's end page (issue 13): an optional policy field, and which page loads it matches. */
import { describe, expect, test } from 'vitest';
import { isEndPage, parsePolicy } from '../../../../shared/rules/policy.ts';

describe('endPageUrl', () => {
  test('is off unless set, and kept when on an allowed host', () => {
    expect('endPageUrl' in parsePolicy({}).policy).toBe(false);
    const r = parsePolicy({ endPageUrl: 'https://www.theimi.org.uk/awarding/finished' });
    expect(r.errors).toEqual([]);
    expect(r.policy.endPageUrl).toBe('https://www.theimi.org.uk/awarding/finished');
  });

  test('an end page off the allowed hosts, or not a web address, is refused by name and stays off', () => {
    const off = parsePolicy({ endPageUrl: 'https://elsewhere.example/done' });
    expect(off.errors).toEqual([{ field: 'endPageUrl', reason: 'is not on one of the allowed hosts' }]);
    expect('endPageUrl' in off.policy).toBe(false);
    const bad = parsePolicy({ endPageUrl: 'javascript:alert(1)' });
    expect(bad.errors).toEqual([
      { field: 'endPageUrl', reason: 'must be an http:// or https:// web address' },
    ]);
    expect('endPageUrl' in bad.policy).toBe(false);
  });

  test('a refused end page keeps the previous good one', () => {
    const good = parsePolicy({ endPageUrl: 'https://www.theimi.org.uk/done' }).policy;
    const r = parsePolicy({ endPageUrl: 'https://elsewhere.example/done' }, good);
    expect(r.policy.endPageUrl).toBe('https://www.theimi.org.uk/done');
  });
});

describe('isEndPage', () => {
  const end = 'https://www.theimi.org.uk/awarding/finished';
  test('matches the address and what follows it, whatever the fragment or the host’s case', () => {
    expect(isEndPage('https://www.theimi.org.uk/awarding/finished', end)).toBe(true);
    expect(isEndPage('https://WWW.theimi.org.uk/awarding/finished?attempt=7#top', end)).toBe(true);
    expect(isEndPage('https://www.theimi.org.uk:443/awarding/finished/summary', end)).toBe(true);
  });
  test('does not match other pages, hosts, schemes, or nothing set', () => {
    expect(isEndPage('https://www.theimi.org.uk/awarding/question/3', end)).toBe(false);
    expect(isEndPage('https://www.theimi.org.uk.evil.test/awarding/finished', end)).toBe(false);
    expect(isEndPage('http://www.theimi.org.uk/awarding/finished', end)).toBe(false);
    expect(isEndPage('https://evil.test/?u=https://www.theimi.org.uk/awarding/finished', end)).toBe(false);
    expect(isEndPage('not a url', end)).toBe(false);
    expect(isEndPage('https://www.theimi.org.uk/awarding/finished', undefined)).toBe(false);
  });
});
