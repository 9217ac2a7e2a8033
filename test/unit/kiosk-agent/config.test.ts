import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ConfigError, credentialExposure, defaultConfig, parseConfig } from '../../../kiosk-agent/config.ts';

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
      desktopMs: 1000,
      slowChecksMs: 30_000,
      heartbeatMs: 1000,
    });
    expect(c.desktop).toEqual({ allow: [] });
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

describe('bounds, before anything walks the file', () => {
  test('a JSON config nested 150,000 deep is one clear error, not a stack overflow', () => {
    const deep = `{"seat": ${'['.repeat(150_000)}${']'.repeat(150_000)}}`;
    expect(() => parseConfig(deep, 'seat.json')).toThrow(
      new ConfigError('seat.json nests more than 32 levels deep; a seat config is a few levels'),
    );
  });

  test('a YAML config nested deep (flow or block style) is one clear error', () => {
    expect(() => parseConfig(`seat: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`, 'seat.yaml')).toThrow(
      /seat\.yaml nests more than 32 levels deep/,
    );
    const block = Array.from({ length: 40 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n');
    expect(() => parseConfig(block, 'seat.yaml')).toThrow(/nests more than 32 levels deep/);
  });

  test('a YAML alias bomb is refused rather than expanded', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      ...Array.from({ length: 8 }, (_, i) => {
        const prev = i === 0 ? 'a' : `l${i - 1}`;
        return `l${i}: &l${i} [*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev}]`;
      }),
    ].join('\n');
    expect(() => parseConfig(bomb, 'seat.yaml')).toThrow(ConfigError);
  });

  test('more than 1 MB is refused', () => {
    expect(() => parseConfig(`# ${'x'.repeat(1024 * 1024)}\n`, 'seat.yaml')).toThrow(/larger than 1 MB/);
  });
});

describe("the seat's credential in its config file", () => {
  const enrolled = parseConfig(
    JSON.stringify({ console: { url: 'http://127.0.0.1:1', seatId: 's-1', credential: 'c'.repeat(40) } }),
    'seat.json',
  );
  function fileWithMode(mode: number): string {
    const dir = mkdtempSync(join(tmpdir(), 'invigil-cred-'));
    dirs.push(dir);
    const file = join(dir, 'seat.json');
    writeFileSync(file, '{}');
    chmodSync(file, mode);
    return file;
  }
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('readable by the group or by everyone: exposed, with the fix', () => {
    const f = fileWithMode(0o644);
    expect(credentialExposure(f, enrolled)).toBe(
      `${f} holds the seat's console credential and other users can read it (mode 644): run chmod 600 ${f}`,
    );
    expect(credentialExposure(fileWithMode(0o640), enrolled)).toMatch(/mode 640/);
  });

  test("root's own (600) is fine, and a config without a credential is nobody's business", () => {
    expect(credentialExposure(fileWithMode(0o600), enrolled)).toBeNull();
    expect(credentialExposure(fileWithMode(0o644), defaultConfig())).toBeNull();
  });

  test('owned by another user, who can read it whatever the mode', () => {
    const f = fileWithMode(0o600);
    chownSync(f, 65534, 65534);
    expect(credentialExposure(f, enrolled)).toBe(
      `${f} holds the seat's console credential and belongs to another user (uid 65534), who can read it: run chown root ${f}`,
    );
  });
});
