/**
 * Enrolment against `invigil console` as a real process: another PC holding an enrolment code cannot
 * take over an enrolled seat by enrolling its PC name again. It gets a replacement request that a
 * coordinator approves or refuses; until then the old credential keeps working and the new one cannot
 * report as the seat. Enrolment codes are single-use and short-lived unless asked otherwise.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { enrolSeat } from '../../../../../kiosk-agent/seat/console-link.ts';
import { ConsoleClient } from '../../../../helpers/console-client.ts';
import { type ReadyConsole, startReadyConsole } from '../../../../helpers/console-process.ts';
import { openRawSeat } from '../../../../helpers/console-raw-seat.ts';
import {
  enrolTestSeat,
  PASSWORD_MANAGER_FINDING,
  startSimulatedSeat,
} from '../../../../helpers/console-seat.ts';

let ready: ReadyConsole;

beforeAll(async () => {
  ready = await startReadyConsole();
}, 60_000);

afterAll(async () => {
  expect(await ready?.stop()).toBe(0);
});

interface ReplacementLike {
  id: string;
  seatId: string;
  pcName: string;
  status: string;
  address: string;
  userAgent: string | null;
  requestedAt: string;
}

async function pendingFor(seatId: string): Promise<ReplacementLike[]> {
  const r = await ready.admin.get<{ replacements: ReplacementLike[] }>('/api/notices');
  expect(r.status).toBe(200);
  return r.body.replacements.filter((x) => x.seatId === seatId && x.status === 'pending');
}

async function seatState(seatId: string): Promise<string | undefined> {
  const r = await ready.admin.get<{ seats: { id: string; state: string }[] }>('/api/seats');
  return r.body.seats.find((s) => s.id === seatId)?.state;
}

async function until<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('re-enrolling an enrolled PC name', () => {
  test('does not take the seat over: the old credential keeps working, the new one waits for a coordinator', async () => {
    const original = await enrolTestSeat(ready.admin, 'PC-TAKEN', ready.code);
    const pc = startSimulatedSeat(ready.proc.url, original);
    await pc.waitFor(() => pc.link.connected);
    pc.setFindings([PASSWORD_MANAGER_FINDING]);
    await until(async () => (await seatState(original.seatId)) === 'not-ready');

    // Another PC on the network, with a valid code, enrols the same name.
    const code = await ready.admin.post<{ code: string }>('/api/enrolment-codes', {});
    const intruder = await enrolSeat({
      consoleUrl: ready.proc.url,
      code: code.body.code,
      pcName: 'PC-TAKEN',
    });
    expect(intruder.seatId).toBe(original.seatId);
    expect((intruder as { pending?: boolean }).pending).toBe(true);

    // Its credential cannot report as the seat...
    await expect(openRawSeat(ready.proc.url, intruder)).rejects.toThrow(/HTTP 403/);
    // ...and the PC's own agent was not disconnected, and can reconnect.
    await new Promise((r) => setTimeout(r, 500));
    expect(pc.link.connected).toBe(true);
    expect(pc.link.connections).toBe(1);
    expect(await seatState(original.seatId)).toBe('not-ready');
    const again = await openRawSeat(ready.proc.url, original);
    again.close();

    // The request is on the dashboard with where it came from, and an incident on the seat.
    const [request] = await pendingFor(original.seatId);
    expect(request?.pcName).toBe('PC-TAKEN');
    expect(request?.address).toBe('127.0.0.1');
    expect(Date.now() - Date.parse(request?.requestedAt ?? '')).toBeLessThan(60_000);
    const incidents = await ready.admin.get<{ incidents: { kind: string; seatId: string }[] }>(
      '/api/incidents',
    );
    expect(
      incidents.body.incidents.filter((i) => i.seatId === original.seatId && i.kind === 'seat-replacement'),
    ).toHaveLength(1);
    await pc.stop();
  }, 60_000);

  test('a coordinator can refuse the request; the new credential never works', async () => {
    const original = await enrolTestSeat(ready.admin, 'PC-REFUSE', ready.code);
    const code = await ready.admin.post<{ code: string }>('/api/enrolment-codes', {});
    const intruder = await enrolSeat({
      consoleUrl: ready.proc.url,
      code: code.body.code,
      pcName: 'PC-REFUSE',
    });
    const [request] = await pendingFor(original.seatId);
    const refused = await ready.admin.post(`/api/seat-replacements/${request?.id}/refuse`);
    expect(refused.status).toBe(200);
    await expect(openRawSeat(ready.proc.url, intruder)).rejects.toThrow(/HTTP 401/);
    const seat = await openRawSeat(ready.proc.url, original);
    seat.close();
    expect(await pendingFor(original.seatId)).toHaveLength(0);
  }, 60_000);

  test('approving revokes the old credential and lets the new one report as the seat', async () => {
    const original = await enrolTestSeat(ready.admin, 'PC-REIMAGED', ready.code);
    const old = await openRawSeat(ready.proc.url, original);
    await old.hello();
    const code = await ready.admin.post<{ code: string }>('/api/enrolment-codes', {});
    const fresh = await enrolSeat({
      consoleUrl: ready.proc.url,
      code: code.body.code,
      pcName: 'PC-REIMAGED',
    });
    const [request] = await pendingFor(original.seatId);

    // Only a coordinator can approve.
    const inv = await ready.admin.post('/api/invigilators', {
      name: 'Sam Lee',
      pin: '51234',
      password: 'another long password',
      role: 'invigilator',
    });
    expect(inv.status).toBe(201);
    const sam = new ConsoleClient(ready.proc.url);
    await sam.signIn('Sam Lee', '51234', 'another long password');
    expect((await sam.post(`/api/seat-replacements/${request?.id}/approve`)).status).toBe(403);

    const approved = await ready.admin.post(`/api/seat-replacements/${request?.id}/approve`);
    expect(approved.status).toBe(200);
    const closed = await old.waitClosed();
    expect(closed.code).toBe(4001);
    await expect(openRawSeat(ready.proc.url, original)).rejects.toThrow(/HTTP 401/);
    const now = await openRawSeat(ready.proc.url, fresh);
    await now.hello();
    now.close();
    const audit = await ready.admin.get<{ audit: { action: string; subject: string | null }[] }>(
      '/api/audit',
    );
    expect(audit.body.audit.map((a) => a.action)).toContain('seat.replacement-approve');
  }, 60_000);
});

describe('enrolment codes', () => {
  test('are single-use and valid for one hour unless the person making them asks for more', async () => {
    const made = await ready.admin.post<{ code: string; usesLeft: number; expiresAt: string }>(
      '/api/enrolment-codes',
      {},
    );
    expect(made.status).toBe(201);
    expect(made.body.usesLeft).toBe(1);
    const hours = (Date.parse(made.body.expiresAt) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(0.95);
    expect(hours).toBeLessThanOrEqual(1);
    await enrolSeat({ consoleUrl: ready.proc.url, code: made.body.code, pcName: 'PC-ONCE-1' });
    await expect(
      enrolSeat({ consoleUrl: ready.proc.url, code: made.body.code, pcName: 'PC-ONCE-2' }),
    ).rejects.toThrow(/wrong, has expired or has been used up/);

    const more = await ready.admin.post<{ usesLeft: number; expiresAt: string }>('/api/enrolment-codes', {
      uses: 30,
      validHours: 8,
    });
    expect(more.body.usesLeft).toBe(30);
    expect((Date.parse(more.body.expiresAt) - Date.now()) / 3_600_000).toBeGreaterThan(7.9);
    const tooMany = await ready.admin.post('/api/enrolment-codes', { uses: 100_000, validHours: 24 * 365 });
    expect(tooMany.status).toBe(400);
  }, 60_000);

  test('a code for a satellite site behind NAT may be for up to 10,000 PCs; an ordinary one for 1,000', async () => {
    const ordinary = await ready.admin.post<{ field?: string }>('/api/enrolment-codes', { uses: 5000 });
    expect(ordinary.status).toBe(400);
    expect(ordinary.body.field).toBe('uses');
    const nat = await ready.admin.post<{ usesLeft: number; behindNat?: boolean }>('/api/enrolment-codes', {
      uses: 5000,
      behindNat: true,
    });
    expect(nat.status).toBe(201);
    expect(nat.body).toMatchObject({ usesLeft: 5000, behindNat: true });
    expect((await ready.admin.post('/api/enrolment-codes', { uses: 10_001, behindNat: true })).status).toBe(
      400,
    );
  });
});
