/**
 * Reading the Windows registry through `reg query <key> /s` (present on every Windows since XP;
 * no native module needed). The output is parsed here; tests feed it captured output from
 * test/fixtures/windows/, since no registry exists on the machines that run the tests.
 *
 * Output shape: a blank line, the key's full name, then one line per value:
 * four spaces, name, four spaces, type, four spaces, data.
 */
import { execFile } from 'node:child_process';

export type RegValue = string | number | string[];
export interface RegKey {
  /** Full key name as reg prints it (HKEY_LOCAL_MACHINE\SOFTWARE\...). */
  key: string;
  values: Map<string, RegValue>;
}

const VALUE_LINE = /^ {4}(.*?) {4}(REG_[A-Z_]+)(?: {4}(.*))?$/;

export function parseRegQuery(output: string): RegKey[] {
  const keys: RegKey[] = [];
  let current: RegKey | undefined;
  for (const raw of output.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    if (raw.trim() === '') continue;
    if (/^HKEY_[A-Z_]+/.test(raw)) {
      current = { key: raw.trim(), values: new Map() };
      keys.push(current);
      continue;
    }
    const m = VALUE_LINE.exec(raw);
    if (!m || !current) continue;
    const [, name = '', type, data = ''] = m;
    current.values.set(name === '(Default)' ? '' : name, regValue(type as string, data));
  }
  return keys;
}

function regValue(type: string, data: string): RegValue {
  switch (type) {
    case 'REG_DWORD':
    case 'REG_QWORD':
      return Number.parseInt(data, 16);
    case 'REG_MULTI_SZ':
      return data === '' ? [] : data.split('\\0');
    default:
      return data;
  }
}

/**
 * The keys under `root` as a JSON-like tree, the way Chrome reads policy from the registry:
 * a key whose values are all numbered 1..n (and has no subkeys) is a list; other keys are objects.
 */
export function registryTree(keys: readonly RegKey[], root: string): Record<string, unknown> | null {
  const rootLower = root.toLowerCase();
  type Node = { values: Map<string, RegValue>; children: Map<string, Node> };
  const top: Node = { values: new Map(), children: new Map() };
  let found = false;
  for (const k of keys) {
    const lower = k.key.toLowerCase();
    if (lower !== rootLower && !lower.startsWith(`${rootLower}\\`)) continue;
    found = true;
    const rel = k.key.slice(root.length).split('\\').filter(Boolean);
    let node = top;
    for (const seg of rel) {
      let next = node.children.get(seg);
      if (!next) {
        next = { values: new Map(), children: new Map() };
        node.children.set(seg, next);
      }
      node = next;
    }
    for (const [n, v] of k.values) node.values.set(n, v);
  }
  if (!found) return null;
  const convert = (node: Node): unknown => {
    const names = [...node.values.keys()];
    if (node.children.size === 0 && names.length > 0 && names.every((n) => /^\d+$/.test(n))) {
      return names.sort((a, b) => Number(a) - Number(b)).map((n) => node.values.get(n));
    }
    const out: Record<string, unknown> = {};
    for (const [n, v] of node.values) if (n !== '') out[n] = v;
    for (const [n, child] of node.children) out[n] = convert(child);
    return out;
  };
  return convert(top) as Record<string, unknown>;
}

/** Runs `reg query KEY /s`. A key that does not exist gives an empty list, not an error. */
export function regQuery(key: string): Promise<RegKey[]> {
  return new Promise((resolve, reject) => {
    execFile('reg', ['query', key, '/s'], { timeout: 15_000, windowsHide: true }, (error, stdout, stderr) => {
      if (error) {
        // reg exits 1 with "ERROR: The system was unable to find the specified registry key or value."
        if (/unable to find/i.test(stderr)) return resolve([]);
        return reject(new Error(`reg query ${key} failed: ${(stderr || error.message).trim()}`));
      }
      resolve(parseRegQuery(stdout));
    });
  });
}
