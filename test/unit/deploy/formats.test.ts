import { parse as parsePlist } from 'plist';
import { describe, expect, test } from 'vitest';
import { POLICY_PURPOSES } from '../../../deploy/policy/descriptions.ts';
import { plistXml, toPlistValue } from '../../../deploy/policy/formats/plist.ts';
import {
  encodeRegFile,
  extensionPolicyRegKeys,
  policyRegKeys,
  regText,
} from '../../../deploy/policy/formats/reg.ts';
import { systemdWord, windowsArg } from '../../../deploy/service/definitions.ts';
import { chromiumPolicy, EDGE_POLICY_NAMES } from '../../../shared/catalogs/browser-policy.ts';
import { POLICY_DEFAULTS } from '../../../shared/schemas/policy.ts';
import { parseRegFile, RegSyntaxError } from '../../helpers/reg-file.ts';

const ROOT = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Google\\Chrome';
const utf16 = (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);

describe('.reg writer', () => {
  test('a list of strings is a numbered subkey; a list of dictionaries is one JSON string, as Chromium reads it', () => {
    const keys = policyRegKeys(ROOT, {
      URLAllowlist: ['a.example', 'b.example'],
      AutofillSettings: [{ url_pattern: '*', blocked_types: ['all'] }],
    });
    expect(keys).toEqual([
      {
        path: ROOT,
        values: [
          ['AutofillSettings', { type: 'sz', value: '[{"url_pattern":"*","blocked_types":["all"]}]' }],
        ],
      },
      {
        path: `${ROOT}\\URLAllowlist`,
        replace: true,
        values: [
          ['1', { type: 'sz', value: 'a.example' }],
          ['2', { type: 'sz', value: 'b.example' }],
        ],
      },
    ]);
  });

  test('strings with backslashes, quotes and non-ASCII text survive the round trip', () => {
    const tricky = ['C:\\Program Files\\Invigil\\', 'say "hi"', '\\\\server\\share', 'Prüfung – 試験', ''];
    const file = encodeRegFile(
      regText([{ path: ROOT, values: tricky.map((v, i) => [`v${i}`, { type: 'sz', value: v }]) }]),
    );
    const values = parseRegFile(file).keys.get(ROOT);
    expect(tricky.map((_, i) => values?.get(`v${i}`)?.value)).toEqual(tricky);
  });

  test('refuses what a .reg string cannot hold, and numbers a DWORD cannot', () => {
    expect(() => regText([{ path: ROOT, values: [['x', { type: 'sz', value: 'two\nlines' }]] }])).toThrow(
      /line break/,
    );
    expect(() => regText([{ path: ROOT, values: [['x', { type: 'dword', value: -1 }]] }])).toThrow(
      /REG_DWORD/,
    );
    expect(() => regText([{ path: ROOT, values: [['x', { type: 'dword', value: 2 ** 32 }]] }])).toThrow(
      /REG_DWORD/,
    );
    expect(() => regText([{ path: 'SOFTWARE\\Policies', values: [] }])).toThrow(/not a registry key path/);
  });

  test('lists become numbered subkeys, dictionaries JSON, and the extension configuration its own key', () => {
    const keys = [
      ...policyRegKeys(ROOT, {
        URLAllowlist: ['a.example', 'b.example'],
        ExtensionSettings: { '*': { x: 1 } },
        On: true,
      }),
      ...extensionPolicyRegKeys(ROOT, 'abcdefghijklmnopabcdefghijklmnop', {
        allowedHosts: ['a.example'],
        heartbeatSeconds: 5,
      }),
    ];
    const tree = parseRegFile(encodeRegFile(regText(keys)));
    expect([...(tree.keys.get(`${ROOT}\\URLAllowlist`)?.entries() ?? [])]).toEqual([
      ['1', { type: 'sz', value: 'a.example' }],
      ['2', { type: 'sz', value: 'b.example' }],
    ]);
    expect(tree.keys.get(ROOT)?.get('ExtensionSettings')).toEqual({ type: 'sz', value: '{"*":{"x":1}}' });
    expect(tree.keys.get(ROOT)?.get('On')).toEqual({ type: 'dword', value: 1 });
    const policyKey = `${ROOT}\\3rdparty\\extensions\\abcdefghijklmnopabcdefghijklmnop\\policy`;
    expect(tree.keys.get(policyKey)?.get('heartbeatSeconds')).toEqual({ type: 'dword', value: 5 });
    expect(tree.keys.get(`${policyKey}\\allowedHosts`)?.get('1')).toEqual({ type: 'sz', value: 'a.example' });
  });
});

