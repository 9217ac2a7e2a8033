import { describe, expect, test } from 'vitest';
import type { NewSeatEvent } from '../../../../../extension/features/feature.ts';
import {
  Attempts,
  redirectedByOurRules,
  redirectTarget,
} from '../../../../../extension/features/site-blocking/attempts.ts';
import { PAGES } from '../../../../../extension/lib/urls.ts';

const origin = 'chrome-extension://lafjhoockmahiigmahjcfjehlcadimim';

describe('which redirects are ours to log', () => {
  test.each([
    [`${origin}${PAGES.blocked}#http://x.test/`, 'blocked'],
    [`${origin}${PAGES.blockedFrame}`, 'frame'],
    [`${origin}${PAGES.hold}?by=worker#http://x.test/`, 'hold'],
    [`${origin}${PAGES.popup}`, null],
    [`chrome-extension://abcdefghijklmnopabcdefghijklmnop${PAGES.blocked}`, null],
    ['http://theimi.org.uk/', null],
  ])('%s → %s', (url, target) => {
    expect(redirectTarget(url, origin, PAGES)).toBe(target);
  });

  const state = { allowedHosts: ['theimi.org.uk'], held: false };
  test('our rules redirect an address they block', () => {
    expect(redirectedByOurRules('blocked', 'http://answers.example.net/', state)).toBe(true);
    expect(redirectedByOurRules('frame', 'https://theimi.org.uk.evil.test/', state)).toBe(true);
  });

  test("an allowed site's own redirect to our frame note is not an attempt", () => {
    expect(redirectedByOurRules('frame', 'http://awarding.theimi.org.uk/go?to=note', state)).toBe(false);
    expect(redirectedByOurRules('blocked', 'chrome-extension://x/y', state)).toBe(false);
  });

  test('the holding page counts only while the seat is held', () => {
    expect(redirectedByOurRules('hold', 'http://awarding.theimi.org.uk/', state)).toBe(false);
    expect(redirectedByOurRules('hold', 'http://awarding.theimi.org.uk/', { ...state, held: true })).toBe(
      true,
    );
  });
});

describe('one attempt, one event', () => {
  function recorder() {
    const logged: NewSeatEvent[] = [];
    return { logged, attempts: new Attempts(async (e) => void logged.push(e)) };
  }

  test('the same attempt reported by several browser events is logged once', () => {
    const { logged, attempts } = recorder();
    const a = { tabId: 4, frameId: 0, url: 'chrome://settings/', reason: 'browser-internal' as const };
    expect(attempts.record(a, 1000)).toBe(true);
    expect(attempts.record(a, 1200)).toBe(false);
    expect(attempts.record(a, 3000)).toBe(true);
    expect(logged).toEqual([
      {
        type: 'event/blocked-navigation',
        url: 'chrome://settings/',
        reason: 'browser-internal',
        frame: 'main',
      },
      {
        type: 'event/blocked-navigation',
        url: 'chrome://settings/',
        reason: 'browser-internal',
        frame: 'main',
      },
    ]);
  });

  test('a page that keeps adding blocked frames makes at most 20 events a minute', () => {
    const { logged, attempts } = recorder();
    for (let i = 0; i < 100; i++) {
      attempts.record(
        { tabId: 9, frameId: 100 + i, url: `http://x${i}.test/`, reason: 'not-allowed' },
        1000 + i,
      );
    }
    expect(logged).toHaveLength(20);
    expect(logged.every((e) => e.type === 'event/blocked-navigation' && e.frame === 'sub')).toBe(true);
    // Another tab, and the page itself, are not held back by it.
    expect(
      attempts.record({ tabId: 10, frameId: 3, url: 'http://y.test/', reason: 'not-allowed' }, 2000),
    ).toBe(true);
    expect(
      attempts.record({ tabId: 9, frameId: 0, url: 'http://z.test/', reason: 'not-allowed' }, 2000),
    ).toBe(true);
    expect(
      attempts.record({ tabId: 9, frameId: 7, url: 'http://w.test/', reason: 'not-allowed' }, 62_000),
    ).toBe(true);
  });
});
