/**
 * The worker's end of the page channel, in trust tiers (after uBlock Origin Lite):
 *   anyone        nothing: there is no onMessageExternal listener, so web pages and other
 *                 extensions cannot reach the worker at all;
 *   our pages     messages from our own id and origin, validated against PageMessageSchema;
 *   after init    every handler runs once the features have started (a page opened while the
 *                 worker starts waits for it rather than getting half a report).
 */
import { on } from '../lib/chrome-events.ts';
import { type PageMessage, type PageMessageType, trustedSender } from '../lib/page-messages.ts';
import { check } from '../lib/validate.ts';

export type PageHandler<T extends PageMessageType> = (
  message: Extract<PageMessage, { type: T }>,
  sender: chrome.runtime.MessageSender,
) => unknown;

export type PageReply = { ok: true; result: unknown } | { ok: false; error: string };

export class PageMessages {
  readonly #handlers = new Map<PageMessageType, PageHandler<PageMessageType>>();

  handle<T extends PageMessageType>(type: T, handler: PageHandler<T>, signal: AbortSignal): void {
    this.#handlers.set(type, handler as unknown as PageHandler<PageMessageType>);
    signal.addEventListener('abort', () => this.#handlers.delete(type), { once: true });
  }

  listen(ready: Promise<unknown>, signal: AbortSignal): void {
    on(
      chrome.runtime.onMessage,
      (raw: unknown, sender: chrome.runtime.MessageSender, reply: (r: PageReply) => void) => {
        if (!trustedSender(sender, chrome.runtime.id)) {
          console.warn('[invigil] refused a message from', sender.origin ?? sender.id ?? 'an unknown sender');
          return false;
        }
        const parsed = check('pageMessage', raw);
        if (!parsed.ok) {
          reply({ ok: false, error: `not a message the worker accepts: ${parsed.error}` });
          return false;
        }
        const message = parsed.value;
        const handler = this.#handlers.get(message.type);
        if (!handler) {
          reply({ ok: false, error: `nothing handles ${message.type}` });
          return false;
        }
        ready
          .then(() => handler(message, sender))
          .then(
            (result) => reply({ ok: true, result }),
            (e: unknown) => reply({ ok: false, error: e instanceof Error ? e.message : String(e) }),
          );
        return true; // the reply comes asynchronously
      },
      signal,
    );
  }
}
