/**
 * Summon help (issue 13) across two signed-in members of staff, each in their own real Chromium, on a
 * real console process with a real SQLite file: Sam summons help from Room 2; Dana's dashboard shows
 * the alert at once (banner, sound) and keeps it across a reload; Dana acknowledges; Sam sees who is
 * coming; the incident in Room 2's sitting records the times and both names.
 * Screenshots: test-results/screenshots/help-*.png.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchDashboardBrowser } from '../../../../helpers/chromium.ts';
import { ConsoleClient } from '../../../../helpers/console-client.ts';
import { type ReadyConsole, startReadyConsole } from '../../../../helpers/console-process.ts';
import { signInWithLink } from '../../../../helpers/dashboard.ts';

const SHOTS = resolve(import.meta.dirname, '../../../../../test-results/screenshots');
let ready: ReadyConsole;
const browsers: Browser[] = [];
let dana: Page;
let sam: Page;
let samClient: ConsoleClient;
let sittingId: string;

async function signInPage(invigilatorId: string): Promise<Page> {
  const { browser, page } = await launchDashboardBrowser({ width: 1280, height: 800 });
  browsers.push(browser);
  await signInWithLink(page, ready.admin, invigilatorId);
  return page;
}

const text = (page: Page, selector: string) =>
  page.$eval(selector, (el) => (el as HTMLElement).innerText.replace(/\s+/g, ' ').trim());

beforeAll(async () => {
  ready = await startReadyConsole();
  const me = await ready.admin.get<{ invigilator: { id: string } }>('/api/me');
  const created = await ready.admin.post<{ invigilator: { id: string } }>('/api/invigilators', {
    name: 'Sam Rivera',
    pin: '51515',
    password: 'another long password',
    role: 'invigilator',
  });
  expect(created.status).toBe(201);
  samClient = new ConsoleClient(ready.proc.url);
  await samClient.signIn('Sam Rivera', '51515', 'another long password');
  const sitting = await ready.admin.post<{ sitting: { id: string } }>('/api/sittings', {
    room: 'Room 2',
    startsAt: new Date().toISOString().replace('Z', '+00:00'),
    invigilatorIds: [created.body.invigilator.id],
    entries: [],
  });
  expect(sitting.status).toBe(201);
  sittingId = sitting.body.sitting.id;
  dana = await signInPage(me.body.invigilator.id);
  sam = await signInPage(created.body.invigilator.id);
}, 120_000);

afterAll(async () => {
  for (const b of browsers) await b.close();
  expect(await ready?.stop()).toBe(0);
});

test('bad requests for help are refused naming the field; nobody is alerted', async () => {
  const r = await samClient.post('/api/help', { room: 'Room 2', reason: 'bored' });
  expect(r.status).toBe(400);
  expect(r.text).toMatch(/reason/);
  const empty = await samClient.post('/api/help', { room: '  ', reason: 'other' });
  expect(empty.status).toBe(400);
  expect(empty.text).toMatch(/room/);
  expect((await ready.admin.get<{ requests: unknown[] }>('/api/help')).body.requests).toHaveLength(0);
});

test('Sam summons help; Dana is alerted live, acknowledges, and Sam sees who is coming', async () => {
  mkdirSync(SHOTS, { recursive: true });
  // Dana has used the page (a click), as a signed-in invigilator has: the browser then allows sound.
  await dana.mouse.click(600, 500);

  await sam.click('#summon-help');
  await sam.waitForSelector('#help-form');
  await sam.$eval('#help-form input[name="room"]', (el) => {
    (el as HTMLInputElement).value = '';
  });
  await sam.type('#help-form input[name="room"]', 'Room 2');
  await sam.click('#help-form input[name="reason"][value="sick-candidate"]');
  await sam.type('#help-form textarea[name="note"]', 'Candidate at PC-07 feels faint');
  await sam.screenshot({ path: join(SHOTS, 'help-summon-dialog.png') });
  const asked = Date.now();
  await sam.click('#help-form button[type="submit"]');

  // Dana: a banner with the room, the reason, who asked and the note, within a second or two.
  await dana.waitForSelector('.help-call[role="alert"]', { timeout: 5000 });
  const seenAfterMs = Date.now() - asked;
  const banner = await text(dana, '.help-call');
  expect(banner).toContain('Help needed in Room 2: Sick candidate');
  expect(banner).toContain('Asked by Sam Rivera');
  expect(banner).toContain('Candidate at PC-07 feels faint');
  await dana.waitForFunction(() => document.querySelector('.help-call')?.getAttribute('data-sound') !== '');
  expect(await dana.$eval('.help-call', (el) => el.getAttribute('data-sound'))).toBe('played');
  await dana.screenshot({ path: join(SHOTS, 'help-alert.png') });
  console.log(`help alert shown on the other dashboard ${seenAfterMs} ms after Sam pressed Send`);

  // Sam (who asked) gets no alert of their own, but sees it waiting; the console refuses a self-acknowledgement.
  await sam.waitForSelector('.help-own.waiting');
  expect(await sam.$('.help-call')).toBeNull();
  expect(await text(sam, '.help-own.waiting')).toContain('waiting for someone to acknowledge');
  const id = await dana.$eval('.help-call', (el) => el.getAttribute('data-help-id') ?? '');
  const self = await samClient.post(`/api/help/${id}/acknowledge`);
  expect(self.status).toBe(409);

  // A dashboard that (re)connects after the call still shows it.
  await dana.reload();
  await dana.waitForSelector('.topbar .live-dot.on');
  await dana.waitForSelector('.help-call[role="alert"]');

  await dana.click('.help-call .button.acknowledge');
  await dana.waitForFunction(() => !document.querySelector('.help-call'));
  await sam.waitForSelector('.help-own.acknowledged', { timeout: 5000 });
  const seen = await text(sam, '.help-own.acknowledged');
  expect(seen).toMatch(
    /Dana Okafor acknowledged your call for help in Room 2 \(Sick candidate\) at \d\d:\d\d:\d\d/,
  );
  await sam.screenshot({ path: join(SHOTS, 'help-acknowledged.png') });

  // A second acknowledgement changes nothing.
  const again = await ready.admin.post<{ already: boolean }>(`/api/help/${id}/acknowledge`);
  expect(again.status).toBe(200);
  expect(again.body.already).toBe(true);

  // The record: an incident in Room 2's sitting with who asked, who acknowledged, and when.
  const incidents = await ready.admin.get<{
    incidents: { kind: string; kindLabel: string; description: string; recordedBy: string }[];
  }>(`/api/incidents?sittingId=${sittingId}&limit=10`);
  const help = incidents.body.incidents.filter((i) => i.kind === 'help-summoned');
  expect(help).toHaveLength(1);
  expect(help[0]?.kindLabel).toBe('Help summoned');
  expect(help[0]?.recordedBy).toBe('Sam Rivera');
  expect(help[0]?.description).toMatch(
    /^Sick candidate: help summoned to Room 2 by Sam Rivera at \d\d:\d\d:\d\d UTC\. "Candidate at PC-07 feels faint" Acknowledged by Dana Okafor at \d\d:\d\d:\d\d UTC \(after \d+ s\)\.$/,
  );
  // Its sitting's page lists it.
  await dana.goto(`${ready.proc.url}/#/sittings/${sittingId}`);
  await dana.waitForFunction(() => document.body.innerText.includes('Help summoned'));
}, 90_000);
