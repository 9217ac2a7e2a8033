/**
 * A strict reader for "Windows Registry Editor Version 5.00" (.reg) files, for tests: the file must
 * be UTF-16LE with a byte-order mark and CRLF line ends (as regedit writes it), and every line must
 * be the header, blank, a `;` comment, a key (`[HKEY_...]`), a key deletion (`[-HKEY_...]`), or a
 * value `"name"=dword:XXXXXXXX` / `"name"="string"` with only `\\` and `\"` escaped. Anything else
 * is an error naming the line. Applying the file in order gives the resulting registry tree.
 */

export type RegValue = { type: 'dword'; value: number } | { type: 'sz'; value: string };

export interface RegTree {
  /** Key path (as written) -> value name -> value. Deleted keys and their subkeys are gone. */
  keys: Map<string, Map<string, RegValue>>;
  /** Every `[-key]` line, in order. */
  deleted: string[];
  comments: string[];
}

export class RegSyntaxError extends Error {}

const HIVES = /^HKEY_(LOCAL_MACHINE|CURRENT_USER|CLASSES_ROOT|USERS|CURRENT_CONFIG)(\\[^\\[\]\r\n]+)*$/;

export function parseRegFile(bytes: Buffer): RegTree {
  if (bytes[0] !== 0xff || bytes[1] !== 0xfe) throw new RegSyntaxError('no UTF-16LE byte-order mark');
  if ((bytes.length - 2) % 2 !== 0) throw new RegSyntaxError('odd number of bytes after the byte-order mark');
  const text = bytes.subarray(2).toString('utf16le');
  if (/\r(?!\n)|(?<!\r)\n/.test(text)) throw new RegSyntaxError('a line does not end with CRLF');
  const lines = text.split('\r\n');
  if (lines[0] !== 'Windows Registry Editor Version 5.00') {
    throw new RegSyntaxError(`line 1 is not the version 5.00 header: ${JSON.stringify(lines[0])}`);
  }
  if (lines[1] !== '') throw new RegSyntaxError('line 2 must be blank');
  const tree: RegTree = { keys: new Map(), deleted: [], comments: [] };
  let current: Map<string, RegValue> | null = null;
  lines.slice(2).forEach((line, i) => {
    const n = i + 3;
    if (line === '') return;
    if (line.startsWith(';')) {
      tree.comments.push(line.replace(/^; ?/, ''));
      return;
    }
    const key = /^\[(-?)(.*)\]$/.exec(line);
    if (key) {
      const path = key[2] ?? '';
      if (!HIVES.test(path)) throw new RegSyntaxError(`line ${n}: not a registry key path: ${path}`);
      if (key[1] === '-') {
        tree.deleted.push(path);
        const lower = path.toLowerCase();
        for (const k of [...tree.keys.keys()]) {
          const kl = k.toLowerCase();
          if (kl === lower || kl.startsWith(`${lower}\\`)) tree.keys.delete(k);
        }
        current = null;
      } else {
        current = tree.keys.get(path) ?? new Map();
        tree.keys.set(path, current);
      }
      return;
    }
    if (!line.startsWith('"'))
      throw new RegSyntaxError(`line ${n}: neither a key, a value nor a comment: ${line}`);
    if (current === null) throw new RegSyntaxError(`line ${n}: a value outside any key`);
    const [name, rest] = readString(line, 0, n);
    if (rest[0] !== '=') throw new RegSyntaxError(`line ${n}: "=" expected after the value name`);
    const data = rest.slice(1);
    if (current.has(name)) throw new RegSyntaxError(`line ${n}: value "${name}" written twice`);
    const dword = /^dword:([0-9a-f]{8})$/.exec(data);
    if (dword) {
      current.set(name, { type: 'dword', value: Number.parseInt(dword[1] ?? '', 16) });
      return;
    }
    if (data.startsWith('"')) {
      const [value, after] = readString(data, 0, n);
      if (after !== '') throw new RegSyntaxError(`line ${n}: text after the closing quote: ${after}`);
      current.set(name, { type: 'sz', value });
      return;
    }
    throw new RegSyntaxError(`line ${n}: unsupported value data: ${data}`);
  });
  return tree;
}

/** Reads a quoted string at `start`; returns the unescaped text and what follows the closing quote. */
function readString(s: string, start: number, line: number): [string, string] {
  if (s[start] !== '"') throw new RegSyntaxError(`line ${line}: opening quote expected`);
  let out = '';
  for (let i = start + 1; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') {
      const next = s[i + 1];
      if (next !== '\\' && next !== '"') throw new RegSyntaxError(`line ${line}: bad escape \\${next ?? ''}`);
      out += next;
      i++;
    } else if (c === '"') {
      return [out, s.slice(i + 1)];
    } else {
      out += c;
    }
  }
  throw new RegSyntaxError(`line ${line}: missing closing quote`);
}

/**
 * Reads a policy back from the tree the way Chrome does (registry_dict.cc): the values of `root`,
 * plus each subkey of `root` whose values are named 1, 2, 3... as a list in that order.
 * Types are decided by the expected object, as Chrome decides them by the policy schema.
 */
export function readPolicyLike(
  tree: RegTree,
  root: string,
  like: Record<string, unknown>,
): Record<string, unknown> {
  const values = tree.keys.get(root);
  if (!values) throw new Error(`no key ${root}`);
  const out: Record<string, unknown> = {};
  for (const [name, expected] of Object.entries(like)) {
    // A list of strings is a numbered subkey; a list of dictionaries (AutofillSettings) is JSON text.
    if (Array.isArray(expected) && expected.every((e) => typeof e === 'string')) {
      const list = tree.keys.get(`${root}\\${name}`);
      if (!list) continue;
      const names = [...list.keys()];
      if (!names.every((k, i) => k === String(i + 1)))
        throw new Error(`${name}: list values are not 1..n in order`);
      out[name] = [...list.values()].map((v) => v.value);
      continue;
    }
    const v = values.get(name);
    if (!v) continue;
    if (typeof expected === 'boolean') out[name] = v.type === 'dword' ? v.value !== 0 : v.value;
    else if (typeof expected === 'object' && expected !== null)
      out[name] = v.type === 'sz' ? JSON.parse(v.value) : v.value;
    else out[name] = v.value;
  }
  return out;
}
