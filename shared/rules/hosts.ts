/**
 * Host names in the allowlist, and whether a URL's host is allowed.
 *
 * An allowlist entry `example.org` allows `example.org` and every subdomain (`a.b.example.org`),
 * and nothing else: not `example.org.evil.test`, not `badexample.org`. This is the same meaning
 * as declarativeNetRequest's `requestDomains`, which enforces it in the browser; these functions
 * are the same rule for everything that is not the browser (validation, the policy generator, tests).
 *
 * Pure: uses only the WHATWG URL parser, which exists in browsers and in Node alike.
 */

export type HostEntryResult = { ok: true; host: string } | { ok: false; reason: string };

/**
 * Suffixes under which anyone can register a name. An entry equal to one of them would allow
 * thousands of unrelated sites. Not the whole Public Suffix List: the ones a UK centre might type.
 */
const SHARED_SUFFIXES = new Set([
  'co.uk',
  'org.uk',
  'ac.uk',
  'gov.uk',
  'sch.uk',
  'nhs.uk',
  'ltd.uk',
  'plc.uk',
  'me.uk',
  'net.uk',
  'com.au',
  'net.au',
  'org.au',
  'co.nz',
  'co.za',
  'com.br',
  'co.in',
  'co.jp',
  'github.io',
  'blogspot.com',
  'appspot.com',
  'herokuapp.com',
  'netlify.app',
  'vercel.app',
  'pages.dev',
  'web.app',
  'firebaseapp.com',
  'azurewebsites.net',
  'cloudfront.net',
  'amazonaws.com',
  'googleusercontent.com',
  'duckdns.org',
  'ngrok.io',
  'ngrok-free.app',
]);

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIpv4(host: string): boolean {
  return IPV4.test(host);
}

/**
 * Checks one allowlist entry as IT typed it and returns the canonical host (lower case,
 * punycode for internationalised names, no trailing dot), or a reason in plain English.
 */
export function normalizeHostEntry(input: unknown): HostEntryResult {
  if (typeof input !== 'string')
    return { ok: false, reason: `must be a host name (a string), not ${describe(input)}` };
  const raw = input.trim();
  if (raw === '') return { ok: false, reason: 'is empty' };
  if (raw === '*' || raw === '*.*')
    return { ok: false, reason: `"${raw}" would allow every site; list the assessment's host names instead` };
  if (raw.includes('*')) {
    const bare = raw.replace(/^\*\.?/, '');
    return {
      ok: false,
      reason: `"${raw}" has a wildcard; write "${bare}" instead, which already allows all of its subdomains`,
    };
  }
  if (/[\s/\\?#@:]/.test(raw) || raw.includes('[')) {
    return {
      ok: false,
      reason: `"${clip(raw)}" must be a host name only, such as "example.org" (no scheme, port, path or user name)`,
    };
  }
  let host: string;
  try {
    host = new URL(`http://${raw}/`).hostname;
  } catch {
    return { ok: false, reason: `"${clip(raw)}" is not a valid host name` };
  }
  host = host.replace(/\.$/, '');
  if (host === '' || host.length > 253)
    return { ok: false, reason: `"${clip(raw)}" is not a valid host name` };
  if (isIpv4(host)) return { ok: true, host };
  const labels = host.split('.');
  if (!labels.every((l) => LABEL.test(l)))
    return { ok: false, reason: `"${clip(raw)}" is not a valid host name` };
  if (/^\d+$/.test(labels[labels.length - 1] ?? ''))
    return { ok: false, reason: `"${clip(raw)}" is not a valid host name or IPv4 address` };
  if (labels.length === 1 && host !== 'localhost') {
    return { ok: false, reason: `"${host}" is a top-level domain; it would allow every site under it` };
  }
  if (SHARED_SUFFIXES.has(host)) {
    return { ok: false, reason: `"${host}" is shared by unrelated sites; it would allow all of them` };
  }
  return { ok: true, host };
}

/**
 * The canonical host of a URL the browser could load, or null when the URL has no host that an
 * allowlist could allow (a bad URL, `file:`, `chrome:`, `data:`...). User-info is never the host:
 * `http://good.example@evil.test/` is `evil.test`.
 */
export function urlHost(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(parsed.protocol)) return null;
  const host = parsed.hostname.toLowerCase().replace(/\.$/, '');
  return host === '' ? null : host;
}

/** Whether `host` (already canonical) is an allowed host or a subdomain of one. */
export function hostAllowed(host: string, allowedHosts: readonly string[]): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  for (const allowed of allowedHosts) {
    if (h === allowed) return true;
    if (!isIpv4(allowed) && h.endsWith(`.${allowed}`)) return true;
  }
  return false;
}

/** Whether a URL may be loaded under this allowlist. */
export function urlAllowed(url: string, allowedHosts: readonly string[]): boolean {
  const host = urlHost(url);
  return host !== null && hostAllowed(host, allowedHosts);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return `a ${typeof v}`;
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
