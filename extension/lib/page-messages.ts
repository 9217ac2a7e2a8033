/**
 * Messages from the extension's own pages to the worker, one schema for the channel (after
 * Bitwarden's messaging): anything that fails it is dropped. Who may send is decided by
 * `trustedSender`, by extension id and origin, never by URL (after uBlock Origin Lite and Bitwarden).
 */
import { z } from 'zod';
import { IdSchema } from '../../shared/schemas/common.ts';

export const PageMessageSchema = z.discriminatedUnion('type', [
  /** The popup asks for a fresh compliance report. */
  z.object({ type: z.literal('report/get') }),
  /** The message page has shown the invigilator's message: the worker acknowledges it to the agent. */
  z.object({ type: z.literal('message/shown'), instructionId: IdSchema }),
]);
export type PageMessage = z.infer<typeof PageMessageSchema>;
export type PageMessageType = PageMessage['type'];

export interface SenderLike {
  id?: string;
  origin?: string;
  url?: string;
  tab?: unknown;
}

/**
 * Only our own pages: the sender's extension id is ours and its origin is our extension origin.
 * A content script (which we do not have, but an attacker-controlled page could host one of ours
 * one day) carries our id with a web origin, and is refused.
 */
export function trustedSender(sender: SenderLike, ownId: string): boolean {
  return sender.id === ownId && sender.origin === `chrome-extension://${ownId}`;
}
