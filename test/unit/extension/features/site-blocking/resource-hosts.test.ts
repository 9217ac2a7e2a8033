import { describe, expect, test } from 'vitest';
import {
  MAX_RESOURCE_HOSTS,
  noteRequest,
  reclassify,
  reportableHost,
} from '../../../../../extension/features/site-blocking/resource-hosts.ts';

const open = { allowedHosts: ['theimi.org.uk'] };
const restricted = { allowedHosts: ['theimi.org.uk'], allowedResourceHosts: ['cdn.example.net'] };
const now = new Date('2026-01-01T09:00:00.000Z');
const page = 'https://awarding.theimi.org.uk';

describe('which requests are reported', () => {
  test.each([
    [{ url: 'https://cdn.example.net/app.js', type: 'script', tabId: 3, initiator: page }, 'cdn.example.net'],
    [
      { url: 'wss://chat.example.org/socket', type: 'websocket', tabId: 3, initiator: page },
      'chat.example.org',
    ],
    [{ url: 'https://static.theimi.org.uk/a.css', type: 'stylesheet', tabId: 3, initiator: page }, null],
    [
      {
        url: 'https://cdn.example.net/x',
        type: 'xmlhttprequest',
        tabId: 3,
        initiator: 'chrome-extension://abc',
      },
      null,
    ],
    [{ url: 'https://cdn.example.net/x', type: 'other', tabId: -1 }, null],
  ])('%j → %s', (request, host) => {
    expect(reportableHost(request, open)).toBe(host);
  });
});

describe('the list IT reads', () => {
  test('one entry per host, with the kinds of request, marked when a worker made them', () => {
    let hosts = noteRequest(
      [],
      { url: 'https://cdn.example.net/a.js', type: 'script', tabId: 3, initiator: page },
      open,
      now,
    );
    const same = noteRequest(
      hosts,
      { url: 'https://cdn.example.net/b.js', type: 'script', tabId: 3, initiator: page },
      open,
      now,
    );
    expect(same).toBe(hosts);
    hosts = noteRequest(
      hosts,
      { url: 'https://cdn.example.net/data', type: 'xmlhttprequest', tabId: -1, initiator: page },
      open,
      now,
    );
    expect(hosts).toEqual([
      {
        host: 'cdn.example.net',
        types: ['script', 'xmlhttprequest'],
        blocked: false,
        fromWorker: true,
        firstSeen: now.toISOString(),
      },
    ]);
  });

  test('with allowedResourceHosts, hosts on neither list are marked blocked', () => {
    const a = noteRequest(
      [],
      { url: 'https://cdn.example.net/a.js', type: 'script', tabId: 1, initiator: page },
      restricted,
      now,
    );
    const b = noteRequest(
      a,
      { url: 'https://evil.test/x', type: 'image', tabId: 1, initiator: page },
      restricted,
      now,
    );
    expect(b.map((h) => [h.host, h.blocked])).toEqual([
      ['cdn.example.net', false],
      ['evil.test', true],
    ]);
    // Turning the restriction off (or allowing a host) follows at once.
    expect(reclassify(b, open).map((h) => h.blocked)).toEqual([false, false]);
    expect(reclassify(b, { allowedHosts: ['theimi.org.uk', 'evil.test'] }).map((h) => h.host)).toEqual([
      'cdn.example.net',
    ]);
  });

  test('bounded: a page cannot grow the report without end', () => {
    let hosts: ReturnType<typeof noteRequest> = [];
    for (let i = 0; i < MAX_RESOURCE_HOSTS + 50; i++) {
      hosts = noteRequest(
        hosts,
        { url: `https://h${i}.example.net/`, type: 'image', tabId: 1, initiator: page },
        open,
        now,
      );
    }
    expect(hosts).toHaveLength(MAX_RESOURCE_HOSTS);
  });
});
