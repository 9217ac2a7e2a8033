/**
 * How many displays the browser sees (chrome.system.display), in the report. The agent counts the
 * machine's displays itself; the browser's count is a second, independent view, and the agent
 * treats a disagreement as a finding (kiosk-agent/checks/extension-report.ts). Read at start,
 * whenever the browser says the displays changed, and every few seconds as well (a cheap call), so a
 * missed event cannot leave an old count in the report.
 */
import { on } from '../../lib/chrome-events.ts';
import { serial } from '../../lib/serial.ts';
import { defineFeature, describeError, type FeatureContext } from '../feature.ts';

const REREAD_MS = 3000;

export default defineFeature({
  id: 'displays',
  policyFields: [],
  init(ctx) {
    const read = serial(() => readDisplays(ctx));
    on(chrome.system.display.onDisplayChanged, () => void read(), ctx.signal);
    const timer = setInterval(() => void read(), REREAD_MS);
    ctx.signal.addEventListener('abort', () => clearInterval(timer), { once: true });
    return (async () => {
      await ctx.loaded;
      await read();
    })();
  },
});

async function readDisplays(ctx: FeatureContext): Promise<void> {
  try {
    const displays = await chrome.system.display.getInfo();
    ctx.status.update((s) => ({ ...s, displays: { count: displays.length } }));
  } catch (e) {
    // Not a check of ours (the agent decides what it means): the report says why there is no count.
    ctx.status.update((s) => ({ ...s, displays: { count: null, error: describeError(e).slice(0, 200) } }));
  }
}
