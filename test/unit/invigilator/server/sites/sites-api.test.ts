/**
 * Sites through the API (issue 12), on a real console (SQLite, or PostgreSQL in unit-pg): the centre
 * coordinator adds sites of the seed's kinds with rooms, renames them, moves seats and invigilators;
 * an enrolment code's site decides its seats'; the coordinator's filter by site; the invigilation
 * records per site and for the whole centre; a sub-contracted site's own coordinator within its site.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ApiError } from '../../../../../shared/api/client.ts';
import type { SiteView } from '../../../../../shared/schemas/sites.ts';
import { ConsoleClient, startTestConsole, type TestConsole } from '../../../../helpers/console-client.ts';
import { enrolTestSeat } from '../../../../helpers/console-seat.ts';

let c: TestConsole;
let lead: SiteView;
let satellite: SiteView;
let east: SiteView;

const PASSWORD = 'a long enough password';
const today = new Date().toISOString().slice(0, 10);

function sitting(room: string, siteId?: string, seatId: string | null = null) {
  return {
    room,
    startsAt: new Date(Date.now() + 3_600_000).toISOString(),
    invigilatorIds: [],
    entries: [
      {
        candidateName: `Candidate in ${room}`,
        registrationNumber: `IMI-${room.replace(/\W/g, '')}`,
        qualificationNumber: '601/8928/9',
        qualificationType: 'other' as const,
        assessment: 'Level 2 online test',
        durationMinutes: 60,
        seatId,
      },
    ],
    ...(siteId ? { siteId } : {}),
  };
}

async function signedIn(name: string, pin: string): Promise<ConsoleClient> {
  const client = new ConsoleClient(c.url);
  await client.signIn(name, pin, PASSWORD);
  return client;
}

beforeAll(async () => {
  c = await startTestConsole();
  const sites = (await c.admin.api.call('listSites', {})).sites;
  expect(sites.map((s) => [s.name, s.kind, s.kindLabel])).toEqual([['Main site', 'lead', 'Lead site']]);
  lead = sites[0] as SiteView;
  satellite = (
    await c.admin.api.call('createSite', {
      body: { name: 'Riverside satellite', kind: 'satellite', rooms: ['Lab 1', 'Lab 2'] },
    })
  ).site;
  east = (
    await c.admin.api.call('createSite', {
      body: { name: 'Eastgate Training', kind: 'sub-contracted', rooms: ['East 1'] },
    })
  ).site;
});
afterAll(async () => {
  await c?.close();
});

describe('sites and rooms', () => {
  test('the centre coordinator adds sites of the seed’s kinds, with rooms, and lists them with their kinds in words', async () => {
    expect(satellite).toMatchObject({
      kind: 'satellite',
      kindLabel: 'Satellite site',
      ownCoordinatorAllowed: false,
    });
    expect(satellite.rooms.map((r) => r.name)).toEqual(['Lab 1', 'Lab 2']);
    expect(east).toMatchObject({ kindLabel: 'Sub-contracted delivery site', ownCoordinatorAllowed: true });
    const listed = (await c.admin.api.call('listSites', {})).sites.map((s) => s.name);
    expect(listed).toEqual(['Eastgate Training', 'Main site', 'Riverside satellite']);
  });

  test('a second lead site, a taken name, a room listed twice and an unknown kind are refused, naming the problem', async () => {
    const second = await c.admin.post('/api/sites', { name: 'Another lead', kind: 'lead' });
    expect(second.status).toBe(400);
    expect(second.body.error).toMatch(/one lead site/);
    const taken = await c.admin.post('/api/sites', { name: 'Riverside satellite', kind: 'multi-site' });
    expect(taken.status).toBe(409);
    expect(taken.body.field).toBe('name');
    const twice = await c.admin.post('/api/sites', { name: 'North', kind: 'multi-site', rooms: ['A', 'a'] });
    expect(twice.status).toBe(400);
    expect(twice.body.error).toMatch(/rooms: a room is listed twice/);
    const kind = await c.admin.post('/api/sites', { name: 'North', kind: 'branch' });
    expect(kind.status).toBe(400);
    expect(kind.body.field).toBe('kind');
  });

  test('renaming a site; adding and renaming rooms (open sittings follow a room’s new name, closed records keep theirs)', async () => {
    const renamed = await c.admin.api.call('renameSite', {
      params: { id: satellite.id },
      body: { name: 'Riverside Campus' },
    });
    expect(renamed.site.name).toBe('Riverside Campus');
    const withRoom = await c.admin.api.call('addRoom', {
      params: { id: satellite.id },
      body: { name: 'Lab 3' },
    });
    expect(withRoom.site.rooms.map((r) => r.name)).toEqual(['Lab 1', 'Lab 2', 'Lab 3']);
    const dup = await c.admin.post(`/api/sites/${satellite.id}/rooms`, { name: 'lab 3' });
    expect(dup.status).toBe(409);

    const open = (await c.admin.api.call('createSitting', { body: sitting('Lab 1', satellite.id) })).sitting;
    const closed = (await c.admin.api.call('createSitting', { body: sitting('Lab 1', satellite.id) }))
      .sitting;
    await c.admin.api.call('closeSitting', { params: { id: closed.id } });
    const lab1 = withRoom.site.rooms.find((r) => r.name === 'Lab 1');
    const after = await c.admin.api.call('renameRoom', {
      params: { id: satellite.id, roomId: lab1?.id ?? '' },
      body: { name: 'Lab 1 (upstairs)' },
    });
    expect(after.site.rooms.map((r) => r.name)).toContain('Lab 1 (upstairs)');
    expect((await c.admin.api.call('getSitting', { params: { id: open.id } })).sitting.room).toBe(
      'Lab 1 (upstairs)',
    );
    expect((await c.admin.api.call('getSitting', { params: { id: closed.id } })).sitting.room).toBe('Lab 1');
    expect(open.siteId).toBe(satellite.id);
  });
});

describe('what belongs to a site', () => {
  test('an enrolment code’s site decides its seat’s; the centre coordinator moves a seat; sittings take only their site’s seats', async () => {
    const code = await c.admin.api.call('createEnrolmentCode', { body: { uses: 2, siteId: satellite.id } });
    expect(code.site).toMatchObject({ id: satellite.id, name: 'Riverside Campus' });
    const seat = await enrolTestSeat(c.admin, 'PC-RIV-01', code.code);
    const leadSeat = await enrolTestSeat(c.admin, 'PC-MAIN-01');
    const all = (await c.admin.api.call('listSeats', {})).seats;
    expect(all.find((s) => s.id === seat.seatId)?.siteId).toBe(satellite.id);
    expect(all.find((s) => s.id === leadSeat.seatId)?.siteId).toBe(lead.id);
    // The coordinator's filter.
    const riverside = (await c.admin.api.call('listSeats', { query: { siteId: satellite.id } })).seats;
    expect(riverside.map((s) => s.pcName)).toEqual(['PC-RIV-01']);

    const wrong = await c.admin.post('/api/sittings', sitting('Lab 2', satellite.id, leadSeat.seatId));
    expect(wrong.status).toBe(400);
    expect(wrong.body.field).toBe('entries.0.seatId');

    const moved = await c.admin.api.call('moveSeat', {
      params: { id: leadSeat.seatId },
      body: { siteId: satellite.id },
    });
    expect(moved.seat?.siteId).toBe(satellite.id);
    expect(
      (await c.admin.post('/api/sittings', sitting('Lab 2', satellite.id, leadSeat.seatId))).status,
    ).toBe(201);
    const unknown = await c.admin.put(`/api/seats/${leadSeat.seatId}/site`, { siteId: 'no-such-site-id' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.field).toBe('siteId');
  });

  test('invigilators belong to a site; the centre coordinator moves one; a coordinator only to a sub-contracted site', async () => {
    const made = await c.admin.api.call('createInvigilator', {
      body: { name: 'Rita Banks', pin: '80001', password: PASSWORD, siteId: satellite.id },
    });
    expect(made.invigilator.siteId).toBe(satellite.id);
    const plain = await c.admin.api.call('createInvigilator', {
      body: { name: 'Lee Chan', pin: '80002', password: PASSWORD },
    });
    expect(plain.invigilator.siteId).toBe(lead.id);
    const moved = await c.admin.api.call('moveInvigilator', {
      params: { id: plain.invigilator.id },
      body: { siteId: east.id },
    });
    expect(moved.invigilator.siteId).toBe(east.id);
    const me = await (await signedIn('Lee Chan', '80002')).api.call('me', {});
    expect(me.site).toMatchObject({ name: 'Eastgate Training', kindLabel: 'Sub-contracted delivery site' });

    const satelliteCoordinator = await c.admin.post('/api/invigilators', {
      name: 'Sol Reyes',
      pin: '80003',
      password: PASSWORD,
      role: 'coordinator',
      siteId: satellite.id,
    });
    expect(satelliteCoordinator.status).toBe(400);
    expect(satelliteCoordinator.body.error).toMatch(
      /only a sub-contracted delivery site can have a coordinator/,
    );
    const centreMe = await c.admin.api.call('me', {});
    expect(centreMe.site).toBeNull();
  });
});

describe('a sub-contracted site’s own coordinator', () => {
  let carol: ConsoleClient;
  beforeAll(async () => {
    await c.admin.api.call('createInvigilator', {
      body: {
        name: 'Carol Eastgate',
        pin: '90001',
        password: PASSWORD,
        role: 'coordinator',
        siteId: east.id,
      },
    });
    carol = await signedIn('Carol Eastgate', '90001');
  });

  test('sees only its site; adds rooms and people there; cannot create or rename sites or move seats', async () => {
    expect((await carol.api.call('listSites', {})).sites.map((s) => s.name)).toEqual(['Eastgate Training']);
    expect(
      (await carol.api.call('addRoom', { params: { id: east.id }, body: { name: 'East 2' } })).site.rooms,
    ).toHaveLength(2);
    expect((await carol.post(`/api/sites/${satellite.id}/rooms`, { name: 'Mine now' })).status).toBe(404);
    expect((await carol.post('/api/sites', { name: 'Carol’s own', kind: 'satellite' })).status).toBe(403);
    expect((await carol.put(`/api/sites/${east.id}`, { name: 'Renamed' })).status).toBe(403);
    const seats = (await c.admin.api.call('listSeats', {})).seats;
    expect((await carol.put(`/api/seats/${seats[0]?.id}/site`, { siteId: east.id })).status).toBe(403);
    // A filter naming another site is a 404, as the site would be.
    expect((await carol.get(`/api/sittings?siteId=${lead.id}`)).status).toBe(404);

    // Whoever Carol adds works at Eastgate, a coordinator included (limited to it).
    const added = await carol.api.call('createInvigilator', {
      body: { name: 'Ed Eastgate', pin: '90002', password: PASSWORD, role: 'coordinator' },
    });
    expect(added.invigilator.siteId).toBe(east.id);
    await expect(
      carol.api.call('createInvigilator', {
        body: { name: 'Ed Elsewhere', pin: '90003', password: PASSWORD, siteId: satellite.id },
      }),
    ).rejects.toThrow(ApiError);
    // What Carol plans is at Eastgate, whatever the room.
    const planned = await carol.api.call('createSitting', { body: sitting('East 1') });
    expect(planned.sitting.siteId).toBe(east.id);
  });
});

describe('the invigilation record, per site and for the whole centre', () => {
  test('the records of a range name the site, or the centre, in the heading and the file name', async () => {
    const riverside = await c.admin.api.call('getRecords', {
      query: { from: today, to: today, siteId: satellite.id },
    });
    expect(riverside.site?.name).toBe('Riverside Campus');
    expect(riverside.records.length).toBeGreaterThan(0);
    expect(riverside.records.every((r) => r.site?.id === satellite.id)).toBe(true);
    const whole = await c.admin.api.call('getRecords', { query: { from: today, to: today } });
    expect(whole.site).toBeNull();
    expect(new Set(whole.records.map((r) => r.site?.name))).toEqual(
      new Set(['Riverside Campus', 'Eastgate Training']),
    );

    const csv = await c.admin.get(`/api/records.csv?from=${today}&to=${today}&siteId=${satellite.id}`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-disposition')).toBe(
      `attachment; filename="invigilation-records-Riverside-Campus-${today}-to-${today}.csv"`,
    );
    expect(csv.text).toContain('Site,Riverside Campus (Satellite site)');
    expect(csv.text).not.toContain('Eastgate');
    const centreCsv = await c.admin.get(`/api/records.csv?from=${today}&to=${today}`);
    expect(centreCsv.headers.get('content-disposition')).toContain(`invigilation-records-centre-${today}`);
    expect(centreCsv.text).toContain('Site,All sites (the whole centre)');
    expect(centreCsv.text).toContain('Site,Eastgate Training (Sub-contracted delivery site)');

    const one = riverside.records[0];
    const single = await c.admin.get(`/api/sittings/${one?.sitting.id}/record.csv`);
    expect(single.headers.get('content-disposition')).toMatch(
      /invigilation-record-\d{4}-\d{2}-\d{2}-Riverside-Campus-Lab/,
    );
  });

  test('the anomaly report is narrowed to a site on request', async () => {
    const report = await c.admin.api.call('getAnomalyReport', {
      query: { from: today, to: today, siteId: east.id },
    });
    expect(report.report.site?.name).toBe('Eastgate Training');
    const whole = await c.admin.api.call('getAnomalyReport', { query: { from: today, to: today } });
    expect(whole.report.site).toBeNull();
    expect(whole.report.sittings).toBeGreaterThan(report.report.sittings);
  });
});
