/**
 * Help summoned at one site reaches that site's staff and the centre coordinator, not another site's
 * (issues 12 and 13): not on the live feed, not in the list, and it cannot be acknowledged from there
 * (404). Help the centre coordinator summons to a room with no sitting is centre-wide: everyone hears
 * it. On PostgreSQL (unit-pg) the other site's dashboards are on a second console process on the same
 * database, so the alert crosses processes by LISTEN/NOTIFY and is filtered on the receiving side too.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { hashPassword } from '../../../../../invigilator/server/auth.ts';
import { silentLogger } from '../../../../../invigilator/server/logger.ts';
import { type RunningConsole, startConsole } from '../../../../../invigilator/server/start.ts';
import type { LiveToDashboard } from '../../../../../shared/schemas/console-api.ts';
import type { HelpRequestView } from '../../../../../shared/schemas/help.ts';
import {
  ConsoleClient,
  type LiveFeed,
  startTestConsole,
  type TestConsole,
} from '../../../../helpers/console-client.ts';

let c: TestConsole;
/** A second console process on the same database (PostgreSQL only); else the same console. */
let other: RunningConsole | undefined;
let otherDir: string | undefined;
let eastSiteId: string;
let leadSiteId: string;
let sam: ConsoleClient; // an invigilator at the lead site (site A)
let lee: ConsoleClient; // another invigilator at the lead site
let eve: ConsoleClient; // an invigilator at Eastgate (site B), on the other console when there is one
let carol: ConsoleClient; // Eastgate's own coordinator, on the other console when there is one
const feeds: LiveFeed[] = [];

function entry(name: string) {
  return {
    candidateName: name,
    registrationNumber: `IMI-${name.length}`,
    qualificationNumber: '601/8928/9',
    qualificationType: 'other' as const,
    assessment: 'MOT Testing Classes 4 and 7: online test',
    durationMinutes: 60,
    seatId: null,
  };
}

async function account(
  name: string,
  pin: string,
  role: 'coordinator' | 'invigilator',
  siteId: string | null,
  url: string,
) {
  const centre = await c.db.selectFrom('centres').select('id').executeTakeFirstOrThrow();
  await c.db
    .insertInto('invigilators')
    .values({
      id: randomUUID(),
      centre_id: centre.id,
      name,
      pin,
      password_hash: await hashPassword('a long enough password'),
      role,
      site_id: siteId,
      created_at: new Date().toISOString(),
    })
    .execute();
  const client = new ConsoleClient(url);
  await client.signIn(name, pin, 'a long enough password');
  return client;
}

async function feedOf(who: ConsoleClient): Promise<LiveFeed> {
  const feed = await who.live();
  await feed.waitFor((m) => (m.type === 'live/snapshot' ? m : undefined));
  feeds.push(feed);
  return feed;
}

function helpHeard(feed: LiveFeed): HelpRequestView[] {
  return feed.messages.flatMap((m) => {
    const msg = m.message as LiveToDashboard;
    return msg.type === 'live/help' ? [msg.request] : [];
  });
}

function hears(feed: LiveFeed, id: string, acknowledged = false): Promise<HelpRequestView> {
  return feed.waitFor((m) =>
    m.type === 'live/help' && m.request.id === id && (m.request.acknowledgedAt !== null) === acknowledged
      ? m.request
      : undefined,
  );
}

async function summon(who: ConsoleClient, room: string): Promise<HelpRequestView> {
  const r = await who.post<{ request: HelpRequestView }>('/api/help', { room, reason: 'it-failure' });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.request;
}

async function listed(who: ConsoleClient): Promise<string[]> {
  const r = await who.get<{ requests: HelpRequestView[] }>('/api/help');
  expect(r.status).toBe(200);
  return r.body.requests.map((x) => x.id);
}

beforeAll(async () => {
  c = await startTestConsole({ livePushMs: 10 });
  let otherUrl = c.url;
  if (c.database) {
    otherDir = mkdtempSync(join(tmpdir(), 'invigil-console-b-'));
    other = await startConsole({
      dataDir: otherDir,
      database: c.database,
      port: 0,
      host: '127.0.0.1',
      log: silentLogger(),
      livePushMs: 10,
    });
    otherUrl = other.url;
  }
  const centre = await c.db.selectFrom('centres').select('id').executeTakeFirstOrThrow();
  leadSiteId = (
    await c.db.selectFrom('sites').select('id').where('kind', '=', 'lead').executeTakeFirstOrThrow()
  ).id;
  eastSiteId = randomUUID();
  await c.db
    .insertInto('sites')
    .values({
      id: eastSiteId,
      centre_id: centre.id,
      name: 'Eastgate Training',
      kind: 'sub-contracted',
      created_at: new Date().toISOString(),
    })
    .execute();
  sam = await account('Sam Rivera', '70003', 'invigilator', leadSiteId, c.url);
  lee = await account('Lee Park', '70004', 'invigilator', leadSiteId, c.url);
  eve = await account('Eve Marsh', '70001', 'invigilator', eastSiteId, otherUrl);
  carol = await account('Carol Eastgate', '70002', 'coordinator', eastSiteId, otherUrl);

  // A sitting in Room 1 at the lead site, and one in East 1 at Eastgate, both about to start.
  const startsAt = new Date(Date.now() + 600_000).toISOString();
  await c.admin.api.call('createSitting', {
    body: { room: 'Room 1', startsAt, invigilatorIds: [], entries: [entry('Lead Candidate')] },
  });
  const east = await c.admin.api.call('createSitting', {
    body: { room: 'East 1', startsAt, invigilatorIds: [], entries: [entry('East Candidate')] },
  });
  await c.db.updateTable('sittings').set({ site_id: eastSiteId }).where('id', '=', east.sitting.id).execute();
});

