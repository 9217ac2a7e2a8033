/**
 * Windows Registry Editor (.reg) files, "Windows Registry Editor Version 5.00" format, written the
 * way regedit writes them: UTF-16LE with a byte-order mark and CRLF line ends.
 *
 * How Chrome and Edge read policy from the registry (components/policy registry_dict.cc):
 * booleans and integers are REG_DWORD, strings REG_SZ, a list of strings is a subkey whose values
 * are named 1, 2, 3..., and a dictionary policy (ExtensionSettings, and list-of-dictionary policies
 * such as AutofillSettings, which Chromium's templates type as `dict`) is one REG_SZ holding JSON.
 */

import type { RegData, RegKey } from '../../../shared/catalogs/registry.ts';

export type { RegData, RegKey };

export const REG_HEADER = 'Windows Registry Editor Version 5.00';

/** The .reg text (CRLF line ends). Comments go at the top as `;` lines. */
export function regText(keys: readonly RegKey[], comments: readonly string[] = []): string {
  const lines: string[] = [REG_HEADER, ''];
  for (const c of comments) {
    assertSingleLine(c, 'a comment');
    lines.push(c === '' ? ';' : `; ${c}`);
  }
  if (comments.length > 0) lines.push('');
  for (const key of keys) {
    assertKeyPath(key.path);
    if (key.replace) lines.push(`[-${key.path}]`);
    lines.push(`[${key.path}]`);
    for (const [name, data] of key.values) lines.push(`${quote(name)}=${encodeData(data)}`);
    lines.push('');
  }
  return lines.join('\r\n');
}

/** UTF-16LE with a byte-order mark: what regedit writes and reads for a version 5.00 file. */
export function encodeRegFile(text: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
}

function encodeData(data: RegData): string {
  if (data.type === 'dword') {
    if (!Number.isInteger(data.value) || data.value < 0 || data.value > 0xffffffff) {
      throw new Error(`a REG_DWORD must be a whole number from 0 to 4294967295 (got ${data.value})`);
    }
    return `dword:${data.value.toString(16).padStart(8, '0')}`;
  }
  return quote(data.value);
}

/** A quoted .reg string: backslash and double quote are escaped; line breaks cannot be written as REG_SZ. */
export function quote(s: string): string {
  assertSingleLine(s, 'a registry string');
  return `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

function assertSingleLine(s: string, what: string): void {
  if (/[\r\n\0]/.test(s)) throw new Error(`${what} cannot contain a line break or NUL: ${JSON.stringify(s)}`);
}

function assertKeyPath(path: string): void {
  if (!/^HKEY_(LOCAL_MACHINE|CURRENT_USER)\\[^\r\n\]]+$/.test(path) || path.includes('\\\\')) {
    throw new Error(`not a registry key path: ${path}`);
  }
}

/** A list policy the registry holds as numbered values; any other list is a dictionary policy (JSON). */
export function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/**
 * Policy values as registry keys under `root`: scalars as values of `root`, each list of strings as
 * a numbered subkey (replaced on import), each dictionary (or list of dictionaries) as JSON in a REG_SZ.
 */
export function policyRegKeys(root: string, policies: Record<string, unknown>): RegKey[] {
  const main: RegKey = { path: root, values: [] };
  const lists: RegKey[] = [];
  for (const [name, value] of Object.entries(policies)) {
    if (isStringList(value)) lists.push(listKey(`${root}\\${name}`, value, name));
    else main.values.push([name, scalarData(value, name, true)]);
  }
  return [main, ...lists];
}

/**
 * An extension's managed configuration: `<root>\3rdparty\extensions\<id>\policy`, with lists as
 * numbered subkeys. Chrome converts each value to the type the extension's schema declares.
 */
export function extensionPolicyRegKeys(root: string, id: string, config: Record<string, unknown>): RegKey[] {
  const extensionKey = `${root}\\3rdparty\\extensions\\${id}`;
  const policyKey: RegKey = { path: `${extensionKey}\\policy`, values: [] };
  const lists: RegKey[] = [];
  for (const [name, value] of Object.entries(config)) {
    if (Array.isArray(value)) lists.push(listKey(`${policyKey.path}\\${name}`, value, name));
    else policyKey.values.push([name, scalarData(value, name, false)]);
  }
  // Replace the whole extension key, so a field removed from the config is removed on re-import.
  return [{ path: extensionKey, replace: true, values: [] }, policyKey, ...lists];
}

function listKey(path: string, list: unknown[], name: string): RegKey {
  return {
    path,
    replace: true,
    values: list.map((item, i) => {
      if (typeof item !== 'string') throw new Error(`${name} entry ${i + 1} is not a string`);
      return [String(i + 1), { type: 'sz', value: item }];
    }),
  };
}

function scalarData(value: unknown, name: string, allowJson: boolean): RegData {
  if (typeof value === 'boolean') return { type: 'dword', value: value ? 1 : 0 };
  if (typeof value === 'number') return { type: 'dword', value };
  if (typeof value === 'string') return { type: 'sz', value };
  if (allowJson && typeof value === 'object' && value !== null) {
    return { type: 'sz', value: JSON.stringify(value) };
  }
  throw new Error(`${name} has a value the registry cannot hold (${typeof value})`);
}
