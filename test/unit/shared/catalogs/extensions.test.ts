import { describe, expect, test } from 'vitest';
import {
  identifyPasswordManager,
  PASSWORD_MANAGER_EXTENSIONS,
} from '../../../../shared/catalogs/extensions.ts';

describe('password-manager extensions are recognised', () => {
  test('by Chrome Web Store id, for every product in the catalog', () => {
    for (const entry of PASSWORD_MANAGER_EXTENSIONS) {
      for (const id of entry.ids) {
        expect(identifyPasswordManager({ id, name: 'Renamed extension' })).toEqual({
          product: entry.product,
          by: 'id',
        });
      }
    }
  });

  test('the catalog has the products the awarding body cares about, each with a name to match', () => {
    const products = PASSWORD_MANAGER_EXTENSIONS.map((e) => e.product);
    for (const p of [
      '1Password',
      'Bitwarden',
      'LastPass',
      'Dashlane',
      'Keeper',
      'NordPass',
      'RoboForm',
      'Enpass',
    ]) {
      expect(products).toContain(p);
    }
    expect(products).toContain('KeePassXC-Browser');
    expect(products).toContain('Proton Pass');
    for (const e of PASSWORD_MANAGER_EXTENSIONS) expect(e.names?.length).toBeGreaterThan(0);
    for (const e of PASSWORD_MANAGER_EXTENSIONS) for (const id of e.ids) expect(id).toMatch(/^[a-p]{32}$/);
  });

  test.each([
    ['Bitwarden Password Manager', 'Bitwarden'],
    ['1Password – Password Manager', '1Password'],
    ['LastPass: Free Password Manager', 'LastPass'],
    ['Keeper® Password Manager & Digital Vault', 'Keeper'],
    ['KeePassXC-Browser', 'KeePassXC-Browser'],
    ['Proton Pass: Free Password Manager', 'Proton Pass'],
    ['NordPass® Password Manager & Digital Wallet', 'NordPass'],
    ['Dashlane — Password Manager', 'Dashlane'],
  ])('by name, for builds whose id we cannot know: "%s" is %s', (name, product) => {
    expect(identifyPasswordManager({ id: 'abcdefghijklmnopabcdefghijklmnop', name })).toEqual({
      product,
      by: 'name',
    });
  });

  test('an extension that calls itself a password manager or vault is flagged as one', () => {
    expect(identifyPasswordManager({ id: 'x', name: 'SuperSecure Password Vault' })?.product).toBe(
      'Password manager (by its name)',
    );
  });

  test.each([
    'Tab Keeper',
    'uBlock Origin',
    'Grammarly: AI Writing and Grammar Checker',
    'Password Generator',
    'Timekeeper',
    'Bitwardenish Notes',
  ])('"%s" is not a password manager', (name) => {
    expect(identifyPasswordManager({ id: 'abcdefghijklmnopabcdefghijklmnop', name })).toBeNull();
  });

  test('ids added by the agent config are recognised too', () => {
    const extra = [{ product: 'Centre vault', ids: ['pppppppppppppppppppppppppppppppp'] }];
    expect(
      identifyPasswordManager({ id: 'pppppppppppppppppppppppppppppppp', name: 'x' }, extra)?.product,
    ).toBe('Centre vault');
  });
});
