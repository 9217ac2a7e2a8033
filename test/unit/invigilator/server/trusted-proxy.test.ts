import type { IncomingMessage } from 'node:http';
import { expect, test } from 'vitest';
import { TrustedProxies } from '../../../../invigilator/server/trusted-proxy.ts';

function req(remote: string, headers: Record<string, string>): IncomingMessage {
  return { socket: { remoteAddress: remote }, headers } as unknown as IncomingMessage;
}

test('addresses and networks are accepted; anything else is named', () => {
  const p = new TrustedProxies(['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8']);
  expect(p.entries).toEqual(['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8']);
  for (const bad of ['proxy.local', '10.0.0.0/33', '10.0.0.0/', '1.2.3', '1.2.3.4/8/9'])
    expect(() => new TrustedProxies([bad])).toThrow(bad);
});

test("only a trusted proxy's word on the client's address and host is taken", () => {
  const p = new TrustedProxies(['10.0.0.0/8']);
  const forwarded = {
    'x-forwarded-for': '203.0.113.5, 198.51.100.7',
    'x-forwarded-host': 'exams.example',
    host: 'internal:7420',
  };
  expect(p.clientAddress(req('10.1.2.3', forwarded))).toBe('198.51.100.7');
  expect(p.host(req('10.1.2.3', forwarded))).toBe('exams.example');
  expect(p.clientAddress(req('::ffff:10.1.2.3', forwarded))).toBe('198.51.100.7');
  // From anywhere else the headers are ignored.
  expect(p.clientAddress(req('192.168.1.9', forwarded))).toBe('192.168.1.9');
  expect(p.host(req('192.168.1.9', forwarded))).toBe('internal:7420');
  expect(new TrustedProxies([]).clientAddress(req('10.1.2.3', forwarded))).toBe('10.1.2.3');
});
