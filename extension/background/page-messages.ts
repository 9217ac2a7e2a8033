/**
 * The worker's end of the page channel, in trust tiers (after uBlock Origin Lite):
 *   anyone        nothing: there is no onMessageExternal listener, so web pages and other
 *                 extensions cannot reach the worker at all;
 *   our pages     messages from our own id and origin, validated against PageMessageSchema;
 *   after init    every handler runs once the features have started (a page opened while the
 *                 worker starts waits for it rather than getting half a report).
 */

import type { Runtime } from 'webextension-polyfill';
import { on } from '../lib/chrome-events.ts';
import { type PageMessage, type PageMessageType, trustedSender } from '../lib/page-messages.ts';
import { check } from '../lib/validate.ts';
import { browser, ownOrigin } from '../platform/index.ts';

export type PageHandler<T extends PageMessageType> = (
  message: Extract<PageMessage, { type: T }>,
  sender: Runtime.MessageSender,
) => unknown;

export type PageReply = { ok: true; result: unknown } | { ok: false; error: string };

export class PageMessages {
  readonly #handlers = new Map<PageMessageType, PageHandler<PageMessageType>>();

  handle<T extends PageMessageType>(type: T, handler: PageHandler<T>, signal: AbortSignal): void {
    this.#handlers.set(type, handler as unknown as PageHandler<PageMessageType>);
    signal.addEventListener('abort', () => this.#handlers.delete(type), { once: true });
  }

  listen(ready: Promise<unknown>, signal: AbortSignal): void {
    // The reply is the promise's value (one promise-based API in both browsers). A refused sender gets
    // none at all: returning nothing tells the browser this listener does not answer.
    const listener = (raw: unknown, sender: Runtime.MessageSender): Promise<PageReply> | undefined => {
      // Both browsers set `origin` from the sending document (the polyfill's types leave it out).
      if (!trustedSender(sender, browser.runtime.id, ownOrigin())) {
        const from = (sender as { origin?: string }).origin ?? sender.id ?? 'an unknown sender';
        console.warn('[invigil] refused a message from', from);
        return undefined;
      }
      return this.#answer(raw, sender, ready);
    };
    on(browser.runtime.onMessage, listener, signal);
  }

  async #answer(raw: unknown, sender: Runtime.MessageSender, ready: Promise<unknown>): Promise<PageReply> {
    const parsed = check('pageMessage', raw);
    if (!parsed.ok) return { ok: false, error: `not a message the worker accepts: ${parsed.error}` };
    const message = parsed.value;
    const handler = this.#handlers.get(message.type);
    if (!handler) return { ok: false, error: `nothing handles ${message.type}` };
    try {
      await ready;
      return { ok: true, result: await handler(message, sender) };
    } catch (e) {
      return { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  }
}
