/**
 * Blocked attempts, logged only from what the browser itself reports: never from what a page's
 * address says. A page can load our frame note, and anyone can type the blocked page's address
 * with a made-up `#url`; neither is a report from the browser, so neither becomes an incident
 * (issue 9, part D). The three sources:
 *
 *   - the extension's rules redirected a request (webRequest.onBeforeRedirect, to one of our pages,
 *     for an address those rules do block);
 *   - the browser's own policy refused a navigation (URLBlocklist: webNavigation.onErrorOccurred with
 *     net::ERR_BLOCKED_BY_ADMINISTRATOR), which happens before any extension rule sees it;
 *   - the worker itself moved a tab off a browser page (the tab watcher).
 */
import { urlAllowed } from '../../../shared/rules/hosts.ts';
import type { BlockReason } from '../../lib/urls.ts';
import type { NewSeatEvent } from '../feature.ts';

type Blocked = Extract<NewSeatEvent, { type: 'event/blocked-navigation' }>;

/** The same attempt is reported by several events (before-navigate, updated, error): log it once. */
const SAME_ATTEMPT_MS = 1500;
/** Blocked frames per tab per minute: a page that keeps adding them is one page, not hundreds of attempts. */
const FRAMES_PER_MINUTE = 20;

export interface Attempt {
  tabId: number;
  frameId: number;
  url: string;
  reason: BlockReason;
}

export class Attempts {
  readonly #recent = new Map<string, number>();
  readonly #frames = new Map<number, number[]>();

  constructor(private readonly log: (event: Blocked) => Promise<void>) {}

  record(a: Attempt, now = Date.now()): boolean {
    const key = `${a.tabId}:${a.frameId}:${a.url}`;
    const last = this.#recent.get(key);
    if (last !== undefined && now - last < SAME_ATTEMPT_MS) return false;
    if (this.#recent.size > 500) {
      for (const [k, at] of this.#recent) if (now - at >= SAME_ATTEMPT_MS) this.#recent.delete(k);
    }
    this.#recent.set(key, now);
    const frame = a.frameId === 0 ? 'main' : 'sub';
    if (frame === 'sub') {
      const times = (this.#frames.get(a.tabId) ?? []).filter((t) => now - t < 60_000);
      if (times.length >= FRAMES_PER_MINUTE) return false;
      times.push(now);
      this.#frames.set(a.tabId, times);
    }
    void this.log({ type: 'event/blocked-navigation', url: a.url, reason: a.reason, frame });
    return true;
  }

  tabClosed(tabId: number): void {
    this.#frames.delete(tabId);
  }
}

/** Which of our pages a redirect went to, by path; null for anything else. */
export function redirectTarget(
  redirectUrl: string,
  origin: string,
  pages: { blocked: string; blockedFrame: string; hold: string },
): 'blocked' | 'frame' | 'hold' | null {
  if (!redirectUrl.startsWith(`${origin}/`)) return null;
  const path = redirectUrl.slice(origin.length).split(/[?#]/)[0];
  if (path === pages.blocked) return 'blocked';
  if (path === pages.blockedFrame) return 'frame';
  if (path === pages.hold) return 'hold';
  return null;
}

/**
 * Whether a redirect to one of our pages is our rules' doing: the address redirected is one those
 * rules send there. A site's own redirect to our frame note starts from an allowed address, so it
 * is not.
 */
export function redirectedByOurRules(
  target: 'blocked' | 'frame' | 'hold',
  requestUrl: string,
  state: { allowedHosts: readonly string[]; held: boolean },
): boolean {
  if (!/^https?:\/\//i.test(requestUrl)) return false;
  if (target === 'hold') return state.held;
  return !urlAllowed(requestUrl, state.allowedHosts);
}
