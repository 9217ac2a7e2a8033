import { describe, expect, test } from 'vitest';
import { hostAllowed, normalizeHostEntry, urlAllowed, urlHost } from '../../../shared/rules/hosts.ts';

describe('an allowlist entry allows that host and its subdomains, nothing else', () => {
  const allowed = ['example.org'];
  test.each([
    ['http://example.org/', true],
    ['https://a.b.example.org/path?q=1', true],
    ['http://EXAMPLE.ORG/', true],
    ['http://example.org./', true],
    ['http://example.org:8443/', true],
    ['http://example.org.evil.test/', false],
    ['http://badexample.org/', false],
    ['http://example.org@evil.test/', false],
    ['http://good.example.org:pw@evil.test/', false],
    ['http://evil.test/example.org', false],
    ['http://evil.test/?r=http://example.org', false],
    ['file:///etc/passwd', false],
    ['chrome://settings/passwords', false],
    ['view-source:http://example.org/', false],
    ['not a url', false],
  ])('%s → %s', (url, expected) => {
    expect(urlAllowed(url, allowed)).toBe(expected);
  });
});

describe('internationalised names match in their punycode form', () => {
  test('an IDN entry allows the site typed in Unicode or punycode', () => {
    const entry = normalizeHostEntry('bücher.example');
    expect(entry).toEqual({ ok: true, host: 'xn--bcher-kva.example' });
    const hosts = entry.ok ? [entry.host] : [];
    expect(urlAllowed('https://bücher.example/', hosts)).toBe(true);
    expect(urlAllowed('https://www.xn--bcher-kva.example/', hosts)).toBe(true);
    expect(urlAllowed('https://bucher.example/', hosts)).toBe(false);
  });
});

describe('allowlist entries are checked as IT typed them', () => {
  test.each([
    ['Example.ORG', 'example.org'],
    ['  example.org  ', 'example.org'],
    ['example.org.', 'example.org'],
    ['localhost', 'localhost'],
    ['10.0.0.5', '10.0.0.5'],
  ])('"%s" is accepted as %s', (input, host) => {
    expect(normalizeHostEntry(input)).toEqual({ ok: true, host });
  });

  test.each([
    ['*', /every site/],
    ['*.example.org', /write "example.org" instead/],
    ['https://example.org/', /host name only/],
    ['example.org:443', /host name only/],
    ['example.org/path', /host name only/],
    ['user@example.org', /host name only/],
    ['', /empty/],
    ['com', /top-level domain/],
    ['co.uk', /shared by unrelated sites/],
    ['exa_mple.org', /not a valid host name/],
    ['-bad.example.org', /not a valid host name/],
    ['999.1.1.1', /not a valid host name/],
  ])('"%s" is rejected', (input, reason) => {
    const r = normalizeHostEntry(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  test('a non-string is rejected with its type', () => {
    expect(normalizeHostEntry(42)).toEqual({
      ok: false,
      reason: 'must be a host name (a string), not a number',
    });
  });
});

test('an IPv4 entry allows only that address', () => {
  expect(hostAllowed('10.0.0.5', ['10.0.0.5'])).toBe(true);
  expect(hostAllowed('1.10.0.0.5', ['10.0.0.5'])).toBe(false);
});

test('urlHost reads the host, not the user-info', () => {
  expect(urlHost('http://good.example@evil.test/')).toBe('evil.test');
  expect(urlHost('https://WWW.Example.org./x')).toBe('www.example.org');
  expect(urlHost('data:text/html,hi')).toBeNull();
});
