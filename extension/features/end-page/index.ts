/**
 * The assessment's end page (issue 13, attempts): when the policy names an `endPageUrl`, a main-frame
 * page load whose address starts with it is the candidate finishing. The worker writes
 * `event/assessment-finished` with that address to the outbox, so it reaches the console like every
 * event (ids, acks, resent until stored). The console decides what it means: it finishes only this
 * seat's own candidate, once, and only while the seat is released (docs/protocol.md, 9.2).
 */
import { isEndPage } from '../../../shared/rules/policy.ts';
import { on } from '../../lib/chrome-events.ts';
import { browser } from '../../platform/index.ts';
import { defineFeature } from '../feature.ts';

/** The event schema's bound on the address (shared/schemas/events.ts). */
const MAX_URL = 2000;

export default defineFeature({
  id: 'end-page',
  policyFields: ['endPageUrl'],
  init(ctx) {
    on(
      browser.webNavigation.onCommitted,
      (d) => {
        if (d.frameId !== 0) return;
        const { policy } = ctx.policy.get();
        if (!isEndPage(d.url, policy.endPageUrl)) return;
        ctx
          .log({ type: 'event/assessment-finished', url: d.url.slice(0, MAX_URL) })
          .catch((e: unknown) => console.error('[invigil] end page', e));
      },
      ctx.signal,
    );
  },
});