afterAll(async () => {
  for (const f of feeds) f.close();
  await other?.close();
  if (otherDir) rmSync(otherDir, { recursive: true, force: true });
  await c?.close();
});

test('help at the lead site reaches its staff and the coordinator, never Eastgate’s dashboards, list or acknowledgement', async () => {
  const [adminFeed, leeFeed, eveFeed, carolFeed] = await Promise.all([
    feedOf(c.admin),
    feedOf(lee),
    feedOf(eve),
    feedOf(carol),
  ]);
  const lead = await summon(sam, 'Room 1');
  await hears(adminFeed, lead.id);
  await hears(leeFeed, lead.id);
  // Then help Eastgate must hear (the coordinator's, to Eastgate's room): once it has arrived, the
  // lead site's request would have arrived before it, had it been sent.
  const east = await summon(c.admin, 'East 1');
  await hears(eveFeed, east.id);
  await hears(carolFeed, east.id);
  await hears(adminFeed, east.id);
  for (const feed of [eveFeed, carolFeed]) expect(helpHeard(feed).map((r) => r.id)).not.toContain(lead.id);
  // ... and Eastgate's help is not the lead site's business either.
  await hears(leeFeed, lead.id);
  const centreWide = await summon(c.admin, 'Main hall');
  await hears(leeFeed, centreWide.id);
  expect(helpHeard(leeFeed).map((r) => r.id)).not.toContain(east.id);

  // Lists: each sees their own site's (and the centre-wide one); the coordinator sees all.
  expect(await listed(eve)).toEqual([east.id, centreWide.id]);
  expect(await listed(carol)).toEqual([east.id, centreWide.id]);
  expect(await listed(sam)).toEqual([lead.id, centreWide.id]);
  expect(await listed(c.admin)).toEqual([lead.id, east.id, centreWide.id]);

  // Acknowledging the lead site's request from Eastgate: as if it did not exist, and it stays open.
  for (const who of [eve, carol]) {
    const r = await who.post(`/api/help/${lead.id}/acknowledge`);
    expect(r.status).toBe(404);
  }
  const still = (await c.admin.api.call('listHelp', {})).requests.find((r) => r.id === lead.id);
  expect(still?.acknowledgedAt).toBeNull();
  // Lee, at the lead site, can; Sam (who asked) hears that it was, and Eastgate does not.
  const samFeed = await feedOf(sam);
  expect((await lee.post(`/api/help/${lead.id}/acknowledge`)).status).toBe(200);
  await hears(samFeed, lead.id, true);
  await hears(adminFeed, lead.id, true);
  expect((await eve.post(`/api/help/${east.id}/acknowledge`)).status).toBe(200);
  await hears(carolFeed, east.id, true);
  for (const feed of [eveFeed, carolFeed]) expect(helpHeard(feed).map((r) => r.id)).not.toContain(lead.id);
});

test('help the centre coordinator summons to a room with no sitting reaches every site', async () => {
  const [samFeed, eveFeed] = await Promise.all([feedOf(sam), feedOf(eve)]);
  const hall = await summon(c.admin, 'Sports hall');
  expect(hall.sittingId).toBeNull();
  await hears(samFeed, hall.id);
  await hears(eveFeed, hall.id);
  expect(await listed(eve)).toContain(hall.id);
  expect(await listed(sam)).toContain(hall.id);
  // Anyone at the centre may answer it.
  expect((await eve.post(`/api/help/${hall.id}/acknowledge`)).status).toBe(200);
  await hears(samFeed, hall.id, true);
});

test('help an Eastgate invigilator summons is Eastgate’s, even to a room named as the lead site’s', async () => {
  const [adminFeed, samFeed, carolFeed] = await Promise.all([feedOf(c.admin), feedOf(sam), feedOf(carol)]);
  // Eve names the lead site's Room 1: her request is still Eastgate's, not in the lead sitting's record.
  const asked = await summon(eve, 'Room 1');
  expect(asked.sittingId).toBeNull();
  await hears(adminFeed, asked.id);
  await hears(carolFeed, asked.id);
  const after = await summon(c.admin, 'Car park');
  await hears(samFeed, after.id);
  expect(helpHeard(samFeed).map((r) => r.id)).not.toContain(asked.id);
  expect(await listed(sam)).not.toContain(asked.id);
  expect((await sam.post(`/api/help/${asked.id}/acknowledge`)).status).toBe(404);
});
