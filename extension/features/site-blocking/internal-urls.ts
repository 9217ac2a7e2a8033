/**
 * Which top-level URLs the tab watcher must take away from the candidate. declarativeNetRequest
 * covers http(s) pages and frames, but it cannot see the browser's own pages (settings, passwords,
 * extensions, flags, about:config, view-source:, file:, other extensions' pages) nor touch the
 * extension stores, which each browser protects from every extension. Pure, so that it is unit-tested.
 */
import { platform } from '../../platform/index.ts';

export type UrlClass =
  /** An http(s) page: declarativeNetRequest decides. */
  | 'web'
  /** One of this extension's own pages (blocked, hold, message, new tab). */
  | 'own'
  /** A blank page: a tab or frame that has not navigated yet. */
  | 'blank'
  /** Anything else: taken to the blocked page and logged. */
  | 'internal';

/** What differs per browser (platform/): its new-tab address and its extension store. */
export interface BrowserPages {
  /** The new-tab page is ours (chrome_url_overrides), though the tab may report it as chrome://newtab/. */
  own: readonly string[];
  /** Store pages where no extension may act: only a tab watcher can keep the candidate out. */
  stores: readonly { host: string; path: string }[];
}

const THIS_BROWSER: BrowserPages = { own: platform.ownBrowserUrls, stores: platform.storePages };

export function classifyUrl(url: string, ownOrigin: string, pages: BrowserPages = THIS_BROWSER): UrlClass {
  if (url === '' || url === 'about:blank' || url === 'about:srcdoc') return 'blank';
  if (url.startsWith(`${ownOrigin}/`)) return 'own';
  if (pages.own.includes(url)) return 'own';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'internal';
  }
  switch (parsed.protocol) {
    case 'http:':
    case 'https:':
      return isStorePage(parsed, pages.stores) ? 'internal' : 'web';
    case 'blob:': {
      // A blob belongs to the page that made it: what DNR let load. An opaque one (from data:) does not.
      const inner = url.slice('blob:'.length);
      return /^https?:\/\//i.test(inner) ? classifyUrl(inner, ownOrigin, pages) : 'internal';
    }
    default:
      // chrome:, edge:, about: (Firefox's settings, add-ons, passwords...), view-source:, file:,
      // devtools:, data:, filesystem:, other extensions...
      return 'internal';
  }
}

function isStorePage(url: URL, stores: BrowserPages['stores']): boolean {
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  return stores.some((s) => host === s.host && url.pathname.startsWith(s.path));
}
