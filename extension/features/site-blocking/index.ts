/**
 * Site blocking. declarativeNetRequest does the blocking (no JavaScript on the request path):
 * the static ruleset `default` is in force before this worker has run at all; once the stored
 * policy is read, the effective allowlist is written as dynamic rules (which persist across
 * restarts) and the static ruleset is switched off. A tab watcher keeps the candidate out of what
 * DNR cannot see: the browser's own pages and the extension stores.
 */
import { DEFAULT_ALLOWED_HOSTS } from '../../../shared/schemas/policy.ts';
import { on } from '../../lib/chrome-events.ts';
import { serial } from '../../lib/serial.ts';
import { BY_WORKER, blockedPageUrl, PAGES } from '../../lib/urls.ts';
import { defineFeature, describeError, type FeatureContext, setCheckError } from '../feature.ts';
import { classifyUrl } from './internal-urls.ts';
import { buildRules, defaultRuleset, RULE_IDS } from './rules.ts';

const STATIC_RULESET = 'default';

export default defineFeature({
  id: 'site-blocking',
  policyFields: ['allowedHosts', 'assessmentUrl'],
  pages: ['blocked', 'newtab'],
  init(ctx) {
    const origin = chrome.runtime.getURL('').replace(/\/$/, '');
    const guard = new TabGuard(ctx, origin);

    // Log what the rules turned away: the redirect lands on our page with the URL in its hash.
    on(
      chrome.webNavigation.onCommitted,
      (d) => {
        void logRedirect(ctx, d);
      },
      ctx.signal,
      { url: [{ urlPrefix: `${origin}${PAGES.blocked}` }, { urlPrefix: `${origin}${PAGES.hold}` }] },
    );
    // The browser's own pages: catch them as early as the browser tells us.
    on(
      chrome.webNavigation.onBeforeNavigate,
      (d) => {
        if (d.frameId === 0) guard.check(d.tabId, d.url);
      },
      ctx.signal,
    );
    on(
      chrome.tabs.onUpdated,
      (tabId, change) => {
        if (change.url !== undefined) guard.check(tabId, change.url);
      },
      ctx.signal,
    );
    on(
      chrome.tabs.onCreated,
      (tab) => {
        if (tab.id !== undefined) guard.check(tab.id, tab.pendingUrl || tab.url || '');
      },
      ctx.signal,
    );

    return (async () => {
      await ctx.loaded;
      const rules = new RuleWriter(ctx);
      ctx.policy.subscribe(() => void rules.apply(), ctx.signal);
      ctx.gate.subscribe((now, before) => {
        if ((now.state === 'held') !== (before.state === 'held')) void rules.apply();
      }, ctx.signal);
      await rules.apply();
      await guard.sweep();
    })();
  },
});

/** Writes the rules for the current policy and gate, one write at a time, and reads them back. */
class RuleWriter {
  /** Later changes during a write collapse into one more write with the newest state. */
  readonly apply = serial(() => this.#write());

  constructor(private readonly ctx: FeatureContext) {}

  async #write(): Promise<void> {
    const { policy } = this.ctx.policy.get();
    const held = this.ctx.gate.get().state === 'held';
    let error: string | undefined;
    try {
      const existing = await chrome.declarativeNetRequest.getDynamicRules();
      await chrome.declarativeNetRequest.updateDynamicRules({
        removeRuleIds: existing.map((r) => r.id),
        addRules: buildRules({ allowedHosts: policy.allowedHosts, held, extensionId: chrome.runtime.id }),
      });
      // Only now: the static ruleset's allow rule would otherwise keep the default host open.
      await chrome.declarativeNetRequest.updateEnabledRulesets({ disableRulesetIds: [STATIC_RULESET] });
    } catch (e) {
      // updateDynamicRules is atomic: on failure the previous rules (or the static ruleset) stay.
      error = `the allowlist could not be applied (${describeError(e)}); the previous rules stay in force`;
      console.error('[invigil] site blocking:', e);
    }
    await this.#readBack(error);
  }

  /** The report states what the browser actually enforces, read back from it. */
  async #readBack(error: string | undefined): Promise<void> {
    try {
      const [dynamic, enabled] = await Promise.all([
        chrome.declarativeNetRequest.getDynamicRules(),
        chrome.declarativeNetRequest.getEnabledRulesets(),
      ]);
      const staticOn = enabled.includes(STATIC_RULESET);
      const redirect = dynamic.find((r) => r.id === RULE_IDS.blockAll && r.action.type === 'redirect');
      const allow = dynamic.find((r) => r.id === RULE_IDS.allowHosts);
      const hosts = new Set<string>(redirect ? (allow?.condition.requestDomains ?? []) : []);
      if (staticOn) for (const h of DEFAULT_ALLOWED_HOSTS) hosts.add(h);
      const active = redirect !== undefined || staticOn;
      this.ctx.status.update((s) => ({
        ...s,
        holdRule: dynamic.some((r) => r.id === RULE_IDS.hold),
        siteBlocking: {
          active,
          allowedHosts: [...hosts],
          ruleCount: dynamic.length + (staticOn ? defaultRuleset().length : 0),
          ...(error ? { error } : active ? {} : { error: 'no blocking rules are installed' }),
        },
      }));
      setCheckError(this.ctx, 'site-blocking', null);
    } catch (e) {
      setCheckError(this.ctx, 'site-blocking', e);
    }
  }
}

async function logRedirect(
  ctx: FeatureContext,
  d: chrome.webNavigation.WebNavigationTransitionCallbackDetails,
): Promise<void> {
  const url = new URL(d.url);
  // Pages the worker opened itself were logged when it opened them; a reload or "back" is not a new attempt.
  if (url.search.includes(BY_WORKER)) return;
  if (d.transitionType === 'reload' || d.transitionQualifiers.includes('forward_back')) return;
  const blockedUrl = url.hash.slice(1);
  if (blockedUrl === '') return;
  await ctx.log({
    type: 'event/blocked-navigation',
    url: blockedUrl,
    reason: url.pathname === PAGES.hold ? 'held' : 'not-allowed',
    frame: d.frameId === 0 ? 'main' : 'sub',
  });
}

/** Takes a tab that shows a browser-internal page to the blocked page, and logs it once. */
class TabGuard {
  readonly #recent = new Map<number, { url: string; at: number }>();

  constructor(
    private readonly ctx: FeatureContext,
    private readonly origin: string,
  ) {}

  check(tabId: number, url: string): void {
    if (tabId < 0 || classifyUrl(url, this.origin) !== 'internal') return;
    // Always move the tab, however often it is asked: a quick second try must not slip through.
    chrome.tabs.update(tabId, { url: blockedPageUrl(url, 'browser-internal') }).catch((e) => {
      // The tab may have closed meanwhile; anything else means an internal page stayed open.
      console.warn('[invigil] could not move a tab off', url, e);
    });
    // The same attempt is reported by several events (before-navigate, updated, created): log it once.
    const last = this.#recent.get(tabId);
    const now = Date.now();
    if (last && last.url === url && now - last.at < 1000) return;
    this.#recent.set(tabId, { url, at: now });
    void this.ctx.log({ type: 'event/blocked-navigation', url, reason: 'browser-internal', frame: 'main' });
  }

  /** At start: tabs opened before the worker ran (a restored session) are checked too. */
  async sweep(): Promise<void> {
    const tabs = await chrome.tabs.query({});
    for (const tab of tabs) {
      if (tab.id !== undefined) this.check(tab.id, tab.pendingUrl || tab.url || '');
    }
  }
}