describe('the strict .reg reader used as the oracle', () => {
  const good =
    'Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\r\n"a"=dword:00000001\r\n';
  test('accepts a well-formed file', () => {
    expect(parseRegFile(utf16(good)).keys.get('HKEY_LOCAL_MACHINE\\SOFTWARE\\X')?.get('a')).toEqual({
      type: 'dword',
      value: 1,
    });
  });
  test.each([
    ['a UTF-8 file', Buffer.from(good, 'utf8')],
    ['LF line ends', utf16(good.replaceAll('\r\n', '\n'))],
    ['a REGEDIT4 header', utf16(good.replace('Windows Registry Editor Version 5.00', 'REGEDIT4'))],
    ['a short DWORD', utf16(good.replace('dword:00000001', 'dword:1'))],
    ['an unknown escape', utf16(`${good}"b"="a\\nb"\r\n`)],
    ['an unescaped quote', utf16(`${good}"b"="a"b"\r\n`)],
    ['a value before any key', utf16('Windows Registry Editor Version 5.00\r\n\r\n"a"=dword:00000001\r\n')],
    ['an unknown hive', utf16(good.replace('HKEY_LOCAL_MACHINE', 'HKEY_NOWHERE'))],
    ['a value written twice', utf16(`${good}"a"=dword:00000002\r\n`)],
  ])('rejects %s', (_what, bytes) => {
    expect(() => parseRegFile(bytes)).toThrow(RegSyntaxError);
  });
  test('a [-key] line removes the key and everything under it', () => {
    const text = `${good}[HKEY_LOCAL_MACHINE\\SOFTWARE\\X\\Y]\r\n"b"="c"\r\n[-HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\r\n`;
    expect(parseRegFile(utf16(text)).keys.size).toBe(0);
  });
});

describe('property list writer', () => {
  test('escapes markup characters and reads back with the plist parser', () => {
    const value = { a: 'x < y & z > w', list: [true, false, 3, 1.5, 'é'], nested: { empty: [], none: {} } };
    expect(parsePlist(plistXml(value))).toEqual(value);
  });
  test('refuses what XML or a property list cannot carry', () => {
    expect(() => plistXml({ bell: '\u0007' })).toThrow(/control character/);
    expect(() => toPlistValue({ a: null }, 'policy')).toThrow(
      'policy.a cannot be written to a property list (null)',
    );
  });
});

describe('command-line quoting', () => {
  test.each([
    ['/usr/bin/node', '/usr/bin/node'],
    ['/opt/my apps/node', '"/opt/my apps/node"'],
    ['/etc/100%/seat.yaml', '/etc/100%%/seat.yaml'],
    ['/etc/$HOME/a"b', '"/etc/$$HOME/a\\"b"'],
  ])('systemd: %s -> %s', (input, expected) => {
    expect(systemdWord(input)).toBe(expected);
  });
  test.each([
    ['C:\\node\\node.exe', 'C:\\node\\node.exe'],
    ['C:\\Program Files\\nodejs\\node.exe', '"C:\\Program Files\\nodejs\\node.exe"'],
    ['C:\\My Dir\\', '"C:\\My Dir\\\\"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['', '""'],
  ])('Windows: %s -> %s', (input, expected) => {
    expect(windowsArg(input)).toBe(expected);
  });
});

test('every policy the generator sets, for any browser and OS, is explained for IT, and no explanation is left over', () => {
  const written = new Set<string>();
  for (const browser of ['chrome', 'chromium', 'edge'] as const) {
    const policy = chromiumPolicy({
      extensionPolicy: POLICY_DEFAULTS,
      updateUrl: 'https://x.example/u.xml',
      browser,
    });
    for (const name of Object.keys(policy)) written.add(browser === 'edge' ? chromeName(name) : name);
  }
  expect(Object.keys(POLICY_PURPOSES).sort()).toEqual([...written].sort());
  const edge = chromiumPolicy({
    extensionPolicy: POLICY_DEFAULTS,
    updateUrl: 'https://x.example/u.xml',
    browser: 'edge',
  });
  for (const renamed of Object.values(EDGE_POLICY_NAMES)) expect(Object.keys(edge)).toContain(renamed);
});

function chromeName(edgeName: string): string {
  return Object.entries(EDGE_POLICY_NAMES).find(([, e]) => e === edgeName)?.[0] ?? edgeName;
}
