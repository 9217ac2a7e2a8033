/**
 * One-time sign-in links against a real console on 127.0.0.1 with a real SQLite file: a coordinator
 * makes one for an invigilator; it signs that invigilator in once (the normal session cookie); a used,
 * expired or wrong link is refused with a message that says which; only coordinators make them;
 * only the token's hash is stored; making and using them is audited; using them is rate-limited.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SignInLinkView } from '../../../shared/schemas/console-api.ts';
import { ConsoleClient, startTestConsole, type TestConsole } from '../../helpers/console-client.ts';

let c: TestConsole;
let samId = '';

beforeAll(async () => {
  c = await startTestConsole();
  const sam = await c.admin.post<{ invigilator: { id: string } }>('/api/invigilators', {
    name: 'Sam Reid',
    pin: '55501',
    password: 'another long one',
  });
  expect(sam.status).toBe(201);
  samId = sam.body.invigilator.id;
});
afterAll(async () => {
  await c?.close();
});

const tokenOf = (url: string) => url.split('#/link/')[1] ?? '';

async function makeLink(client: ConsoleClient, id: string, body: Record<string, unknown> = {}) {
  return client.post<SignInLinkView>(`/api/invigilators/${id}/sign-in-links`, body);
}

describe('a coordinator makes a link for an invigilator', () => {
  test('the link signs that invigilator in once, with the usual HttpOnly, SameSite=Strict session', async () => {
    const made = await makeLink(c.admin, samId);
    expect(made.status).toBe(201);
    expect(made.body.url).toMatch(new RegExp(`^${c.url}/#/link/[A-Za-z0-9_-]{40,}$`));
    expect(made.body.invigilator).toMatchObject({ name: 'Sam Reid', role: 'invigilator' });
    const minutes = (Date.parse(made.body.expiresAt) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(14);
    expect(minutes).toBeLessThanOrEqual(15);

    const browser = new ConsoleClient(c.url);
    const used = await browser.post<{ invigilator: { name: string } }>('/api/sign-in/link', {
      token: tokenOf(made.body.url),
    });
    expect(used.status, used.text).toBe(200);
    expect(used.body.invigilator.name).toBe('Sam Reid');
    const cookie = used.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const me = await browser.get<{ invigilator: { name: string } }>('/api/me');
    expect(me.status).toBe(200);
    expect(me.body.invigilator.name).toBe('Sam Reid');

    const again = await new ConsoleClient(c.url).post('/api/sign-in/link', { token: tokenOf(made.body.url) });
    expect(again.status).toBe(410);
    expect(again.body.error).toMatch(/already been used/);
    expect(again.headers.get('set-cookie')).toBeNull();
  });

  test('an expired link is refused and says it expired', async () => {
    const made = await makeLink(c.admin, samId, { validMinutes: 1 });
    expect(made.status).toBe(201);
    const token = tokenOf(made.body.url);
    // Time passes: the link's expiry is now in the past.
    const past = new Date(Date.now() - 1000).toISOString();
    const hash = createHash('sha256').update(token).digest('hex');
    const changed = await c.db
      .updateTable('sign_in_links')
      .set({ expires_at: past })
      .where('token_hash', '=', hash)
      .executeTakeFirst();
    expect(Number(changed.numUpdatedRows)).toBe(1);

    const r = await new ConsoleClient(c.url).post('/api/sign-in/link', { token });
    expect(r.status).toBe(410);
    expect(r.body.error).toMatch(/expired/);
    expect(r.headers.get('set-cookie')).toBeNull();
  });

  test('a wrong token signs nobody in', async () => {
    const made = await makeLink(c.admin, samId);
    const token = tokenOf(made.body.url);
    const wrong = `${token.slice(0, -4)}${token.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    const client = new ConsoleClient(c.url);
    const r = await client.post('/api/sign-in/link', { token: wrong });
    expect(r.status).toBe(403);
    expect(r.body.error).toMatch(/not valid/);
    expect(r.headers.get('set-cookie')).toBeNull();
    expect((await client.get('/api/me')).status).toBe(401);
    // A token that is not even the right shape gets 400 naming the field.
    const bad = await client.post('/api/sign-in/link', { token: 'short' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^token/);
  });

  test('only the hash of the token is stored', async () => {
    const made = await makeLink(c.admin, samId);
    const token = tokenOf(made.body.url);
    const rows = (await sql<{ token_hash: string }>`SELECT token_hash FROM sign_in_links`.execute(c.db)).rows;
    expect(rows.some((r) => r.token_hash === createHash('sha256').update(token).digest('hex'))).toBe(true);
    expect(rows.some((r) => r.token_hash.includes(token))).toBe(false);
  });

  test('an invigilator who is not a coordinator cannot make links (403); an unknown invigilator is 404', async () => {
    const sam = new ConsoleClient(c.url);
    await sam.signIn('Sam Reid', '55501', 'another long one');
    const me = await sam.get<{ invigilator: { id: string } }>('/api/me');
    const r = await makeLink(sam, me.body.invigilator.id);
    expect(r.status).toBe(403);
    expect(r.text).toMatch(/coordinator/);
    expect((await makeLink(c.admin, '00000000-0000-0000-0000-000000000000')).status).toBe(404);
    expect((await makeLink(c.admin, samId, { validMinutes: 600 })).status).toBe(400);
    expect((await makeLink(new ConsoleClient(c.url), samId)).status).toBe(401);
  });

  test('making and using a link are in the audit trail', async () => {
    const audit = await c.admin.get<{
      audit: { action: string; invigilator: string | null; subject: string }[];
    }>('/api/audit');
    const made = audit.body.audit.filter((a) => a.action === 'sign-in-link.create');
    const used = audit.body.audit.filter((a) => a.action === 'sign-in-link.use');
    expect(made.length).toBeGreaterThanOrEqual(1);
    expect(made[0]).toMatchObject({ invigilator: 'Dana Okafor', subject: samId });
    expect(used).toHaveLength(1);
    expect(used[0]).toMatchObject({ invigilator: 'Sam Reid', subject: samId });
  });
});

test('using links is rate-limited like sign-in (429 after 10 a minute)', async () => {
  const other = await startTestConsole();
  try {
    const client = new ConsoleClient(other.url);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      statuses.push((await client.post('/api/sign-in/link', { token: `guessed-token-number-${i}` })).status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 403)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  } finally {
    await other.close();
  }
});
