/**
 * Sign-in against `invigil console` as a real process, as an attacker guessing passwords would try it:
 * from many addresses (every 127.x.y.z address reaches a console on 127.0.0.1), for one name and for
 * many. Every refusal is in the audit trail.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ConsoleClient, setupFirstInvigilator } from '../../../../helpers/console-client.ts';
import { type ConsoleProcess, startConsoleProcess } from '../../../../helpers/console-process.ts';

const RIGHT = { name: 'Dana Okafor', pin: '40213', password: 'correct horse battery' };

/** POST JSON from a chosen local address, as a browser on that machine would. */
function postFrom(
  url: string,
  from: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; setCookie: string[] }> {
  const u = new URL(path, url);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        localAddress: from,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          origin: url,
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => {
          text += String(d);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text, setCookie: res.headers['set-cookie'] ?? [] }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('sign-in throttling', () => {
  let proc: ConsoleProcess;
  let admin: ConsoleClient;
  beforeAll(async () => {
    proc = await startConsoleProcess();
    admin = await setupFirstInvigilator(proc.url, proc.setupUrl ?? '');
  }, 60_000);
  afterAll(async () => {
    expect(await proc?.stop()).toBe(0);
  });

  test('wrong passwords for one name from many addresses: the right one is refused too until the delay is over', async () => {
    let failures = 0;
    for (let a = 2; a <= 6; a++) {
      for (let i = 0; i < 8; i++) {
        const r = await postFrom(proc.url, `127.0.0.${a}`, '/api/sign-in', {
          ...RIGHT,
          password: `guess ${a}-${i}`,
        });
        expect([401, 429]).toContain(r.status);
        failures++;
      }
    }
    expect(failures).toBe(40);
    const right = await postFrom(proc.url, '127.0.0.7', '/api/sign-in', RIGHT);
    expect(right.status).toBe(429);
    expect(JSON.parse(right.text).error).toMatch(/Too many wrong passwords for this name/);
    // Another name is not held back by this one.
    const other = await postFrom(proc.url, '127.0.0.8', '/api/sign-in', { ...RIGHT, name: 'Sam Lee' });
    expect(other.status).toBe(401);
  }, 120_000);

  test('every refusal is in the audit trail, with the address', async () => {
    type Audit = { action: string; subject: string | null; details: string | null };
    // Floods of throttled attempts are written as one row every few seconds, with how many.
    let refusals: Audit[] = [];
    const deadline = Date.now() + 15_000;
    for (;;) {
      const audit = await admin.get<{ audit: Audit[] }>('/api/audit');
      refusals = audit.body.audit.filter((a) => a.action.startsWith('sign-in.refused'));
      if (refusals.some((a) => a.action === 'sign-in.refused-throttled') || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const wrong = refusals.filter((a) => a.action === 'sign-in.refused' && a.subject === 'Dana Okafor');
    expect(wrong.length).toBeGreaterThanOrEqual(3);
    expect(refusals.some((a) => a.action === 'sign-in.refused' && a.subject === 'Sam Lee')).toBe(true);
    expect(wrong.some((a) => a.details?.includes('"address":"127.0.0.2"'))).toBe(true);
    const throttled = refusals.filter((a) => a.action === 'sign-in.refused-throttled');
    expect(throttled.find((a) => a.subject === 'Dana Okafor')?.details).toMatch(/"count":\d+/);
    // Counting the rows and the counts, every one of the 41 refused attempts is there.
    const counted =
      wrong.length + throttled.reduce((n, a) => n + Number(JSON.parse(a.details ?? '{}').count ?? 0), 0);
    expect(counted).toBe(41);
  }, 60_000);

  test('guesses spread over many names and addresses are throttled overall', async () => {
    let throttled = 0;
    for (let a = 10; a < 40 && throttled === 0; a++) {
      for (let i = 0; i < 9; i++) {
        const r = await postFrom(proc.url, `127.0.1.${a}`, '/api/sign-in', {
          name: `Person ${a} ${i}`,
          pin: '12345',
          password: 'guess',
        });
        if (r.status === 429 && JSON.parse(r.text).error.includes('many failed sign-ins')) throttled++;
      }
    }
    expect(throttled).toBeGreaterThan(0);
  }, 120_000);
});

describe('behind a TLS-terminating proxy (--trust-proxy)', () => {
  test('the session cookie is Secure', async () => {
    const proc = await startConsoleProcess({ args: ['--trust-proxy', '127.0.0.1'] });
    try {
      await setupFirstInvigilator(proc.url, proc.setupUrl ?? '');
      const r = await postFrom(proc.url, '127.0.0.1', '/api/sign-in', RIGHT, {
        'x-forwarded-proto': 'https',
        'x-forwarded-for': '203.0.113.9',
      });
      expect(r.status).toBe(200);
      expect(r.setCookie[0]).toMatch(/; Secure/);
      expect(r.setCookie[0]).toMatch(/HttpOnly/);
    } finally {
      await proc.stop();
    }
  }, 60_000);
});
