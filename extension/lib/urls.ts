/** Addresses of the extension's own pages (their paths are in pages.ts). */
import { browser } from '../platform/index.ts';
import { type BlockReason, BY_WORKER, PAGES } from './pages.ts';

export { type BlockReason, BY_WORKER, PAGES };

export function pageUrl(path: string): string {
  return browser.runtime.getURL(path);
}

/** The blocked page for a URL the worker itself turned away (a browser internal page). */
export function blockedPageUrl(blockedUrl: string, reason: BlockReason): string {
  return `${pageUrl(PAGES.blocked)}?${BY_WORKER}&reason=${reason}#${blockedUrl}`;
}
