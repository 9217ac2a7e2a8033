/**
 * What `npm run build` ships: the parts that protect the seat before the service worker has run
 * (the static ruleset) and the managed schema IT's policy is checked against.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { defaultRuleset } from '../../../extension/features/site-blocking/rules.ts';
import { FIREFOX_MIN_VERSION } from '../../../extension/manifest.ts';
import { FIREFOX_EXTENSION_ID } from '../../../shared/catalogs/browser-policy.ts';
import { EXTENSION_ID, EXTENSION_KEY } from '../../../shared/constants.ts';
import { chromeManagedSchema, POLICY_FIELDS } from '../../../shared/schemas/policy.ts';
import { EXTENSION_DIR } from '../../helpers/chromium.ts';

const FIREFOX_EXTENSION_DIR = resolve(import.meta.dirname, '../../../dist/extension-firefox');
const read = (path: string) => JSON.parse(readFileSync(join(EXTENSION_DIR, path), 'utf8'));

test('the default allowlist is enforced by a static ruleset, enabled before the worker runs', () => {
  const manifest = read('manifest.json');
  expect(manifest.declarative_net_request.rule_resources).toEqual([
    { id: 'default', enabled: true, path: 'rules/default.json' },
  ]);
  expect(read('rules/default.json')).toEqual(defaultRuleset());
  expect(JSON.stringify(read('rules/default.json'))).toContain(`chrome-extension://${EXTENSION_ID}/`);
});

test('the manifest carries the fixed key, the managed schema and the pages the rules redirect to', () => {
  const manifest = read('manifest.json');
  expect(manifest.key).toBe(EXTENSION_KEY);
  expect(manifest.storage.managed_schema).toBe('managed-schema.json');
  expect(read('managed-schema.json')).toEqual(chromeManagedSchema());
  expect(Object.keys(read('managed-schema.json').properties)).toEqual(POLICY_FIELDS);
  expect(manifest.chrome_url_overrides.newtab).toBe('extension/pages/newtab/index.html');
  // A blocked frame can only be redirected to a web-accessible page; that static note is the only one,
  // so a web page can load nothing else of ours (no script, no page to fake an attempt with).
  expect(manifest.web_accessible_resources).toEqual([
    {
      resources: ['extension/pages/blocked-frame/index.html'],
      matches: ['<all_urls>'],
      use_dynamic_url: false,
    },
  ]);
  expect(readFileSync(join(EXTENSION_DIR, 'extension/pages/blocked-frame/index.html'), 'utf8')).not.toContain(
    '<script',
  );
  for (const page of ['blocked', 'hold', 'message', 'newtab', 'popup']) {
    expect(readFileSync(join(EXTENSION_DIR, `extension/pages/${page}/index.html`), 'utf8')).toContain(
      '<script',
    );
  }
});

test('the extension ships JSON Schema, not a schema library, and stays within its size budget', () => {
  const scripts = readdirSync(join(EXTENSION_DIR, 'assets'))
    .filter((f) => f.endsWith('.js'))
    .map((f) => readFileSync(join(EXTENSION_DIR, 'assets', f), 'utf8'))
    .join('\n');
  // zod's own error text: present in any bundle that carries it.
  expect(scripts).not.toContain('Invalid input');
  expect(scripts).toContain('https://json-schema.org/draft/2020-12/schema');
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
    );
  const bytes = files(EXTENSION_DIR).reduce((sum, f) => sum + statSync(f).size, 0);
  expect(bytes).toBeLessThanOrEqual(160 * 1024);
});

describe('the Firefox build (dist/extension-firefox), from the same source', () => {
  const readFf = (path: string) => JSON.parse(readFileSync(join(FIREFOX_EXTENSION_DIR, path), 'utf8'));

  test('names its add-on id and the ESR it is tested on, and runs its background as an event page', () => {
    const manifest = readFf('manifest.json');
    expect(manifest.browser_specific_settings.gecko.id).toBe(FIREFOX_EXTENSION_ID);
    expect(manifest.browser_specific_settings.gecko.strict_min_version).toBe(FIREFOX_MIN_VERSION);
    expect(manifest.background.service_worker).toBeUndefined();
    expect(manifest.background.scripts).toHaveLength(1);
    // Chromium's key and managed schema, and the display API Firefox lacks, stay out.
    expect(manifest.key).toBeUndefined();
    expect(manifest.storage).toBeUndefined();
    expect(manifest.permissions).not.toContain('system.display');
    expect(manifest.permissions).toEqual(
      expect.arrayContaining([
        'declarativeNetRequest',
        'privacy',
        'management',
        'downloads',
        'nativeMessaging',
      ]),
    );
    expect(manifest.manifest_version).toBe(3);
    expect(manifest.version).toBe(read('manifest.json').version);
  });

  test('its static ruleset is the same allowlist, reaching our pages by path (the origin is random per install)', () => {
    expect(readFf('rules/default.json')).toEqual(defaultRuleset('firefox'));
    expect(JSON.stringify(readFf('rules/default.json'))).not.toContain('extension://');
  });

  test('it carries only its own adapter: no Chromium-only API in its scripts, and the same pages', () => {
    const scripts = readdirSync(join(FIREFOX_EXTENSION_DIR, 'assets'))
      .filter((f) => f.endsWith('.js'))
      .map((f) => readFileSync(join(FIREFOX_EXTENSION_DIR, 'assets', f), 'utf8'))
      .join('\n');
    expect(scripts).not.toContain('system.display');
    expect(scripts).toContain('getBrowserInfo');
    for (const page of ['blocked', 'hold', 'message', 'newtab', 'popup']) {
      expect(existsSync(join(FIREFOX_EXTENSION_DIR, `extension/pages/${page}/index.html`))).toBe(true);
    }
  });
});
