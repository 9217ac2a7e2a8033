/**
 * The store over a real database (an SQLite file; a PostgreSQL database in the unit-pg project):
 * repeats of an incident coalesce; replacement requests and refused-connection notices. How a
 * database is created and upgraded: test/unit/invigilator/server/db/migrate.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { expect, test } from 'vitest';
import type { DatabaseStore } from '../../../../../invigilator/server/store/database-store.ts';
import type { IncomingSeatEvent, SeatRow } from '../../../../../invigilator/server/store/store.ts';
import {
  enrolTestSeats,
  focusLostEvent,
  storesOnTestEngine,
  TEST_SEAT_FROM,
} from '../../../../helpers/test-store.ts';

let store: DatabaseStore | undefined;
const openTestStore = storesOnTestEngine('invigil-store-');

async function withSeat(s: DatabaseStore): Promise<{ seat: SeatRow; centreId: string }> {
  const [seat] = (await enrolTestSeats(s, ['PC-01'])) as [SeatRow];
  return { seat, centreId: seat.centreId };
}

test('repeats less than a minute apart are one incident; a minute later, or in another sitting, a new one', async () => {
  store = await openTestStore();
  const { seat, centreId } = await withSeat(store);
  const t = (s: number) => new Date(Date.UTC(2026, 10, 30, 9, 0, s)).toISOString();
  // Out of order and with a resend: still one incident, first and last right, resends not counted.
  const a = focusLostEvent(seat, t(10));
  const rows = await store.storeSeatEvents([a, focusLostEvent(seat, t(40)), focusLostEvent(seat, t(5)), a]);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ count: 3, at: t(5), lastAt: t(40) });
  await store.storeSeatEvents([focusLostEvent(seat, t(99))]); // 59 s after the last: the same incident
  await store.storeSeatEvents([focusLostEvent(seat, t(160))]); // 61 s after: a new one
  await store.storeSeatEvents([focusLostEvent(seat, t(161), 'sitting-2')]); // another sitting: a new one
  const all = await store.listIncidents(centreId, { limit: 10 });
  expect(all.map((i) => [i.count, i.at, i.lastAt])).toEqual([
    [1, t(161), t(161)],
    [1, t(160), t(160)],
    [4, t(5), t(99)],
  ]);
  expect(await store.countSeatEvents(seat.id)).toBe(6);
  // Stored bytes per sitting (or per day outside sittings).
  expect(await store.storedEventBytes(seat.id, 'sitting-2', '')).toBe(
    focusLostEvent(seat, t(161)).json.length,
  );
  expect(await store.storedEventBytes(seat.id, null, '2026-11-30T00:00:00.000Z')).toBeGreaterThan(0);
  expect(await store.storedEventBytes(seat.id, null, '2026-12-01T00:00:00.000Z')).toBe(0);
});

test('many seats in one batch: each repeat counts where it would one by one', async () => {
  store = await openTestStore();
  const { seat: one, centreId } = await withSeat(store);
  const more: SeatRow[] = [];
  for (const name of ['PC-02', 'PC-03']) {
    const r = await store.enrolSeat(
      'code-hash',
      name,
      `cred-${name}`,
      new Date().toISOString(),
      TEST_SEAT_FROM,
    );
    if (!r || !('seat' in r)) throw new Error('not enrolled');
    more.push(r.seat);
  }
  const [two, three] = more as [SeatRow, SeatRow];
  const t = (s: number) => new Date(Date.UTC(2026, 10, 30, 9, 0, s)).toISOString();
  await store.storeSeatEvents([focusLostEvent(one, t(0))]);
  const rows = await store.storeSeatEvents([
    focusLostEvent(one, t(30)), // counts on the incident stored before
    focusLostEvent(two, t(20)),
    focusLostEvent(three, t(10)),
    focusLostEvent(two, t(10)), // with two's t(20): one new incident of 2
    focusLostEvent(three, t(200)), // over a minute after three's t(10): a second incident
    focusLostEvent(two, t(15), 'sitting-2'), // another sitting: its own
  ]);
  expect(rows).toHaveLength(5);
  const all = await store.listIncidents(centreId, { limit: 20 });
  const shown = (s: SeatRow) =>
    all
      .filter((i) => i.seatId === s.id)
      .map((i) => [i.count, i.at, i.lastAt, i.sittingId])
      .sort((a, b) => String(a[1]).localeCompare(String(b[1])));
  expect(shown(one)).toEqual([[2, t(0), t(30), null]]);
  expect(shown(two)).toEqual([
    [2, t(10), t(20), null],
    [1, t(15), t(15), 'sitting-2'],
  ]);
  expect(shown(three)).toEqual([
    [1, t(10), t(10), null],
    [1, t(200), t(200), null],
  ]);
  // Automatic incidents in one call: the second counts on the first, made moments before in the same call.
  const offline = (at: string) => ({
    centreId,
    kind: 'seat-offline',
    description: 'PC-03 stopped reporting.',
    at,
    seatId: three.id,
    sittingId: null,
    entryId: null,
  });
  const added = await store.addAutomaticIncidents([offline(t(300)), offline(t(330)), offline(t(500))]);
  expect(added.map((i) => [i.count, i.at, i.lastAt])).toEqual([
    [2, t(300), t(330)],
    [1, t(500), t(500)],
  ]);
});

test('storing a batch takes as many statements for 60 new incidents as for 2 (none per incident)', async () => {
  store = await openTestStore();
  const { seat } = await withSeat(store);
  const s = store;
  const t = (m: number) => new Date(Date.UTC(2026, 10, 30, 9, m)).toISOString();
  const statements = async (events: IncomingSeatEvent[]) => {
    const before = s.db.stats.statements;
    const rows = await s.storeSeatEvents(events);
    return { statements: s.db.stats.statements - before, incidents: rows.length };
  };
  // Two minutes apart: each its own incident.
  const few = await statements([focusLostEvent(seat, t(0)), focusLostEvent(seat, t(2))]);
  const many = await statements(Array.from({ length: 60 }, (_, i) => focusLostEvent(seat, t(10 + 2 * i))));
  expect([few.incidents, many.incidents]).toEqual([2, 60]);
  expect(many.statements).toBe(few.statements);
  // And counting on them (each within a minute of one stored above): the same again.
  const again = await statements(Array.from({ length: 60 }, (_, i) => focusLostEvent(seat, t(10 + 2 * i))));
  expect(again.incidents).toBe(60);
  expect(again.statements).toBeLessThanOrEqual(few.statements + 1);
});

test('stored bytes asked for many seats at once are read in one query per sitting (or day)', async () => {
  store = await openTestStore();
  const [one, two] = (await enrolTestSeats(store, ['PC-01', 'PC-02'])) as [SeatRow, SeatRow];
  const at = '2026-11-30T09:00:00.000Z';
  const a = focusLostEvent(one, at);
  const b = focusLostEvent(two, at, 'sitting-1');
  const c = focusLostEvent(two, at);
  await store.storeSeatEvents([a, b, c, focusLostEvent(one, at)]);
  const day = '2026-11-30T00:00:00.000Z';
  const before = store.db.stats.statements;
  const answers = await Promise.all([
    store.storedEventBytes(one.id, null, day),
    store.storedEventBytes(two.id, null, day),
    store.storedEventBytes(two.id, 'sitting-1', day),
    store.storedEventBytes(one.id, 'sitting-1', day),
    store.storedEventBytes(one.id, null, '2026-12-01T00:00:00.000Z'),
  ]);
  expect(answers).toEqual([a.json.length * 2, c.json.length, b.json.length, 0, 0]);
  expect(store.db.stats.statements - before).toBe(3);
});

test('acknowledgements in one batch: each only for its own seat, the first time kept, in one UPDATE', async () => {
  store = await openTestStore();
  const [one, two] = (await enrolTestSeats(store, ['PC-01', 'PC-02'])) as [SeatRow, SeatRow];
  const centreId = one.centreId;
  const actor = { centreId, invigilatorId: null };
  const [g1, g2] = await store.createInstructions(
    [one, two].map((s) => ({
      actor,
      seatId: s.id,
      type: 'instruction/gate' as const,
      payload: { state: 'held' },
    })),
  );
  if (!g1 || !g2) throw new Error('no gates');
  const before = store.db.stats.statements;
  const answers = await store.ackInstructions([
    { seatId: one.id, instructionId: g1.id, at: '2026-11-30T09:00:01.000Z' },
    { seatId: one.id, instructionId: g2.id, at: '2026-11-30T09:00:02.000Z' }, // another seat's
    { seatId: two.id, instructionId: 'no-such-instruction', at: '2026-11-30T09:00:03.000Z' },
    { seatId: one.id, instructionId: g1.id, at: '2026-11-30T09:00:04.000Z' }, // again, later
  ]);
  expect(answers).toEqual([true, false, false, true]);
  const forFour = store.db.stats.statements - before;
  const gate = async (seatId: string) => (await store?.latestGates([seatId]))?.[0]?.ackedAt;
  expect(await gate(one.id)).toBe('2026-11-30T09:00:01.000Z');
  expect(await gate(two.id)).toBeNull();
  const beforeOne = store.db.stats.statements;
  expect(
    await store.ackInstructions([{ seatId: two.id, instructionId: g2.id, at: '2026-11-30T09:00:05.000Z' }]),
  ).toEqual([true]);
  // Four acknowledgements cost what one does: not a statement each.
  expect(forFour).toBe(store.db.stats.statements - beforeOne);
  expect(await gate(two.id)).toBe('2026-11-30T09:00:05.000Z');
});

test('an enrolled name becomes a pending request without using up the seat; approving swaps the credential', async () => {
  store = await openTestStore();
  const { seat, centreId } = await withSeat(store);
  const again = await store.enrolSeat('code-hash', 'PC-01', 'cred-2', new Date().toISOString(), {
    ...TEST_SEAT_FROM,
    userAgent: 'curl/8',
  });
  if (!again || !('seat' in again)) throw new Error('expected a request');
  expect(again.seat.credentialHash).toBe('cred-1');
  expect(again.replacement).toMatchObject({ status: 'pending', address: '10.0.0.7', userAgent: 'curl/8' });
  expect(again.incident?.kind).toBe('seat-replacement');
  expect((await store.getSeat(seat.id))?.credentialHash).toBe('cred-1');
  expect((await store.replacementByCredential('cred-2'))?.status).toBe('pending');
  // A second request, then the cap.
  await store.enrolSeat('code-hash', 'PC-01', 'cred-3', new Date().toISOString(), TEST_SEAT_FROM);
  const capped = await store.enrolSeat('code-hash', 'PC-01', 'cred-4', new Date().toISOString(), {
    ...TEST_SEAT_FROM,
    maxPending: 2,
  });
  expect(capped).toEqual({ tooManyPending: expect.objectContaining({ id: seat.id }) });
  const [coordinator] = await Promise.all([
    store.createInvigilator(
      { centreId, invigilatorId: null },
      { name: 'Dana', pin: '123', passwordHash: 'x', role: 'coordinator' },
    ),
  ]);
  const actor = { centreId, invigilatorId: coordinator?.id ?? null };
  const done = await store.decideReplacement(
    actor,
    again.replacement?.id ?? '',
    'approved',
    new Date().toISOString(),
  );
  expect(done?.seat.credentialHash).toBe('cred-2');
  expect(done?.replacement).toMatchObject({ status: 'approved', decidedBy: 'Dana' });
  expect((await store.getSeat(seat.id))?.credentialHash).toBe('cred-2');
  // The other pending request is superseded; deciding twice does nothing.
  expect((await store.replacementByCredential('cred-3'))?.status).toBe('superseded');
  expect(
    await store.decideReplacement(actor, again.replacement?.id ?? '', 'refused', new Date().toISOString()),
  ).toBeNull();
  // The code was used by the two requests written, not by the one refused at the cap.
  const code = await store.db.kysely.selectFrom('enrolment_codes').select('uses_left').executeTakeFirst();
  expect(Number(code?.uses_left)).toBe(7);
});

test('refused connections are one open notice per seat, added to until dismissed', async () => {
  store = await openTestStore();
  const { seat, centreId } = await withSeat(store);
  const r = (n: number, a: string) => ({
    firstAt: new Date(n).toISOString(),
    lastAt: new Date(n + 1).toISOString(),
    count: 3,
    addresses: [a],
  });
  await store.noteRefusedConnections(centreId, seat.id, r(0, '10.0.0.1'));
  const n = await store.noteRefusedConnections(centreId, seat.id, r(5000, '10.0.0.2'));
  expect(n).toMatchObject({
    count: 6,
    pcName: 'PC-01',
    addresses: ['10.0.0.1', '10.0.0.2'],
    firstAt: new Date(0).toISOString(),
  });
  expect(await store.listNotices(centreId)).toHaveLength(1);
  expect(await store.dismissNotice({ centreId: 'another centre', invigilatorId: null }, n.id)).toBe(false);
  expect(await store.dismissNotice({ centreId, invigilatorId: null }, n.id)).toBe(true);
  expect(await store.listNotices(centreId)).toHaveLength(0);
  const fresh = await store.noteRefusedConnections(centreId, seat.id, r(9000, '10.0.0.3'));
  expect(fresh.id).not.toBe(n.id);
  expect(fresh.count).toBe(3);
});

// ---- issue 13: summoned help, attempts, results, centre settings ----

async function withSitting(s: DatabaseStore) {
  const { seat, centreId } = await withSeat(s);
  const coordinator = await s.createInvigilator(
    { centreId, invigilatorId: null },
    { name: 'Cora Ordinator', pin: 'C1', passwordHash: 'x', role: 'coordinator' },
  );
  const helper = await s.createInvigilator(
    { centreId, invigilatorId: null },
    { name: 'Hal Helper', pin: 'H1', passwordHash: 'x', role: 'invigilator' },
  );
  const actor = { centreId, invigilatorId: coordinator.id };
  const entry = {
    candidateName: 'Ann Example',
    registrationNumber: 'R001',
    qualificationNumber: '601/8928/9',
    qualificationType: 'other' as const,
    assessment: 'Unit 1',
    durationMinutes: 60,
    extraMinutes: 0,
    reasonableAdjustment: null,
    seatId: seat.id,
  };
  const sittingId = await s.createSitting(actor, {
    room: 'Room 2',
    startsAt: '2026-03-03T09:30:00+00:00',
    invigilatorIds: [coordinator.id],
    entries: [entry],
  });
  const entryId = (await s.getSitting(sittingId))?.entries[0]?.id ?? '';
  return { centreId, seat, sittingId, entryId, actor, coordinator, helper };
}

test('help: asked is an incident; the first acknowledgement wins and rewrites the incident, audited', async () => {
  store = await openTestStore();
  const { centreId, sittingId, coordinator, helper } = await withSitting(store);
  const asker = { centreId, invigilatorId: coordinator.id };
  const siteId = (await store.getSitting(sittingId))?.siteId ?? null;
  expect(siteId).not.toBeNull();
  const { request, incident } = await store.createHelpRequest(
    asker,
    {
      room: 'Room 2',
      reason: 'it-failure',
      note: 'PC-01 froze',
      sittingId,
      siteId,
      at: '2026-03-03T10:00:00.000Z',
    },
    'asked',
  );
  expect(request).toMatchObject({
    siteId,
    room: 'Room 2',
    reason: 'it-failure',
    askedBy: { id: coordinator.id, name: 'Cora Ordinator' },
    acknowledgedAt: null,
    acknowledgedBy: null,
  });
  expect(incident).toMatchObject({
    kind: 'help-summoned',
    sittingId,
    description: 'asked',
    source: 'manual',
  });
  const responder = { centreId, invigilatorId: helper.id };
  const first = await store.acknowledgeHelpRequest(
    responder,
    request.id,
    '2026-03-03T10:00:40.000Z',
    (r) => `acked by ${r.acknowledgedBy?.name} at ${r.acknowledgedAt}`,
  );
  expect(first).toMatchObject({ already: false, request: { acknowledgedBy: { name: 'Hal Helper' } } });
  expect(first?.incident.description).toBe('acked by Hal Helper at 2026-03-03T10:00:40.000Z');
  // A second press (someone else, later) changes nothing.
  const second = await store.acknowledgeHelpRequest(
    asker,
    request.id,
    '2026-03-03T10:01:00.000Z',
    () => 'no',
  );
  expect(second).toMatchObject({ already: true, request: { acknowledgedAt: '2026-03-03T10:00:40.000Z' } });
  expect(second?.incident.description).toBe('acked by Hal Helper at 2026-03-03T10:00:40.000Z');
  // Another centre's actor cannot acknowledge it.
  expect(
    await store.acknowledgeHelpRequest(
      { centreId: 'other', invigilatorId: helper.id },
      request.id,
      'x',
      () => 'x',
    ),
  ).toBeUndefined();
  // Open ones are listed whatever their age; acknowledged ones only when recent.
  expect(await store.listHelpRequests(centreId, '2026-03-03T00:00:00.000Z')).toHaveLength(1);
  expect(await store.listHelpRequests(centreId, '2026-03-04T00:00:00.000Z')).toHaveLength(0);
  // Narrowed to sites: that site's, and centre-wide ones (of no site), which every site lists.
  const since = '2026-03-03T00:00:00.000Z';
  expect(await store.listHelpRequests(centreId, since, [siteId as string])).toHaveLength(1);
  expect(await store.listHelpRequests(centreId, since, [randomUUID()])).toHaveLength(0);
  expect(await store.listHelpRequests(centreId, since, [])).toHaveLength(0);
  const wide = await store.createHelpRequest(
    asker,
    {
      room: 'Hall',
      reason: 'fire-alarm',
      note: null,
      sittingId: null,
      siteId: null,
      at: '2026-03-03T11:00:00.000Z',
    },
    'asked',
  );
  expect(wide.request.siteId).toBeNull();
  for (const sites of [[randomUUID()], [], [siteId as string]])
    expect((await store.listHelpRequests(centreId, since, sites)).map((r) => r.id)).toContain(
      wide.request.id,
    );
  const audit = await store.listAudit(centreId, 50);
  expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['help.summon', 'help.acknowledge']));
  expect(audit.filter((a) => a.action === 'help.acknowledge')).toHaveLength(1);
});

test('attempts: the first release stays; finish and undo; imported outcomes; the rules see real times', async () => {
  store = await openTestStore();
  const { centreId, entryId, actor } = await withSitting(store);
  expect(await store.markReleased(entryId, '2026-03-03T09:31:00.000Z')).toBe(true);
  expect(await store.markReleased(entryId, '2026-03-03T09:50:00.000Z')).toBe(false);
  await store.setFinish(actor, entryId, { at: '2026-03-03T10:20:00.000Z', how: 'submitted-early' });
  const [sitting] = await store.listSittings(centreId);
  expect(sitting?.entries[0]).toMatchObject({
    releasedAt: '2026-03-03T09:31:00.000Z',
    finishedAt: '2026-03-03T10:20:00.000Z',
    finishedHow: 'submitted-early',
  });
  await store.importOutcomes(actor, [{ entryId, outcome: 'failed' }], { rows: 1 });
  const [attempt] = await store.attemptsFor(centreId, ['r001']);
  expect(attempt).toMatchObject({
    outcome: 'failed',
    releasedAt: '2026-03-03T09:31:00.000Z',
    finishedAt: '2026-03-03T10:20:00.000Z',
  });
  await store.setFinish(actor, entryId, null);
  expect((await store.getSitting(attempt?.sittingId ?? ''))?.entries[0]).toMatchObject({
    finishedAt: null,
    finishedHow: null,
  });
  const actions = (await store.listAudit(centreId, 50)).map((a) => a.action);
  expect(actions).toEqual(expect.arrayContaining(['entry.finish', 'entry.finish-undo', 'results.import']));
});

test('centre settings are stored per centre as JSON, audited', async () => {
  store = await openTestStore();
  const { centreId, actor } = await withSitting(store);
  expect(await store.getCentreSetting(centreId, 'centre-hours')).toBeUndefined();
  await store.setCentreSetting(actor, 'centre-hours', { opens: '09:00' });
  await store.setCentreSetting(actor, 'centre-hours', { opens: '08:30' });
  expect(await store.getCentreSetting(centreId, 'centre-hours')).toEqual({ opens: '08:30' });
  expect(await store.getCentreSetting('another-centre', 'centre-hours')).toBeUndefined();
});
