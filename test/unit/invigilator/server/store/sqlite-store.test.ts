/**
 * The SQLite store's additions for issue 9, on a real file: a version-1 database opens and gains what
 * version 2 needs; repeats of an incident coalesce; replacement requests and refused-connection notices.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { openSqliteStore, type SqliteStore } from '../../../../../invigilator/server/store/sqlite-store.ts';
import type { IncomingSeatEvent, SeatRow } from '../../../../../invigilator/server/store/store.ts';

let dir: string;
let store: SqliteStore | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'invigil-store-'));
});
afterEach(async () => {
  await store?.close();
  store = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const FROM = { address: '10.0.0.7', userAgent: null, maxPending: 5 };

async function withSeat(s: SqliteStore): Promise<{ seat: SeatRow; centreId: string }> {
  const { centre } = await s.ensureCentre();
  const actor = { centreId: centre.id, invigilatorId: null };
  await s.createEnrolmentCode(actor, 'code-hash', new Date(Date.now() + 3_600_000).toISOString(), 10);
  const r = await s.enrolSeat('code-hash', 'PC-01', 'cred-1', new Date().toISOString(), FROM);
  if (!r || !('seat' in r)) throw new Error('not enrolled');
  return { seat: r.seat, centreId: centre.id };
}

function focusLost(seat: SeatRow, at: string, sittingId: string | null = null): IncomingSeatEvent {
  const event = { id: randomUUID(), type: 'event/focus-lost' as const, at };
  return {
    seatId: seat.id,
    centreId: seat.centreId,
    event,
    json: JSON.stringify(event),
    sittingId,
    receivedAt: at,
    incident: {
      kind: 'focus-lost',
      description: 'The browser lost focus.',
      at,
      seatId: seat.id,
      sittingId,
      entryId: null,
    },
  };
}

test('a version-1 database opens: incidents gain a count and a last time, events a sitting', async () => {
  const file = join(dir, 'console.sqlite');
  const v1 = new Database(file);
  v1.exec(
    readFileSync(
      resolve(import.meta.dirname, '../../../../fixtures/invigilator/console-schema-v1.sql'),
      'utf8',
    ),
  );
  v1.prepare("INSERT INTO centres VALUES ('c1', 'Old centre', '2026-01-01T00:00:00.000Z')").run();
  v1.prepare(
    "INSERT INTO seats VALUES ('seat-0001', 'c1', 'PC-OLD', '', 'hash', '2026-01-01T00:00:00.000Z')",
  ).run();
  v1.prepare(
    `INSERT INTO incidents (id, centre_id, at, kind, source, description, seat_id, created_at)
     VALUES ('i1', 'c1', '2026-01-01T09:00:00.000Z', 'focus-lost', 'automatic', 'Lost focus.', 'seat-0001', '2026-01-01T09:00:00.000Z')`,
  ).run();
  v1.prepare(
    `INSERT INTO seat_events (id, seat_id, type, at, received_at, json)
     VALUES ('evt-00000001', 'seat-0001', 'event/focus-lost', '2026-01-01T09:00:00.000Z', '2026-01-01T09:00:00.000Z', '{}')`,
  ).run();
  v1.pragma('user_version = 1');
  v1.close();
  store = openSqliteStore(dir);
  expect(store.db.pragma('user_version', { simple: true })).toBe(5);
  // Version 4 (issue 13): raised hands and pauses have their tables, empty.
  expect(await store.openHands()).toEqual([]);
  expect(await store.openPauses()).toEqual([]);
  // Version 5: entries gain their attempt (release, finish), empty for what was there before.
  const entryColumns = (store.db.prepare('PRAGMA table_info(entries)').all() as { name: string }[]).map(
    (c) => c.name,
  );
  expect(entryColumns).toEqual(expect.arrayContaining(['released_at', 'finished_at', 'finished_how']));
  // Events are now keyed by (seat, id): the old one is kept.
  expect(await store.countSeatEvents('seat-0001')).toBe(1);
  expect(
    (store.db.prepare('PRAGMA table_info(seat_events)').all() as { name: string; pk: number }[])
      .filter((c) => c.pk > 0)
      .map((c) => c.name),
  ).toEqual(['seat_id', 'id']);
  const [old] = await store.listIncidents('c1', { limit: 10 });
  expect(old).toMatchObject({ id: 'i1', count: 1, lastAt: '2026-01-01T09:00:00.000Z' });
  // A repeat within the minute counts on the old incident.
  const seat = (await store.getSeat('seat-0001')) as SeatRow;
  await store.storeSeatEvents(
    [focusLost(seat, '2026-01-01T09:00:30.000Z')].map((e) => ({
      ...e,
      incident: e.incident && { ...e.incident, description: 'Lost focus.' },
    })),
  );
  expect((await store.listIncidents('c1', { limit: 10 }))[0]).toMatchObject({ id: 'i1', count: 2 });
  await store.close();
  // And it opens again, already at version 5.
  store = openSqliteStore(dir);
  expect((await store.listIncidents('c1', { limit: 10 }))[0]?.count).toBe(2);
});

test('repeats less than a minute apart are one incident; a minute later, or in another sitting, a new one', async () => {
  store = openSqliteStore(dir);
  const { seat, centreId } = await withSeat(store);
  const t = (s: number) => new Date(Date.UTC(2026, 10, 30, 9, 0, s)).toISOString();
  // Out of order and with a resend: still one incident, first and last right, resends not counted.
  const a = focusLost(seat, t(10));
  const rows = await store.storeSeatEvents([a, focusLost(seat, t(40)), focusLost(seat, t(5)), a]);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ count: 3, at: t(5), lastAt: t(40) });
  await store.storeSeatEvents([focusLost(seat, t(99))]); // 59 s after the last: the same incident
  await store.storeSeatEvents([focusLost(seat, t(160))]); // 61 s after: a new one
  await store.storeSeatEvents([focusLost(seat, t(161), 'sitting-2')]); // another sitting: a new one
  const all = await store.listIncidents(centreId, { limit: 10 });
  expect(all.map((i) => [i.count, i.at, i.lastAt])).toEqual([
    [1, t(161), t(161)],
    [1, t(160), t(160)],
    [4, t(5), t(99)],
  ]);
  expect(await store.countSeatEvents(seat.id)).toBe(6);
  // Stored bytes per sitting (or per day outside sittings).
  expect(await store.storedEventBytes(seat.id, 'sitting-2', '')).toBe(focusLost(seat, t(161)).json.length);
  expect(await store.storedEventBytes(seat.id, null, '2026-11-30T00:00:00.000Z')).toBeGreaterThan(0);
  expect(await store.storedEventBytes(seat.id, null, '2026-12-01T00:00:00.000Z')).toBe(0);
});

test('an enrolled name becomes a pending request without using up the seat; approving swaps the credential', async () => {
  store = openSqliteStore(dir);
  const { seat, centreId } = await withSeat(store);
  const again = await store.enrolSeat('code-hash', 'PC-01', 'cred-2', new Date().toISOString(), {
    ...FROM,
    userAgent: 'curl/8',
  });
  if (!again || !('seat' in again)) throw new Error('expected a request');
  expect(again.seat.credentialHash).toBe('cred-1');
  expect(again.replacement).toMatchObject({ status: 'pending', address: '10.0.0.7', userAgent: 'curl/8' });
  expect(again.incident?.kind).toBe('seat-replacement');
  expect((await store.getSeat(seat.id))?.credentialHash).toBe('cred-1');
  expect((await store.replacementByCredential('cred-2'))?.status).toBe('pending');
  // A second request, then the cap.
  await store.enrolSeat('code-hash', 'PC-01', 'cred-3', new Date().toISOString(), FROM);
  const capped = await store.enrolSeat('code-hash', 'PC-01', 'cred-4', new Date().toISOString(), {
    ...FROM,
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
  expect(
    Number(
      (store.db.prepare('SELECT uses_left FROM enrolment_codes').get() as { uses_left: number }).uses_left,
    ),
  ).toBe(7);
});

test('refused connections are one open notice per seat, added to until dismissed', async () => {
  store = openSqliteStore(dir);
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

async function withSitting(s: SqliteStore) {
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
  store = openSqliteStore(dir);
  const { centreId, sittingId, coordinator, helper } = await withSitting(store);
  const asker = { centreId, invigilatorId: coordinator.id };
  const { request, incident } = await store.createHelpRequest(
    asker,
    { room: 'Room 2', reason: 'it-failure', note: 'PC-01 froze', sittingId, at: '2026-03-03T10:00:00.000Z' },
    'asked',
  );
  expect(request).toMatchObject({
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
  const audit = await store.listAudit(centreId, 50);
  expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['help.summon', 'help.acknowledge']));
  expect(audit.filter((a) => a.action === 'help.acknowledge')).toHaveLength(1);
});

test('attempts: the first release stays; finish and undo; imported outcomes; the rules see real times', async () => {
  store = openSqliteStore(dir);
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
  store = openSqliteStore(dir);
  const { centreId, actor } = await withSitting(store);
  expect(await store.getCentreSetting(centreId, 'centre-hours')).toBeUndefined();
  await store.setCentreSetting(actor, 'centre-hours', { opens: '09:00' });
  await store.setCentreSetting(actor, 'centre-hours', { opens: '08:30' });
  expect(await store.getCentreSetting(centreId, 'centre-hours')).toEqual({ opens: '08:30' });
  expect(await store.getCentreSetting('another-centre', 'centre-hours')).toBeUndefined();
});
