/**
 * The manifest of each build, from one description: Chromium (Chrome, Edge, Chromium) and Firefox
 * differ only where the browsers do (how the extension is identified, how its background runs, the
 * permissions each browser knows, and which of our pages a redirect may reach).
 */
import { defineManifest } from '@crxjs/vite-plugin';
import pkg from '../package.json' with { type: 'json' };
import { FIREFOX_EXTENSION_ID } from '../shared/catalogs/browser-policy.ts';
import { EXTENSION_KEY, PRODUCT_NAME } from '../shared/constants.ts';
import { RAISE_HAND_COMMAND, RAISE_HAND_KEYS, TOOLBAR_TITLE } from './features/raise-hand/constants.ts';

export type BuildTarget = 'chromium' | 'firefox';

/** The Firefox ESR the Firefox build is tested on (test/e2e/firefox/); older ones refuse to install it. */
export const FIREFOX_MIN_VERSION = '153.0';

const BLOCKED_FRAME = 'extension/pages/blocked-frame/index.html';

export function manifestFor(target: BuildTarget) {
  const firefox = target === 'firefox';
  return defineManifest({
    manifest_version: 3,
    name: `${PRODUCT_NAME} exam lockdown`,
    short_name: PRODUCT_NAME,
    description:
      'Keeps an exam seat on the assessment site, turns password saving and autofill off, and reports it.',
    version: pkg.version,
    ...(firefox
      ? {
          browser_specific_settings: {
            gecko: {
              id: FIREFOX_EXTENSION_ID,
              strict_min_version: FIREFOX_MIN_VERSION,
              // What leaves the browser: the addresses the candidate tried to open (and which were
              // blocked) go to the centre's own Invigil agent and console. Firefox asks every new add-on
              // to declare this; addons.mozilla.org refuses to sign one that does not.
              data_collection_permissions: { required: ['browsingActivity'] },
            },
          },
        }
      : { key: EXTENSION_KEY, minimum_chrome_version: '120' }),
    // Firefox runs an extension's background as an event page (a document), not a service worker.
    background: firefox
      ? { scripts: ['extension/background/index.ts'], type: 'module' }
      : { service_worker: 'extension/background/index.ts', type: 'module' },
    action: {
      default_popup: 'extension/pages/popup/index.html',
      default_title: TOOLBAR_TITLE,
    },
    // Raise a hand without leaving the assessment (features/raise-hand). A centre can change the keys
    // in the browser's extension shortcut settings; the pages say which keys are set.
    commands: {
      [RAISE_HAND_COMMAND]: {
        suggested_key: { default: RAISE_HAND_KEYS, mac: RAISE_HAND_KEYS },
        description: 'Raise your hand: ask the invigilator to come to you',
      },
    },
    permissions: [
      'declarativeNetRequest',
      'declarativeNetRequestWithHostAccess',
      'storage',
      'tabs',
      'webNavigation',
      'privacy',
      'management',
      'downloads',
      'nativeMessaging',
      'alarms',
      // Requests redirected by our rules (the only source of blocked-frame incidents) and the hosts
      // the assessment pages' other requests reach: observed, never blocked or changed here.
      'webRequest',
      // How many displays the browser sees, for the agent to compare with its own count. Firefox has
      // no such API (the report says the browser cannot count them).
      ...(firefox ? [] : ['system.display']),
    ],
    host_permissions: ['<all_urls>'],
    // A new tab shows the way to the assessment, not the browser's page with a search box.
    chrome_url_overrides: { newtab: 'extension/pages/newtab/index.html' },
    // Chromium checks IT's managed configuration against this schema; Firefox takes it from
    // policies.json (`3rdparty.Extensions`) as it is, and the extension validates it either way.
    ...(firefox ? {} : { storage: { managed_schema: 'managed-schema.json' } }),
    declarative_net_request: {
      rule_resources: [{ id: 'default', enabled: true, path: 'rules/default.json' }],
    },
    web_accessible_resources: firefox
      ? [
          // Firefox lets a rule redirect a page only to a page of ours that is web-accessible (the
          // blocked and holding pages too, not just the frame note). Their addresses carry this
          // installation's random id, which no web page can know.
          {
            resources: [
              BLOCKED_FRAME,
              'extension/pages/blocked/index.html',
              'extension/pages/hold/index.html',
            ],
            matches: ['<all_urls>'],
          },
        ]
      : [
          // A blocked frame is redirected here; without this only top-level redirects would work. Nothing
          // else: a page that could load our pages (or their scripts) could fingerprint or frame them.
          { resources: [BLOCKED_FRAME], matches: ['<all_urls>'] },
        ],
  });
}

export default manifestFor('chromium');
