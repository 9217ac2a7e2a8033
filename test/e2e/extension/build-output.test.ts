/**
 * What `npm run build` ships: the parts that protect the seat before the service worker has run
 * (the static ruleset) and the managed schema IT's policy is checked against.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { defaultRuleset } from '../../../extension/features/site-blocking/rules.ts';
import { EXTENSION_ID, EXTENSION_KEY } from '../../../shared/constants.ts';
import { chromeManagedSchema, POLICY_FIELDS } from '../../../shared/schemas/policy.ts';
import { EXTENSION_DIR } from '../../helpers/chromium.ts';

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
  // A blocked frame can only be redirected to a web-accessible page.
  expect(manifest.web_accessible_resources[0].resources).toContain('extension/pages/blocked/index.html');
  for (const page of ['blocked', 'hold', 'message', 'newtab', 'popup']) {
    expect(readFileSync(join(EXTENSION_DIR, `extension/pages/${page}/index.html`), 'utf8')).toContain(
      '<script',
    );
  }
});
