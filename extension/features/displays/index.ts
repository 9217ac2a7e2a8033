/**
 * How many displays the browser sees (chrome.system.display in Chromium), in the report. The agent
 * counts the machine's displays itself; the browser's count is a second, independent view, and the
 * agent treats a disagreement as a finding (kiosk-agent/checks/extension-report.ts). Read at start,
 * whenever the browser says the displays changed, and every few seconds as well (a cheap call), so a
 * missed event cannot leave an old count in the report. A browser with no display API (Firefox) says
 * so in the report: the agent's own count is then the only one.
 */

import { serial } from '../../lib/serial.ts';
import { platform } from '../../platform/index.ts';
import type { DisplayApi } from '../../platform/types.ts';
import { defineFeature, describeError, type FeatureContext } from '../feature.ts';

const REREAD_MS = 3000;

export default defineFeature({
  id: 'displays',
  policyFields: [],
  init(ctx) {
    const api = platform.displays;
    const why = platform.unprovable.displays;
    if (!api) {
      const error = why ?? 'this browser has no display API';
      ctx.status.update((s) => ({
        ...s,
        displays: { count: null, error: error.slice(0, 200) },
        unprovable: why ? { ...s.unprovable, displays: why } : s.unprovable,
      }));
      return;
    }
    const read = serial(() => readDisplays(ctx, api));
    api.listen(() => void read(), ctx.signal);
    const timer = setInterval(() => void read(), REREAD_MS);
    ctx.signal.addEventListener('abort', () => clearInterval(timer), { once: true });
    return (async () => {
      await ctx.loaded;
      await read();
    })();
  },
});

async function readDisplays(ctx: FeatureContext, api: DisplayApi): Promise<void> {
  try {
    const count = await api.count();
    ctx.status.update((s) => ({ ...s, displays: { count } }));
  } catch (e) {
    // Not a check of ours (the agent decides what it means): the report says why there is no count.
    ctx.status.update((s) => ({ ...s, displays: { count: null, error: describeError(e).slice(0, 200) } }));
  }
}
