/**
 * Firefox. It names itself through `runtime.getBrowserInfo()`; of the privacy settings it lets an
 * extension read only password saving (autofill, translation and search suggestions are set by its
 * enterprise policy alone, which the agent reads back); it has no display API. Its policy refusals
 * (WebsiteFilter, BlockAboutConfig...) reach webNavigation.onErrorOccurred as NS_ERROR_BLOCKED_BY_POLICY.
 */
import browser from 'webextension-polyfill';
import { fromUserAgent, majorOf } from '../lib/browser-info.ts';
import type { Platform } from './types.ts';

/**
 * NS_ERROR_BLOCKED_BY_POLICY (0x80780003), as Firefox 153 writes it in onErrorOccurred's `error`
 * ("Error code 2155347971"); the name too, should a later version say it.
 */
const BLOCKED_BY_POLICY = /\b(2155347971|NS_ERROR_BLOCKED_BY_POLICY)\b/;

const POLICY_ONLY = 'and the Invigil agent checks that policy on this PC';

export const firefox: Platform = {
  target: 'firefox',
  name: 'Firefox',
  async browserInfo() {
    const userAgent = navigator.userAgent.slice(0, 500);
    const info = await browser.runtime.getBrowserInfo().catch(() => undefined);
    if (!info || !/firefox/i.test(info.name)) return fromUserAgent(userAgent);
    return {
      name: 'firefox',
      version: info.version.slice(0, 64),
      major: majorOf(info.version),
      versionSource: 'browser-info',
      userAgent,
    };
  },
  privacySettings: () => ({ passwordSaving: browser.privacy.services.passwordSavingEnabled }),
  unprovable: {
    autofill: `Firefox gives extensions no way to read its autofill settings, so the extension cannot prove that autofill is off: Firefox's enterprise policy turns address and card autofill off (AutofillAddressEnabled, AutofillCreditCardEnabled), ${POLICY_ONLY}.`,
    'browser-services': `Firefox gives extensions no way to read translation or search suggestions (and it has no online spelling service), so the extension cannot prove they are off: Firefox's enterprise policy turns them off, ${POLICY_ONLY}.`,
    displays:
      "Firefox gives extensions no way to count displays, so the browser's count cannot be compared with the agent's: the agent's own count decides.",
  },
  displays: null,
  refusedByPolicy: (error) => error !== undefined && BLOCKED_BY_POLICY.test(error),
  // Firefox names the page that made a request by its address (originUrl), not by an origin.
  initiator(d) {
    if (d.initiator) return d.initiator;
    try {
      return d.originUrl ? new URL(d.originUrl).origin : undefined;
    } catch {
      return undefined;
    }
  },
  // A new tab shows our page (chrome_url_overrides) under the address about:newtab.
  ownBrowserUrls: ['about:newtab'],
  everyWindowFilter: [],
  storePages: [{ host: 'addons.mozilla.org', path: '/' }],
};
