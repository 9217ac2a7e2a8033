/**
 * Site blocking. declarativeNetRequest does the blocking (no JavaScript on the request path):
 * the static ruleset `default` is in force before this worker has run at all; once the stored
 * policy is read, the effective allowlist is written as dynamic rules (which persist across
 * restarts) and the static ruleset is switched off. A tab watcher keeps the candidate out of what
 * DNR cannot see: the browser's own pages and the extension stores.
 *
 * Attempts are logged from the browser's own reports only (attempts.ts), including those the
 * browser's policy refused before any extension saw them. The hosts the assessment pages' other
 * requests reach are reported (resource-hosts.ts), and blocked when `allowedResourceHosts` is set.
 */

import type { Tabs } from 'webextension-polyfill';
import { DEFAULT_ALLOWED_HOSTS } from '../../../shared/rules/policy.ts';
import { on } from '../../lib/chrome-events.ts';
import { serial } from '../../lib/serial.ts';
import { blockedPageUrl, PAGES } from '../../lib/urls.ts';
import { browser, ownOrigin, platform } from '../../platform/index.ts';
import { defineFeature, describeError, type FeatureContext, setCheckError } from '../feature.ts';
import { Attempts, redirectedByOurRules, redirectTarget } from './attempts.ts';
import { classifyUrl } from './internal-urls.ts';
import { noteRequest, reclassify } from './resource-hosts.ts';
import { buildRules, defaultRuleset, RULE_IDS } from './rules.ts';

const STATIC_RULESET = 'default';

