import { defineManifest } from '@crxjs/vite-plugin';
import pkg from '../package.json' with { type: 'json' };
import { EXTENSION_KEY, PRODUCT_NAME } from '../shared/constants.ts';
import { RAISE_HAND_COMMAND, RAISE_HAND_KEYS, TOOLBAR_TITLE } from './features/raise-hand/constants.ts';

export default defineManifest({
  manifest_version: 3,
  name: `${PRODUCT_NAME} exam lockdown`,
  short_name: PRODUCT_NAME,
  description:
    'Keeps an exam seat on the assessment site, turns password saving and autofill off, and reports it.',
  version: pkg.version,
  key: EXTENSION_KEY,
  minimum_chrome_version: '120',
  background: { service_worker: 'extension/background/index.ts', type: 'module' },
  action: {
    default_popup: 'extension/pages/popup/index.html',
    default_title: TOOLBAR_TITLE,
  },
  // Raise a hand without leaving the assessment (features/raise-hand). A centre can change the keys
  // in the browser's extension shortcut settings; the popup says which keys are set.
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
    // How many displays the browser sees, for the agent to compare with its own count.
    'system.display',
  ],
  host_permissions: ['<all_urls>'],
  // A new tab shows the way to the assessment, not Chromium's page with a search box.
  chrome_url_overrides: { newtab: 'extension/pages/newtab/index.html' },
  storage: { managed_schema: 'managed-schema.json' },
  declarative_net_request: {
    rule_resources: [{ id: 'default', enabled: true, path: 'rules/default.json' }],
  },
  web_accessible_resources: [
    // A blocked frame is redirected here; without this only top-level redirects would work. Nothing
    // else: a page that could load our pages (or their scripts) could fingerprint or frame them.
    { resources: ['extension/pages/blocked-frame/index.html'], matches: ['<all_urls>'] },
  ],
});
