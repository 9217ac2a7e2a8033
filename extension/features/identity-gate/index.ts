/**
 * The identity-check gate. With `requireRelease`, every page is held on the holding page (a DNR
 * rule at priority 3, written by site-blocking) until the invigilator confirms the candidate at
 * the console and the agent sends `seat/gate released`. `seat/gate held` holds the seat again,
 * whatever the policy says (the invigilator's call), with the expected candidate and seat shown.
 */
import { urlAllowed } from '../../../shared/rules/hosts.ts';
import type { HostToExtension } from '../../../shared/schemas/native.ts';
import { type GateState, KEYS, writeStored } from '../../lib/stored.ts';
import { BY_WORKER, PAGES, pageUrl } from '../../lib/urls.ts';
import { browser } from '../../platform/index.ts';
import { defineFeature, type FeatureContext } from '../feature.ts';
import { classifyUrl } from '../site-blocking/internal-urls.ts';

type GateMessage = Extract<HostToExtension, { type: 'seat/gate' }>;

export default defineFeature({
  id: 'identity-gate',
  policyFields: ['requireRelease'],
  pages: ['hold'],
  init(ctx) {
    ctx.agent.onMessage((m) => {
      if (m.type === 'seat/gate') void ctx.loaded.then(() => ctx.gate.set(fromAgent(ctx.gate.get(), m)));
    }, ctx.signal);
    return (async () => {
      await ctx.loaded;
      ctx.gate.subscribe((now) => void writeStored(KEYS.gate, now), ctx.signal);
      // Tabs move once site-blocking has read back that the hold rule is in (or out of) force:
      // a tab sent to the assessment before the rule is gone would be held again.
      ctx.status.subscribe((now, before) => {
        if (now.holdRule && !before.holdRule) void holdTabs();
        if (!now.holdRule && before.holdRule) void releaseTabs(ctx);
      }, ctx.signal);
      const followPolicy = () =>
        ctx.gate.set(fromPolicy(ctx.gate.get(), ctx.policy.get().policy.requireRelease));
      ctx.policy.subscribe(followPolicy, ctx.signal);
      followPolicy();
      if (ctx.status.get().holdRule) await holdTabs();
    })();
  },
});

export function fromPolicy(gate: GateState, requireRelease: boolean, now = new Date()): GateState {
  if (requireRelease && gate.state === 'open') {
    return { state: 'held', heldBy: 'policy', changedAt: now.toISOString() };
  }
  if (!requireRelease && gate.state === 'held' && gate.heldBy === 'policy') {
    return { state: 'open', changedAt: now.toISOString() };
  }
  return gate;
}

export function fromAgent(gate: GateState, message: GateMessage, now = new Date()): GateState {
  if (message.state === 'released') {
    return gate.state === 'released' ? gate : { state: 'released', changedAt: now.toISOString() };
  }
  const next: GateState = {
    state: 'held',
    heldBy: 'console',
    changedAt: gate.state === 'held' ? gate.changedAt : now.toISOString(),
    ...(message.candidateName ? { candidateName: message.candidateName } : {}),
    ...(message.seatLabel ? { seatLabel: message.seatLabel } : {}),
    ...(message.paused ? { paused: true } : {}),
  };
  return next;
}

/**
 * Every page the candidate could work on goes to the holding page (the DNR rule catches new ones):
 * web pages, the blocked page and the new tab. Our popup and message pages stay.
 */
async function holdTabs(): Promise<void> {
  const origin = pageUrl('').replace(/\/$/, '');
  const hold = pageUrl(PAGES.hold);
  const ownToHold = [pageUrl(PAGES.blocked), pageUrl(PAGES.newtab)];
  for (const tab of await browser.tabs.query({})) {
    const url = tab.pendingUrl || tab.url || '';
    if (tab.id === undefined) continue;
    const kind = classifyUrl(url, origin);
    const holdIt =
      kind === 'web' ||
      (kind === 'own' && (ownToHold.some((p) => url.startsWith(p)) || !url.startsWith(origin)));
    if (!holdIt) continue;
    const back = kind === 'web' ? `#${url}` : '';
    await browser.tabs.update(tab.id, { url: `${hold}?${BY_WORKER}${back}` }).catch(() => undefined);
  }
}

/** Held pages go back where the candidate was, if it is allowed, or to the assessment. */
async function releaseTabs(ctx: FeatureContext): Promise<void> {
  const { policy } = ctx.policy.get();
  const hold = pageUrl(PAGES.hold);
  for (const tab of await browser.tabs.query({})) {
    const url = tab.pendingUrl || tab.url || '';
    if (tab.id === undefined || !url.startsWith(hold)) continue;
    const wanted = new URL(url).hash.slice(1);
    const target = wanted && urlAllowed(wanted, policy.allowedHosts) ? wanted : policy.assessmentUrl;
    await browser.tabs.update(tab.id, { url: target }).catch(() => undefined);
  }
}
