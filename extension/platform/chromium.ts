/**
 * Chrome, Edge and Chromium. The full version comes from User-Agent Client Hints (the user-agent
 * string carries the major only); every privacy setting and the display count have an API.
 */
import type { Types } from 'webextension-polyfill';
import { fromUserAgent, majorOf } from '../lib/browser-info.ts';
import { on } from '../lib/chrome-events.ts';
import type { BrowserInfo, Platform } from './types.ts';

interface BrandVersion {
  brand: string;
  version: string;
}
interface UserAgentData {
  brands?: BrandVersion[];
  getHighEntropyValues?(hints: string[]): Promise<{ fullVersionList?: BrandVersion[] }>;
}

const BRANDS: readonly [string, BrowserInfo['name']][] = [
  ['Microsoft Edge', 'edge'],
  ['Google Chrome', 'chrome'],
  ['Chromium', 'chromium'],
];

/** What Chromium reports when its URLBlocklist policy refused a navigation. */
export const BLOCKED_BY_ADMINISTRATOR = 'net::ERR_BLOCKED_BY_ADMINISTRATOR';

export async function chromiumBrowserInfo(nav: Navigator = navigator): Promise<BrowserInfo> {
  const userAgent = nav.userAgent.slice(0, 500);
  const ua = (nav as Navigator & { userAgentData?: UserAgentData }).userAgentData;
  const full = await ua?.getHighEntropyValues?.(['fullVersionList']).catch(() => undefined);
  for (const list of [full?.fullVersionList, ua?.brands]) {
    for (const [brand, name] of BRANDS) {
      const found = list?.find((b) => b.brand === brand);
      if (!found) continue;
      // Low-entropy brands carry the major only, like the user-agent string.
      return {
        name,
        version: found.version.slice(0, 64),
        major: majorOf(found.version),
        versionSource: 'client-hints',
        userAgent,
      };
    }
  }
  return fromUserAgent(userAgent);
}

export const chromium: Platform = {
  target: 'chromium',
  name: 'Chromium',
  browserInfo: () => chromiumBrowserInfo(),
  privacySettings() {
    // chrome.privacy.services has them all (the polyfill's types know Firefox's one).
    const s = chrome.privacy.services as unknown as Record<string, Types.Setting | undefined>;
    return {
      passwordSaving: s.passwordSavingEnabled,
      autofillAddress: s.autofillAddressEnabled,
      autofillCreditCard: s.autofillCreditCardEnabled,
      translationService: s.translationServiceEnabled,
      spellingService: s.spellingServiceEnabled,
      searchSuggest: s.searchSuggestEnabled,
    };
  },
  unprovable: {},
  displays: {
    count: async () => (await chrome.system.display.getInfo()).length,
    listen: (fn, signal) => on(chrome.system.display.onDisplayChanged, fn, signal),
  },
  refusedByPolicy: (error) => error === BLOCKED_BY_ADMINISTRATOR,
  initiator: (d) => d.initiator,
  ownBrowserUrls: ['chrome://newtab/', 'edge://newtab/'],
  everyWindowFilter: [{ windowTypes: ['normal', 'popup', 'panel', 'app', 'devtools'] }],
  storePages: [
    { host: 'chromewebstore.google.com', path: '/' },
    { host: 'chrome.google.com', path: '/webstore' },
    { host: 'microsoftedge.microsoft.com', path: '/addons' },
  ],
};
