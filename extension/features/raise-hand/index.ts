/**
 * Raise a hand without leaving the assessment: the Raise hand button on our pages and the toolbar
 * popup (page message `hand/raise`), or the keyboard shortcut (the manifest's `raise-hand` command).
 * The worker writes `event/hand-raised` to the outbox (so it reaches the console like every event),
 * remembers the hand for the pages, and marks the toolbar button so a candidate who used the
 * shortcut sees that it worked. A repeat within HAND_REPEAT_MS is the same hand: nothing is sent.
 */
import { PRODUCT_NAME } from '../../../shared/constants.ts';
import { on } from '../../lib/chrome-events.ts';
import { type HandState, KEYS, readStored, writeStored } from '../../lib/stored.ts';
import { browser } from '../../platform/index.ts';
import { defineFeature, type FeatureContext } from '../feature.ts';
import { HAND_REPEAT_MS, HAND_SHOWN_MS, RAISE_HAND_COMMAND, TOOLBAR_TITLE } from './constants.ts';

export default defineFeature({
  id: 'raise-hand',
  policyFields: [],
  init(ctx) {
    let queue: Promise<unknown> = Promise.resolve();
    // One raise at a time: two presses in the same instant must not both find no earlier hand.
    const raise = (via: HandState['via']): Promise<HandState> => {
      const next = queue.then(() => raiseHand(ctx, via));
      queue = next.catch(() => undefined);
      return next;
    };
    on(
      browser.commands.onCommand,
      (command: string) => {
        if (command !== RAISE_HAND_COMMAND) return;
        raise('shortcut').catch((e: unknown) => console.error('[invigil] raise hand', e));
      },
      ctx.signal,
    );
    ctx.onPageMessage('hand/raise', () => raise('button'), ctx.signal);
    void ctx.loaded.then(async () => showOnToolbar(await readStored(KEYS.hand).catch(() => undefined)));
  },
});

/** Sends the hand unless one was raised moments ago; either way answers with the hand now raised. */
export async function raiseHand(
  ctx: Pick<FeatureContext, 'log'>,
  via: HandState['via'],
  now = new Date(),
): Promise<HandState> {
  const last = await readStored(KEYS.hand).catch(() => undefined);
  if (last && isRepeat(last, now)) return last;
  // The outbox first: if it cannot be written, the candidate is told (the page shows the error).
  await ctx.log({ type: 'event/hand-raised', via }, now);
  const hand: HandState = { raisedAt: now.toISOString(), via };
  await writeStored(KEYS.hand, hand);
  showOnToolbar(hand, now);
  return hand;
}

export function isRepeat(last: HandState, now: Date): boolean {
  const since = now.getTime() - Date.parse(last.raisedAt);
  return since >= 0 && since < HAND_REPEAT_MS;
}

let clearTimer: ReturnType<typeof setTimeout> | undefined;

function showOnToolbar(hand: HandState | undefined, now = new Date()): void {
  clearTimeout(clearTimer);
  const left = hand ? Date.parse(hand.raisedAt) + HAND_SHOWN_MS - now.getTime() : 0;
  if (!hand || left <= 0) {
    void browser.action.setBadgeText({ text: '' });
    void browser.action.setTitle({ title: TOOLBAR_TITLE });
    return;
  }
  const clock = new Date(hand.raisedAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  void browser.action.setBadgeBackgroundColor({ color: '#b45309' });
  void browser.action.setBadgeText({ text: 'HAND' });
  void browser.action.setTitle({
    title: `${PRODUCT_NAME}: your hand is raised (${clock}). The invigilator will come to you.`,
  });
  clearTimer = setTimeout(() => showOnToolbar(undefined), left);
}
