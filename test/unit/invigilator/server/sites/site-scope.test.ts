/**
 * Attacks across sites (issue 12): an invigilator, or a sub-contracted site's own coordinator, reads or
 * changes another site's seats, sittings and incidents, in lists, by id, and on the live feed. The
 * sites, and who works where, are set up in the database directly (as migration 4 and the Sites routes
 * would leave them), so that these attacks run on consoles from before the Sites routes too.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hashPassword } from '../../../../../invigilator/server/auth.ts';
import type { LiveToDashboard } from '../../../../../shared/schemas/console-api.ts';
import { ConsoleClient, startTestConsole, type TestConsole } from '../../../../helpers/console-client.ts';
import {
  enrolTestSeat,
  event,
  type SimulatedSeat,
  startSimulatedSeat,
} from '../../../../helpers/console-seat.ts';

let c: TestConsole;
let eastSiteId: string;
let eve: ConsoleClient; // an invigilator at Eastgate
let carol: ConsoleClient; // Eastgate's own coordinator
let sam: ConsoleClient; // an invigilator at the lead site
const ids = { leadSeat: '', eastSeat: '', leadSitting: '', eastSitting: '', samId: '' };
const seats: SimulatedSeat[] = [];

function entry(name: string, seatId: string | null) {
  return {
    candidateName: name,
    registrationNumber: `IMI-${name.length}${seatId ? seatId.slice(0, 4) : 'none'}`,
    qualificationNumber: '601/8928/9',
    qualificationType: 'other' as const,
    assessment: 'MOT Testing Classes 4 and 7: online test',
    durationMinutes: 60,
    seatId,
  };
}

async function account(
  name: string,
  pin: string,
  role: 'coordinator' | 'invigilator',
  siteId: string | null,
) {
  await c.db
    .insertInto('invigilators')
    .values({
      id: randomUUID(),
      centre_id: (await c.db.selectFrom('centres').select('id').executeTakeFirstOrThrow()).id,
      name,
      pin,
      password_hash: await hashPassword('a long enough password'),
      role,
      site_id: siteId,
      created_at: new Date().toISOString(),
    })
    .execute();
  const client = new ConsoleClient(c.url);
  await client.signIn(name, pin, 'a long enough password');
  return client;
}

async function until<T>(fn: () => Promise<T | undefined>, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  c = await startTestConsole({ livePushMs: 10 });
  const centre = await c.db.selectFrom('centres').select('id').executeTakeFirstOrThrow();
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
  eve = await account('Eve Marsh', '70001', 'invigilator', eastSiteId);
  carol = await account('Carol Eastgate', '70002', 'coordinator', eastSiteId);
  const lead = await c.db
    .selectFrom('sites')
    .select('id')
    .where('kind', '=', 'lead')
    .executeTakeFirstOrThrow();
  sam = await account('Sam Rivera', '70003', 'invigilator', lead.id);
  ids.samId = (
    await c.db.selectFrom('invigilators').select('id').where('pin', '=', '70003').executeTakeFirstOrThrow()
  ).id;

  const leadSeat = await enrolTestSeat(c.admin, 'PC-LEAD-01');
  // A code made for Eastgate: the code's site decides the seat's.
  const code = (await c.admin.api.call('createEnrolmentCode', { body: { uses: 5 } })).code;
  await c.db.updateTable('enrolment_codes').set({ site_id: eastSiteId }).execute();
  const eastSeat = await enrolTestSeat(c.admin, 'PC-EAST-01', code);
  ids.leadSeat = leadSeat.seatId;
  ids.eastSeat = eastSeat.seatId;
  seats.push(startSimulatedSeat(c.url, leadSeat), startSimulatedSeat(c.url, eastSeat));

  const startsAt = new Date(Date.now() + 600_000).toISOString();
  const leadSitting = await c.admin.api.call('createSitting', {
    body: { room: 'Room 1', startsAt, invigilatorIds: [], entries: [entry('Lead Candidate', ids.leadSeat)] },
  });
  ids.leadSitting = leadSitting.sitting.id;
  const eastSitting = await c.admin.api.call('createSitting', {
    body: { room: 'East 1', startsAt, invigilatorIds: [], entries: [entry('East Candidate', null)] },
  });
  ids.eastSitting = eastSitting.sitting.id;
  await c.db.updateTable('sittings').set({ site_id: eastSiteId }).where('id', '=', ids.eastSitting).execute();
  for (const [sittingId, description] of [
    [ids.leadSitting, 'Lead site fire drill'],
    [ids.eastSitting, 'Eastgate fire drill'],
  ] as const) {
    await c.admin.api.call('createIncident', { body: { kind: 'other', description, sittingId } });
  }
});
afterAll(async () => {
  for (const s of seats) await s.stop();
  await c?.close();
});

describe('an invigilator sees only their own site', () => {
  test('lists: seats, sittings, incidents', async () => {
    for (const who of [eve, carol]) {
      const seatList = await who.get<{ seats: { id: string }[] }>('/api/seats');
      expect(seatList.body.seats.map((s) => s.id)).toEqual([ids.eastSeat]);
      const sittings = await who.get<{ sittings: { id: string }[] }>('/api/sittings');
      expect(sittings.body.sittings.map((s) => s.id)).toEqual([ids.eastSitting]);
      const incidents = await who.get<{ incidents: { description: string }[] }>('/api/incidents');
      expect(incidents.body.incidents.map((i) => i.description)).toEqual(['Eastgate fire drill']);
    }
    const samSeats = await sam.get<{ seats: { id: string }[] }>('/api/seats');
    expect(samSeats.body.seats.map((s) => s.id)).toEqual([ids.leadSeat]);
  });

  test('another site’s seat or sitting by id answers 404, read or write', async () => {
    for (const who of [eve, carol]) {
      const s = ids.leadSitting;
      const entryId = (await c.admin.api.call('getSitting', { params: { id: s } })).sitting.entries[0]?.id;
      const attempts = [
        await who.get(`/api/sittings/${s}`),
        await who.get(`/api/sittings/${s}/record`),
        await who.get(`/api/sittings/${s}/record.csv`),
        await who.get(`/api/sittings/${s}/pauses`),
        await who.get(`/api/incidents?sittingId=${s}`),
        await who.post(`/api/sittings/${s}/close`),
        await who.post(`/api/sittings/${s}/pauses`, { scope: 'room', reason: 'fire-alarm' }),
        await who.post(`/api/sittings/${s}/entries/${entryId}/identity`, { method: 'photo-id' }),
        await who.request('PATCH', `/api/seats/${ids.leadSeat}`, { place: 'moved' }),
        await who.post(`/api/seats/${ids.leadSeat}/message`, { text: 'Stop now' }),
        await who.post('/api/incidents', { kind: 'other', description: 'x', seatId: ids.leadSeat }),
      ];
      expect(attempts.map((a) => a.status)).toEqual(attempts.map(() => 404));
    }
    // Nothing changed: the lead sitting is open, its seat still where it was, no message sent.
    const sitting = await c.admin.api.call('getSitting', { params: { id: ids.leadSitting } });
    expect(sitting.sitting.closedAt).toBeNull();
    const leadSeat = (await c.admin.api.call('listSeats', {})).seats.find((x) => x.id === ids.leadSeat);
    expect(leadSeat?.place).not.toBe('moved');
    expect(leadSeat?.lastMessage).toBeNull();
  });

  test('another site’s seat cannot be put in one’s own sitting', async () => {
    const r = await eve.put(`/api/sittings/${ids.eastSitting}`, {
      room: 'East 1',
      startsAt: new Date(Date.now() + 600_000).toISOString(),
      invigilatorIds: [],
      entries: [entry('East Candidate', ids.leadSeat)],
    });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/entries\.0\.seatId/);
  });

  test('the live feed carries only one’s own site’s seats and incidents', async () => {
    const feed = await eve.live();
    const snapshot = await feed.waitFor((m) => (m.type === 'live/snapshot' ? m : undefined));
    expect(snapshot.seats.map((s) => s.id)).toEqual([ids.eastSeat]);
    // A change at the lead site, then one at Eastgate: Eve hears the second, never the first.
    await c.admin.request('PATCH', `/api/seats/${ids.leadSeat}`, { place: 'Lead row A' });
    await c.admin.api.call('createIncident', {
      body: { kind: 'other', description: 'Lead site live incident', sittingId: ids.leadSitting },
    });
    await c.admin.request('PATCH', `/api/seats/${ids.eastSeat}`, { place: 'East row B' });
    await c.admin.api.call('createIncident', {
      body: { kind: 'other', description: 'Eastgate live incident', sittingId: ids.eastSitting },
    });
    await feed.waitFor((m) =>
      m.type === 'live/seats' && m.seats.some((s) => s.place === 'East row B') ? m : undefined,
    );
    await feed.waitFor((m) =>
      m.type === 'live/incidents' && m.incidents.some((i) => i.description === 'Eastgate live incident')
        ? m
        : undefined,
    );
    const heard = feed.messages.map((m) => m.message as LiveToDashboard);
    const seatIds = heard.flatMap((m) =>
      m.type === 'live/seats' || m.type === 'live/snapshot' ? m.seats.map((s) => s.id) : [],
    );
    expect(new Set(seatIds)).toEqual(new Set([ids.eastSeat]));
    const incidents = heard.flatMap((m) =>
      m.type === 'live/incidents' ? m.incidents.map((i) => i.description) : [],
    );
    expect(incidents).toEqual(['Eastgate live incident']);
    const sittingIds = heard.flatMap((m) => (m.type === 'live/sittings' ? m.sittingIds : []));
    expect(sittingIds).not.toContain(ids.leadSitting);
    feed.close();
  });
});

describe('hands and pauses of another site', () => {
  test('another site’s raised hand cannot be answered, nor its pause ended (404), and both stay open', async () => {
    const leadSeat = seats[0] as SimulatedSeat;
    leadSeat.outbox.add(event('event/hand-raised', { via: 'button' }));
    const hand = await until(async () => {
      const v = (await c.admin.api.call('listSeats', {})).seats.find((x) => x.id === ids.leadSeat);
      return v?.hand ?? undefined;
    }, 'the lead seat’s raised hand');
    const pause = await c.admin.api.call('startPause', {
      params: { id: ids.leadSitting },
      body: { scope: 'room', reason: 'fire-alarm' },
    });
    for (const who of [eve, carol]) {
      const answer = await who.post(`/api/hands/${hand.id}/answer`, { reason: 'no-help-needed' });
      expect(answer.status).toBe(404);
      const resume = await who.post(`/api/pauses/${pause.pause.id}/resume`);
      expect(resume.status).toBe(404);
    }
    const after = (await c.admin.api.call('listSeats', {})).seats.find((x) => x.id === ids.leadSeat);
    expect(after?.hand?.id).toBe(hand.id);
    const pauses = await c.admin.api.call('listPauses', { params: { id: ids.leadSitting } });
    expect(pauses.pauses.find((p) => p.id === pause.pause.id)?.endedAt).toBeNull();
    await c.admin.api.call('resumePause', { params: { id: pause.pause.id } });
  });
});

describe('a sub-contracted site’s coordinator has powers only inside it', () => {
  test('cannot see other sites’ invigilators, make them sign-in links, or read the centre’s audit', async () => {
    const list = await carol.get<{ invigilators: { name: string }[] }>('/api/invigilators');
    expect(list.body.invigilators.map((i) => i.name).sort()).toEqual(['Carol Eastgate', 'Eve Marsh']);
    expect(
      (await carol.post(`/api/invigilators/${ids.samId}/sign-in-links`, { validMinutes: 10 })).status,
    ).toBe(404);
    expect((await carol.get('/api/audit')).status).toBe(403);
  });

  test('cannot see or decide another site’s replacement requests', async () => {
    // A PC enrolling with the lead seat's name asks to replace it.
    const code = (await c.admin.api.call('createEnrolmentCode', { body: { uses: 1 } })).code;
    const { enrolSeat } = await import('../../../../../kiosk-agent/seat/console-link.ts');
    await enrolSeat({ consoleUrl: c.url, code, pcName: 'PC-LEAD-01' });
    const pending = (await c.admin.api.call('listNotices', {})).replacements;
    expect(pending).toHaveLength(1);
    const notices = await carol.get<{ replacements: unknown[] }>('/api/notices');
    expect(notices.body.replacements).toEqual([]);
    expect((await carol.post(`/api/seat-replacements/${pending[0]?.id}/approve`)).status).toBe(404);
    expect((await c.admin.api.call('listNotices', {})).replacements).toHaveLength(1);
  });

  test('cannot set another site’s outcomes or the centre’s hours', async () => {
    const s = await c.admin.api.call('getSitting', { params: { id: ids.leadSitting } });
    const entryId = s.sitting.entries[0]?.id;
    const outcome = await carol.put(`/api/sittings/${ids.leadSitting}/entries/${entryId}/outcome`, {
      outcome: 'passed',
    });
    expect(outcome.status).toBe(404);
    const hours = await carol.put('/api/settings/centre-hours', {
      timeZone: 'Europe/London',
      opens: '00:00',
      closes: '23:59',
      days: [1, 2, 3, 4, 5, 6, 7],
    });
    expect(hours.status).toBe(403);
  });
});
