/** The extension's own pages, and how the worker marks navigations it made itself. */
export const PAGES = {
  blocked: '/extension/pages/blocked/index.html',
  /** A static note in place of a blocked frame: the one page web pages may load (web_accessible_resources). */
  blockedFrame: '/extension/pages/blocked-frame/index.html',
  hold: '/extension/pages/hold/index.html',
  message: '/extension/pages/message/index.html',
  newtab: '/extension/pages/newtab/index.html',
  popup: '/extension/pages/popup/index.html',
} as const;

/**
 * Query parameter on pages the worker opened itself (it has logged the attempt already), so the
 * navigation watcher does not log them a second time. The DNR redirects never carry it.
 */
export const BY_WORKER = 'by=worker';

export type BlockReason = 'not-allowed' | 'browser-internal' | 'held';

export function pageUrl(path: string): string {
  return chrome.runtime.getURL(path);
}

/** The blocked page for a URL the worker itself turned away (a browser internal page). */
export function blockedPageUrl(blockedUrl: string, reason: BlockReason): string {
  return `${pageUrl(PAGES.blocked)}?${BY_WORKER}&reason=${reason}#${blockedUrl}`;
}
