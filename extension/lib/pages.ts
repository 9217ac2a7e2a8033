/**
 * The extension's own pages, and how the worker marks navigations it made itself. No browser API
 * here: the build (vite.config.ts) and the rules (site-blocking/rules.ts) read these in Node too.
 */
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
