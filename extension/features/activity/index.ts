/**
 * Candidate activity an invigilator should know about: the browser losing focus to another
 * application (and for how long), new tabs and new windows. Blocked navigations, downloads and
 * settings turned back on are logged by their own features.
 */

import type { Windows } from 'webextension-polyfill';
import { on } from '../../lib/chrome-events.ts';
import { KEYS, readStored, writeStored } from '../../lib/stored.ts';
import { PAGES } from '../../lib/urls.ts';
import { browser, platform } from '../../platform/index.ts';
import { defineFeature, type FeatureContext } from '../feature.ts';
import {
  type FocusState,
  focusLost,
  focusReturned,
  RECONCILE_MS,
  SETTLE_MS,
  WINDOW_ID_NONE,
} from './focus.ts';

export default defineFeature({
  id: 'activity',
  policyFields: [],
  init(ctx) {
    const focus = new FocusTracker(ctx);
    on(browser.windows.onFocusChanged, (id) => focus.changed(id), ctx.signal);
    // Chromium starts its focus-event router lazily, believing no window has focus: when the browser
    // was already active at start-up, the first switch to another program fires no event at all. So
    // the real focus state is also read every second, and a change the events missed is applied.
    const reconcile = setInterval(() => void focus.reconcile(), RECONCILE_MS);
    ctx.signal.addEventListener('abort', () => clearInterval(reconcile), { once: true });
    on(
      browser.tabs.onCreated,
      (tab) => {
        const url = tab.pendingUrl || tab.url || '';
        if (isOwnMessagePage(url)) return;
        void ctx.log({ type: 'event/tab-opened', ...(url ? { url } : {}) });
      },
      ctx.signal,
    );
    on(
      browser.windows.onCreated,
      (win) => {
        void windowOpened(ctx, win);
      },
      ctx.signal,
      // Chromium reports only normal windows unless asked for every kind; Firefox takes no filter.
      ...(platform.everyWindowFilter as [{ windowTypes: Windows.WindowType[] }]),
    );
  },
});

function isOwnMessagePage(url: string): boolean {
  return url.startsWith(browser.runtime.getURL(PAGES.message));
}

async function windowOpened(ctx: FeatureContext, win: Windows.Window): Promise<void> {
  // The invigilator's message window is ours, not the candidate's doing.
  const full =
    win.id === undefined ? win : await browser.windows.get(win.id, { populate: true }).catch(() => win);
  const tabs = full.tabs ?? [];
  if (tabs.length > 0 && tabs.every((t) => isOwnMessagePage(t.pendingUrl || t.url || ''))) return;
  await ctx.log({ type: 'event/window-opened', windowType: String(win.type ?? 'normal') });
}

class FocusTracker {
  #pendingLoss: ReturnType<typeof setTimeout> | undefined;
  // The state survives the worker being stopped while the candidate is away.
  #state: Promise<FocusState>;

  constructor(private readonly ctx: FeatureContext) {
    this.#state = readStored(KEYS.focus).then((s) => s ?? { lostAt: null });
  }

  changed(windowId: number): void {
    if (windowId === WINDOW_ID_NONE) {
      if (this.#pendingLoss !== undefined) return;
      const since = new Date();
      this.#pendingLoss = setTimeout(() => {
        this.#pendingLoss = undefined;
        void this.#apply((s) => focusLost(s, since));
      }, SETTLE_MS);
      return;
    }
    if (this.#pendingLoss !== undefined) {
      // A switch between two browser windows, not a loss.
      clearTimeout(this.#pendingLoss);
      this.#pendingLoss = undefined;
      return;
    }
    const now = new Date();
    void this.#apply((s) => focusReturned(s, now));
  }

  /** Applies the browser's real focus state, when the events missed a change (see init). */
  async reconcile(): Promise<void> {
    if (this.#pendingLoss !== undefined) return;
    const win = await browser.windows.getLastFocused().catch(() => undefined);
    // No window at all (the browser is closing): nothing to say.
    if (win?.id === undefined) return;
    const state = await this.#state;
    if (!win.focused && state.lostAt === null) this.changed(WINDOW_ID_NONE);
    else if (win.focused && state.lostAt !== null && this.#pendingLoss === undefined) this.changed(win.id);
  }

  async #apply(step: (s: FocusState) => ReturnType<typeof focusLost>): Promise<void> {
    const next = this.#state.then(async (s) => {
      const outcome = step(s);
      if (outcome.kind === 'none') return s;
      await writeStored(KEYS.focus, outcome.state);
      if (outcome.kind === 'lost')
        await this.ctx.log({ type: 'event/focus-lost' }, new Date(outcome.state.lostAt ?? Date.now()));
      else await this.ctx.log({ type: 'event/focus-returned', awayMs: outcome.awayMs });
      return outcome.state;
    });
    this.#state = next.catch(() => ({ lostAt: null }));
    await next;
  }
}
