import { describe, expect, test } from 'vitest';
import { ConfigError, defaultConfig, parseConfig } from '../../../kiosk-agent/config.ts';

const problems = (text: string, file = 'seat.yaml') => {
  try {
    parseConfig(text, file);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the config to be refused');
};

describe('the seat config file', () => {
  test('an empty file gives the defaults: one display, 500 ms checks, Chromium, standalone', () => {
    const c = parseConfig('', 'seat.yaml');
    expect(c).toEqual(defaultConfig());
    expect(c.displays.allowed).toBe(1);
    expect(c.intervals).toEqual({
      processesMs: 500,
      displaysMs: 500,
      slowChecksMs: 30_000,
      heartbeatMs: 1000,
    });
    expect(c.browser.name).toBe('chromium');
    expect(c.console).toBeUndefined();
  });

  test('YAML and JSON say the same thing', () => {
    const yaml = parseConfig(
      'displays:\n  allowed: 2\nseverity:\n  virtual-machine: block\ncatalog:\n  passwordManagers: [vaultr]\n',
      'seat.yaml',
    );
    const json = parseConfig(
      '{"displays":{"allowed":2},"severity":{"virtual-machine":"block"},"catalog":{"passwordManagers":["vaultr"]}}',
      'seat.json',
    );
    expect(yaml).toEqual(json);
    expect(yaml.catalog.passwordManagers).toEqual(['vaultr']);
  });

  test('every problem names its field', () => {
    expect(problems('intervals:\n  processesMs: 50\n  displaysMs: 99999999\n')).toEqual([
      'intervals.processesMs must be at least 100',
      'intervals.displaysMs must be at most 60000',
    ]);
    expect(problems('catalog:\n  remoteAccess: [ok, ""]\n')).toEqual([
      'catalog.remoteAccess[1] must be at least 1 characters',
    ]);
    expect(
      problems('catalog:\n  passwordManagerExtensions:\n    - product: X\n      ids: [NOTANID]\n'),
    ).toEqual(['catalog.passwordManagerExtensions[0].ids[0] must match /^[a-p]{32}$/']);
    expect(problems('severity:\n  Virtual Machine: block\n')).toEqual([
      expect.stringMatching(/^severity\.Virtual Machine is not a valid name here/),
    ]);
    expect(problems('seat: 5\n')).toEqual(['seat must be an object of settings (got number 5)']);
    expect(problems('console:\n  url: https://c.example\n')).toEqual([
      'console.seatId is required',
      'console.credential is required',
    ]);
  });

  test('duplicate keys in YAML are refused rather than silently taking the last', () => {
    expect(() => parseConfig('displays:\n  allowed: 1\ndisplays:\n  allowed: 3\n', 'seat.yaml')).toThrow(
      /not valid YAML.*Map keys must be unique/,
    );
  });
});
