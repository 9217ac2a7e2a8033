/**
 * Which top-level URLs the tab watcher must take away from the candidate. declarativeNetRequest
 * covers http(s) pages and frames, but it cannot see the browser's own pages (settings, passwords,
 * extensions, flags, view-source:, file:, other extensions' pages) nor touch the extension stores,
 * which Chromium protects from every extension. Pure, so that it is unit-tested.
 */

export type UrlClass =
  /** An http(s) page: declarativeNetRequest decides. */
  | 'web'
  /** One of this extension's own pages (blocked, hold, message, new tab). */
  | 'own'
  /** A blank page: a tab or frame that has not navigated yet. */
  | 'blank'
  /** Anything else: taken to the blocked page and logged. */
  | 'internal';

/** Store pages where no extension may act: only a tab watcher can keep the candidate out. */
const STORE_PAGES: readonly { host: string; path: string }[] = [
  { host: 'chromewebstore.google.com', path: '/' },
  { host: 'chrome.google.com', path: '/webstore' },
  { host: 'microsoftedge.microsoft.com', path: '/addons' },
];

/** The new-tab page is ours (chrome_url_overrides), though the tab may report it as chrome://newtab/. */
const OWN_BROWSER_URLS = new Set(['chrome://newtab/', 'edge://newtab/']);

export function classifyUrl(url: string, ownOrigin: string): UrlClass {
  if (url === '' || url === 'about:blank' || url === 'about:srcdoc') return 'blank';
  if (url.startsWith(`${ownOrigin}/`)) return 'own';
  if (OWN_BROWSER_URLS.has(url)) return 'own';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'internal';
  }
  switch (parsed.protocol) {
    case 'http:':
    case 'https:':
      return isStorePage(parsed) ? 'internal' : 'web';
    case 'blob:': {
      // A blob belongs to the page that made it: what DNR let load. An opaque one (from data:) does not.
      const inner = url.slice('blob:'.length);
      return /^https?:\/\//i.test(inner) ? classifyUrl(inner, ownOrigin) : 'internal';
    }
    default:
      // chrome:, edge:, view-source:, file:, devtools:, data:, filesystem:, other extensions...
      return 'internal';
  }
}

function isStorePage(url: URL): boolean {
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  return STORE_PAGES.some((s) => host === s.host && url.pathname.startsWith(s.path));
}
