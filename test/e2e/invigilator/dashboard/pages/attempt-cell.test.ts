/**
 * Attempts on the sitting page (issue 13), on a real console process with a real SQLite file, real
 * seats speaking the protocol (the agent's own console link) and real Chromium: a seat's release is
 * recorded when it acknowledges it; the invigilator marks one candidate finished and another submitted
 * early (and undoes a mistake); the coordinator enters a fail, and the retake rule then measures the
 * wait from the real finish, not the planned start. Screenshot: test-results/screenshots/attempts-sitting.png.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchDashboardBrowser } from '../../../../helpers/chromium.ts';
import { ConsoleClient } from '../../../../helpers/console-client.ts';
import { type ReadyConsole, startReadyConsole } from '../../../../helpers/console-process.ts';
import { enrolTestSeat, type SimulatedSeat, startSimulatedSeat } from '../../../../helpers/console-seat.ts';
import { signInWithLink } from '../../../../helpers/dashboard.ts';

const SHOTS = resolve(import.meta.dirname, '../../../../../test-results/screenshots');
let ready: ReadyConsole;
let browser: Browser;
let page: Page;
const seats: SimulatedSeat[] = [];

interface Entry {
  id: string;
  registrationNumber: string;
  releasedAt?: string | null;
  finishedAt?: string | null;
  finishedHow?: string | null;
  outcome: string;
}
interface Sitting {
  id: string;
  entries: Entry[];
  warnings: { rule: string; message: string }[];
}

const offset = (ms: number) => new Date(Date.now() + ms).toISOString().replace('Z', '+00:00');
const HOUR = 3_600_000;

beforeAll(async () => {
  ready = await startReadyConsole();
  ({ browser, page } = await launchDashboardBrowser());
  await signInWithLink(page, ready.admin);
}, 120_000);

afterAll(async () => {
  for (const s of seats) await s.stop();
  await browser?.close();
  expect(await ready?.stop()).toBe(0);
});

const entry = (name: string, reg: string, seatId: string) => ({
  candidateName: name,
  registrationNumber: reg,
  qualificationNumber: '601/8928/9',
  qualificationType: 'other',
  assessment: 'Health and Safety',
  durationMinutes: 60,
  seatId,
});

async function sitting(id: string): Promise<Sitting> {
  return (await ready.admin.get<{ sitting: Sitting }>(`/api/sittings/${id}`)).body.sitting;
}

async function until<T>(fn: () => Promise<T | undefined | false>, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('release, finish and submitted early, outcome, and the retake rule on the real finish', async () => {
  for (const pc of ['PC-01', 'PC-02']) {
    const seat = startSimulatedSeat(ready.proc.url, await enrolTestSeat(ready.admin, pc, ready.code));
    seats.push(seat);
    await seat.waitFor(() => seat.link.connected);
  }
  const [a, b] = seats as [SimulatedSeat, SimulatedSeat];
  // Planned five hours ago (still within the seats' 12-hour window).
  const created = await ready.admin.post<{ sitting: Sitting }>('/api/sittings', {
    room: 'Room 4',
    startsAt: offset(-5 * HOUR),
    invigilatorIds: [],
    entries: [entry('Ann Example', 'R001', a.seatId), entry('Ben Sample', 'R002', b.seatId)],
  });
  expect(created.status).toBe(201);
  const id = created.body.sitting.id;
  const [ann, ben] = created.body.sitting.entries as [Entry, Entry];
  expect(ann.releasedAt).toBeNull();

  // Identity checked: the seat is released, acknowledges it, and that is the attempt's start.
  for (const e of [ann, ben]) {
    const r = await ready.admin.post(`/api/sittings/${id}/entries/${e.id}/identity`, { method: 'photo-id' });
    expect(r.status).toBe(201);
  }
  const released = await until(async () => {
    const s = await sitting(id);
    return s.entries.every((e) => e.releasedAt) && s;
  }, 'both releases');
  const releasedAt = Date.parse(released.entries[0]?.releasedAt ?? '');
  expect(Math.abs(releasedAt - Date.now())).toBeLessThan(30_000);

  await page.goto(`${ready.proc.url}/#/sittings/${id}`);
  await page.waitForSelector('tr[data-candidate="R001"] .released');
  expect(await page.$eval('tr[data-candidate="R001"] .released', (el) => el.textContent)).toMatch(
    /^Released \d\d:\d\d:\d\d$/,
  );

  // Ben is marked finished by mistake, undone, then marked submitted early; Ann finished.
  await page.click('button[aria-label="Mark Ben Sample finished"]');
  await page.waitForSelector('tr[data-candidate="R002"] [data-attempt="finished"]');
  await page.click('tr[data-candidate="R002"] .attempt button.link');
  await page.waitForSelector('tr[data-candidate="R002"] [data-attempt="released"]');
  await page.click('button[aria-label="Mark Ben Sample as submitted before completion"]');
  await page.waitForSelector('tr[data-candidate="R002"] [data-attempt="submitted-early"]');
  await page.click('button[aria-label="Mark Ann Example finished"]');
  await page.waitForSelector('tr[data-candidate="R001"] [data-attempt="finished"]');
  expect(
    await page.$eval('tr[data-candidate="R002"] .attempt', (el) => (el as HTMLElement).innerText),
  ).toMatch(/Submitted early \d\d:\d\d:\d\d/);

  // Marking twice is refused, with the time of the first.
  const twice = await ready.admin.put(`/api/sittings/${id}/entries/${ann.id}/finish`, { how: 'finished' });
  expect(twice.status).toBe(409);
  expect(twice.text).toMatch(/already marked finished at \d\d:\d\d:\d\d UTC/);
  const bad = await ready.admin.put(`/api/sittings/${id}/entries/${ann.id}/finish`, { how: 'vanished' });
  expect(bad.status).toBe(400);
  expect(bad.text).toMatch(/how/);

  // The coordinator enters Ann's fail on the page.
  await page.select('select[aria-label="Outcome for Ann Example"]', 'failed');
  const after = await until(async () => {
    const s = await sitting(id);
    return s.entries[0]?.outcome === 'failed' && s;
  }, 'the outcome');
  expect(after.entries.map((e) => e.finishedHow)).toEqual(['finished', 'submitted-early']);
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, 'attempts-sitting.png'), fullPage: true });

  // 601/8928/9 (MOT testing) waits 2 hours after a fail. A retake planned 70 minutes from now is 70
  // minutes after the real finish, but over 6 hours after the failed sitting's planned start: the
  // warning shows that the retake rule reads the recorded finish.
  const retake = await ready.admin.post<{ warnings: { rule: string; message: string }[] }>(
    '/api/sittings/check',
    {
      room: 'Room 4',
      startsAt: offset(HOUR + 10 * 60_000),
      invigilatorIds: [],
      entries: [entry('Ann Example', 'R001', a.seatId)],
    },
  );
  expect(retake.status).toBe(200);
  const w = retake.body.warnings.find((x) => x.rule === 'retake-wait');
  expect(w?.message).toBe(
    'Ann Example: retake of "Health and Safety" only 70 minutes after a failed attempt; the wait is 2 hours.',
  );
}, 120_000);

test('only a coordinator enters outcomes; an invigilator can mark a finish', async () => {
  const created = await ready.admin.post<{ invigilator: { id: string } }>('/api/invigilators', {
    name: 'Ivy Invigilator',
    pin: '77001',
    password: 'a long enough password',
    role: 'invigilator',
  });
  expect(created.status).toBe(201);
  const ivy = new ConsoleClient(ready.proc.url);
  await ivy.signIn('Ivy Invigilator', '77001', 'a long enough password');
  const s = await ready.admin.post<{ sitting: Sitting }>('/api/sittings', {
    room: 'Room 5',
    startsAt: offset(0),
    invigilatorIds: [],
    entries: [{ ...entry('Cal Third', 'R003', ''), seatId: null }],
  });
  const e = s.body.sitting.entries[0] as Entry;
  const outcome = await ivy.put(`/api/sittings/${s.body.sitting.id}/entries/${e.id}/outcome`, {
    outcome: 'passed',
  });
  expect(outcome.status).toBe(403);
  expect(outcome.text).toContain('Only a centre coordinator');
  const finish = await ivy.put(`/api/sittings/${s.body.sitting.id}/entries/${e.id}/finish`, {
    how: 'finished',
  });
  expect(finish.status).toBe(200);
  expect((await sitting(s.body.sitting.id)).entries[0]?.outcome).toBe('not-known');
}, 60_000);
