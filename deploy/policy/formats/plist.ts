/**
 * Apple property lists (XML form) and configuration profiles (.mobileconfig) built from them.
 * A small writer rather than a library: the output is a handful of element types, and the tests
 * read it back with the `plist` package, an independent parser.
 */
import { createHash } from 'node:crypto';

export type PlistValue = boolean | number | string | PlistValue[] | { [key: string]: PlistValue };

const HEADER =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n';

export function plistXml(root: { [key: string]: PlistValue }): string {
  return `${HEADER}<plist version="1.0">\n${element(root, 0)}\n</plist>\n`;
}

function element(value: PlistValue, depth: number): string {
  const pad = '  '.repeat(depth);
  if (typeof value === 'boolean') return `${pad}<${value}/>`;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`a plist number must be finite (got ${value})`);
    return Number.isInteger(value) ? `${pad}<integer>${value}</integer>` : `${pad}<real>${value}</real>`;
  }
  if (typeof value === 'string') return `${pad}<string>${escapeXml(value)}</string>`;
  if (Array.isArray(value)) {
    if (value.length === 0) return `${pad}<array/>`;
    return `${pad}<array>\n${value.map((v) => element(v, depth + 1)).join('\n')}\n${pad}</array>`;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0) return `${pad}<dict/>`;
    const inner = entries
      .map(([k, v]) => `${pad}  <key>${escapeXml(k)}</key>\n${element(v, depth + 1)}`)
      .join('\n');
    return `${pad}<dict>\n${inner}\n${pad}</dict>`;
  }
  throw new Error(`a plist cannot hold ${value === null ? 'null' : typeof value}`);
}

/** Whether XML 1.0 can carry this text (most control characters cannot appear, not even escaped). */
export function xmlSafe(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0xfffe || c === 0xffff) return false;
  }
  return true;
}

export function escapeXml(s: string): string {
  if (!xmlSafe(s)) throw new Error(`text for XML contains a control character: ${JSON.stringify(s)}`);
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Converts JSON-like policy values to plist values, refusing what a plist cannot hold (null). */
export function toPlistValue(value: unknown, path: string): PlistValue {
  if (typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((v, i) => toPlistValue(v, `${path}[${i}]`));
  if (typeof value === 'object' && value !== null) {
    const out: { [key: string]: PlistValue } = {};
    for (const [k, v] of Object.entries(value)) out[k] = toPlistValue(v, `${path}.${k}`);
    return out;
  }
  throw new Error(`${path} cannot be written to a property list (${value === null ? 'null' : typeof value})`);
}

/**
 * A name-based UUID (RFC 4122 version 5): the same profile identifier always gets the same UUID,
 * so regenerating a profile for the same browser and extension replaces the installed one.
 */
export function uuidV5(name: string): string {
  // Namespace: a fixed UUID for Invigil configuration profiles.
  const namespace = Buffer.from('6f1d1f4e3c2b4a5d9e8f7a6b5c4d3e2f', 'hex');
  const hash = createHash('sha1').update(namespace).update(name, 'utf8').digest();
  const b = hash.subarray(0, 16);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x50;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = b.toString('hex').toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface ProfilePayload {
  /** The preference domain the settings are for, such as `com.google.Chrome`. */
  type: string;
  identifier: string;
  displayName: string;
  settings: { [key: string]: PlistValue };
}

export interface ProfileOptions {
  identifier: string;
  displayName: string;
  description: string;
  organization: string;
  payloads: ProfilePayload[];
}

/**
 * A configuration profile: one payload per preference domain, each carrying its settings as
 * top-level keys (the form Chrome's and Microsoft's macOS guides use). System scope, so the
 * settings are machine-wide and land in /Library/Managed Preferences.
 */
export function mobileconfig(options: ProfileOptions): string {
  return plistXml({
    PayloadContent: options.payloads.map((p) => ({
      PayloadType: p.type,
      PayloadVersion: 1,
      PayloadIdentifier: p.identifier,
      PayloadUUID: uuidV5(p.identifier),
      PayloadEnabled: true,
      PayloadDisplayName: p.displayName,
      ...p.settings,
    })),
    PayloadDescription: options.description,
    PayloadDisplayName: options.displayName,
    PayloadIdentifier: options.identifier,
    PayloadOrganization: options.organization,
    PayloadRemovalDisallowed: true,
    PayloadScope: 'System',
    PayloadType: 'Configuration',
    PayloadUUID: uuidV5(options.identifier),
    PayloadVersion: 1,
  });
}
