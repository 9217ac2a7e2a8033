/**
 * Messages from the extension's own pages to the worker, one schema for the channel (after
 * Bitwarden's messaging; `PageMessageSchema` in schemas.ts): anything that fails it is dropped. Who
 * may send is decided by `trustedSender`, by extension id and origin, never by URL (after uBlock
 * Origin Lite and Bitwarden).
 */
import type { PageMessage } from './schemas.ts';

export type { PageMessage };
export type PageMessageType = PageMessage['type'];

export interface SenderLike {
  id?: string;
  origin?: string;
  url?: string;
  tab?: unknown;
}

/**
 * Only our own pages: the sender's extension id is ours and its origin is our extension origin
 * (`chrome-extension://<id>` in Chromium; `moz-extension://<this installation's uuid>` in Firefox,
 * which the browser sets from the sending document). A content script (which we do not have, but an
 * attacker-controlled page could host one of ours one day) carries our id with a web origin, and is
 * refused.
 */
export function trustedSender(
  sender: SenderLike,
  ownId: string,
  ownOrigin = `chrome-extension://${ownId}`,
): boolean {
  return sender.id === ownId && sender.origin === ownOrigin;
}