export default defineFeature({
  id: 'site-blocking',
  policyFields: ['allowedHosts', 'assessmentUrl', 'allowedResourceHosts'],
  pages: ['blocked', 'blocked-frame', 'newtab'],
  init(ctx) {
    const origin = ownOrigin();
    const attempts = new Attempts((event) => ctx.log(event));
    const guard = new TabGuard(origin, attempts);
    /** Main-frame navigations started per tab: an error page is replaced only if none started since. */
    const navigations = new Map<number, number>();

    // What our rules redirected: the browser reports the request it redirected, and to where.
    on(
      browser.webRequest.onBeforeRedirect,
      (d) => {
        const target = redirectTarget(d.redirectUrl, origin, PAGES);
        if (target === null || d.tabId < 0) return;
        const state = {
          allowedHosts: ctx.policy.get().policy.allowedHosts,
          held: ctx.gate.get().state === 'held',
        };
        if (!redirectedByOurRules(target, d.url, state)) return;
        attempts.record({
          tabId: d.tabId,
          frameId: d.type === 'main_frame' ? 0 : Math.max(1, d.frameId),
          url: d.url,
          reason: target === 'hold' ? 'held' : 'not-allowed',
        });
      },
      ctx.signal,
      { urls: ['http://*/*', 'https://*/*'], types: ['main_frame', 'sub_frame'] },
    );
    // What the browser's own policy refused (Chromium's URLBlocklist, Firefox's WebsiteFilter and
    // about: page blocks win over every extension): logged like our own blocks, and a page is taken
    // to our blocked page, which offers the way back.
    on(
      browser.webNavigation.onErrorOccurred,
      (d) => {
        // The polyfill's types follow Firefox's schema, which leaves `error` out; both browsers send it.
        if (!platform.refusedByPolicy((d as { error?: string }).error)) return;
        const kind = classifyUrl(d.url, origin);
        if (kind === 'internal' && d.frameId === 0) {
          guard.check(d.tabId, d.url);
          return;
        }
        // No tab: a prerender or a worker's navigation, not something the candidate did.
        if (kind !== 'web' || d.tabId < 0) return;
        const logged = attempts.record({
          tabId: d.tabId,
          frameId: d.frameId,
          url: d.url,
          reason: 'not-allowed',
        });
        if (d.frameId === 0 && logged) {
          const generation = navigations.get(d.tabId) ?? 0;
          void replaceErrorPage(d.tabId, d.url, () => (navigations.get(d.tabId) ?? 0) === generation);
        }
      },
      ctx.signal,
    );
    // The browser's own pages: catch them as early as the browser tells us.
    on(
      browser.webNavigation.onBeforeNavigate,
      (d) => {
        if (d.frameId !== 0) return;
        navigations.set(d.tabId, (navigations.get(d.tabId) ?? 0) + 1);
        guard.check(d.tabId, d.url);
      },
      ctx.signal,
    );
    on(browser.tabs.onRemoved, (tabId) => navigations.delete(tabId), ctx.signal);
    on(
      browser.tabs.onUpdated,
      (tabId, change) => {
        if (change.url !== undefined) guard.check(tabId, change.url);
      },
      ctx.signal,
    );
    on(
      browser.tabs.onCreated,
      (tab) => {
        if (tab.id !== undefined) guard.check(tab.id, tabUrl(tab));
      },
      ctx.signal,
    );
    on(browser.tabs.onRemoved, (tabId) => attempts.tabClosed(tabId), ctx.signal);
    // Requests that are not page loads: which other hosts the assessment pages reach.
    on(
      browser.webRequest.onBeforeRequest,
      (d) => {
        // Page and frame loads are the rules' business above; everything else is what we report.
        if (d.type === 'main_frame' || d.type === 'sub_frame') return;
        const { policy } = ctx.policy.get();
        ctx.status.update((s) => {
          const request = { url: d.url, type: d.type, tabId: d.tabId, initiator: platform.initiator(d) };
          const hosts = noteRequest(s.resourceHosts.hosts, request, policy, new Date());
          return hosts === s.resourceHosts.hosts
            ? s
            : { ...s, resourceHosts: { ...s.resourceHosts, hosts: [...hosts] } };
        });
      },
      ctx.signal,
      // No `types` filter: an unknown kind in it would make adding the listener throw.
      { urls: ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*'] },
    );

    return (async () => {
      await ctx.loaded;
      const rules = new RuleWriter(ctx);
      ctx.policy.subscribe((now) => {
        void rules.apply();
        ctx.status.update((s) => ({
          ...s,
          resourceHosts: { ...s.resourceHosts, hosts: reclassify(s.resourceHosts.hosts, now.policy) },
        }));
      }, ctx.signal);
      ctx.gate.subscribe((now, before) => {
        if ((now.state === 'held') !== (before.state === 'held')) void rules.apply();
      }, ctx.signal);
      await rules.apply();
      await guard.sweep();
    })();
  },
});

/** Chromium also says where a tab is going (`pendingUrl`); the polyfill's types, Firefox's, leave it out. */
type ChromiumTab = Tabs.Tab & { pendingUrl?: string };

/** Where a tab is, or is about to be. */
function tabUrl(tab: ChromiumTab): string {
  return tab.pendingUrl || tab.url || '';
}

/** How long the browser's own error page may show before our blocked page takes its place. */
const ERROR_PAGE_MS = 250;

/**
 * Replaces the browser's "blocked by your organisation" page with ours (which offers the way back),
 * but only while the tab still shows it: a tab the candidate has meanwhile sent somewhere else is
 * never pulled back to the blocked page.
 */
async function replaceErrorPage(tabId: number, url: string, stillThere: () => boolean): Promise<void> {
  await new Promise((r) => setTimeout(r, ERROR_PAGE_MS));
  // A navigation that started since the error (the candidate went on, or a page was opened in the
  // tab) wins, even one so quick that the tab's address has not changed yet.
  if (!stillThere()) return;
  const tab = await browser.tabs.get(tabId).catch(() => undefined);
  const pendingUrl = (tab as ChromiumTab | undefined)?.pendingUrl;
  if (!tab || !stillThere() || tab.url !== url || (pendingUrl !== undefined && pendingUrl !== url)) return;
  await browser.tabs.update(tabId, { url: blockedPageUrl(url, 'not-allowed') }).catch(() => undefined);
}

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
      const existing = await browser.declarativeNetRequest.getDynamicRules();
      await browser.declarativeNetRequest.updateDynamicRules({
        removeRuleIds: existing.map((r) => r.id),
        addRules: buildRules({
          allowedHosts: policy.allowedHosts,
          allowedResourceHosts: policy.allowedResourceHosts,
          held,
          origin: ownOrigin(),
        }),
      });
      // Only now: the static ruleset's allow rule would otherwise keep the default host open.
      await browser.declarativeNetRequest.updateEnabledRulesets({ disableRulesetIds: [STATIC_RULESET] });
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
        browser.declarativeNetRequest.getDynamicRules(),
        browser.declarativeNetRequest.getEnabledRulesets(),
      ]);
      const staticOn = enabled.includes(STATIC_RULESET);
      const redirects = (id: number) => dynamic.some((r) => r.id === id && r.action.type === 'redirect');
      const redirect = redirects(RULE_IDS.blockAll) && redirects(RULE_IDS.blockFrames);
      const allow = dynamic.find((r) => r.id === RULE_IDS.allowHosts);
      const hosts = new Set<string>(redirect ? (allow?.condition.requestDomains ?? []) : []);
      if (staticOn) for (const h of DEFAULT_ALLOWED_HOSTS) hosts.add(h);
      const active = redirect || staticOn;
      const restricted = dynamic.some((r) => r.id === RULE_IDS.blockResources && r.action.type === 'block');
      this.ctx.status.update((s) => ({
        ...s,
        holdRule: dynamic.some((r) => r.id === RULE_IDS.hold),
        siteBlocking: {
          active,
          allowedHosts: [...hosts],
          ruleCount: dynamic.length + (staticOn ? defaultRuleset(platform.target).length : 0),
          ...(error ? { error } : active ? {} : { error: 'no blocking rules are installed' }),
        },
        resourceHosts: { ...s.resourceHosts, restricted },
      }));
      setCheckError(this.ctx, 'site-blocking', null);
    } catch (e) {
      setCheckError(this.ctx, 'site-blocking', e);
    }
  }
}

/** Takes a tab that shows a browser-internal page to the blocked page, and logs it once. */
class TabGuard {
  constructor(
    private readonly origin: string,
    private readonly attempts: Attempts,
  ) {}

  check(tabId: number, url: string): void {
    if (tabId < 0 || classifyUrl(url, this.origin) !== 'internal') return;
    // Always move the tab, however often it is asked: a quick second try must not slip through.
    browser.tabs.update(tabId, { url: blockedPageUrl(url, 'browser-internal') }).catch((e) => {
      // The tab may have closed meanwhile; anything else means an internal page stayed open.
      console.warn('[invigil] could not move a tab off', url, e);
    });
    // The same attempt is reported by several events (before-navigate, updated, created): logged once.
    this.attempts.record({ tabId, frameId: 0, url, reason: 'browser-internal' });
  }

  /** At start: tabs opened before the worker ran (a restored session) are checked too. */
  async sweep(): Promise<void> {
    const tabs = await browser.tabs.query({});
    for (const tab of tabs) {
      if (tab.id !== undefined) this.check(tab.id, tabUrl(tab));
    }
  }
}
