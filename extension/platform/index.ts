/**
 * The browser adapter. Features and pages take the extension API from here: `browser`, one
 * promise-based `browser.*` API for both builds (webextension-polyfill: Firefox's own object there,
 * Chromium's `chrome.*` behind it here), and `platform`, the few things the browsers do differently
 * (types.ts). The build picks the platform (`__INVIGIL_BROWSER__`, vite.config.ts), so each build
 * carries only its own.
 */
import browser from 'webextension-polyfill';
import { chromium } from './chromium.ts';
import { firefox } from './firefox.ts';
import type { Platform } from './types.ts';

declare const __INVIGIL_BROWSER__: 'chromium' | 'firefox';

export const platform: Platform =
  typeof __INVIGIL_BROWSER__ !== 'undefined' && __INVIGIL_BROWSER__ === 'firefox' ? firefox : chromium;

/** This extension's own origin (`chrome-extension://<id>`, `moz-extension://<random uuid>`). */
export function ownOrigin(): string {
  return browser.runtime.getURL('').replace(/\/$/, '');
}

export type { BrowserInfo, Platform, Unprovable } from './types.ts';
export { browser };
