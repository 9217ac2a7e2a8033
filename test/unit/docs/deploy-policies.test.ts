/**
 * docs/deploy.md names every browser policy `invigil policy` writes, for every browser, and every
 * policy a centre may relax, so the guide for IT cannot fall behind the list.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test } from 'vitest';
import {
  BROWSER_POLICIES,
  browserPolicyName,
  RELAXABLE_POLICIES,
} from '../../../shared/catalogs/browser-policy.ts';
import { FIREFOX_POLICIES } from '../../../shared/catalogs/firefox-policy.ts';

const guide = readFileSync(resolve(import.meta.dirname, '../../../docs/deploy.md'), 'utf8');

test('every Chrome, Chromium and Edge policy is in the deployment guide, under its own names', () => {
  const missing = BROWSER_POLICIES.flatMap((p) => [p.key, browserPolicyName('edge', p.key)]).filter(
    (name) => !guide.includes(`\`${name}\``),
  );
  expect(missing).toEqual([]);
});

test('every Firefox policy is in the deployment guide', () => {
  const missing = FIREFOX_POLICIES.map((p) => p.key)
    .filter((k) => k !== '3rdparty')
    .filter((name) => !guide.includes(`\`${name}\``));
  expect(missing).toEqual([]);
});

test('the relax section lists exactly the policies a centre may relax', () => {
  const section = guide.slice(guide.indexOf('#### Relaxing a policy'), guide.indexOf('## 2. Windows'));
  for (const name of RELAXABLE_POLICIES) expect(section, name).toContain(`\`${name}\``);
});
