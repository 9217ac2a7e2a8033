/**
 * The invigilator's journey in real Chromium against `invigil console` as a real process: set up and
 * sign in, enrol PCs, plan a sitting, watch seats (driven by the real agent-side console link over a
 * real socket) turn Ready, Not ready with the reason, and Offline; check a candidate's identity,
 * which releases the seat; record incidents; export the record. Screenshots go to
 * test-results/screenshots/console-*.png.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Finding } from '../../../shared/schemas/common.ts';
import { launchDashboardBrowser } from '../../helpers/chromium.ts';
import { ConsoleClient } from '../../helpers/console-client.ts';
import { type ConsoleProcess, startConsoleProcess } from '../../helpers/console-process.ts';
import { enrolTestSeat, event, type SimulatedSeat, startSimulatedSeat } from '../../helpers/console-seat.ts';

const SHOTS = resolve(import.meta.dirname, '../../../test-results/screenshots');
const HOSTILE = '<img src=x onerror="document.title=\'pwned\'">Robert"); DROP TABLE';

let consoleProc: ConsoleProcess;
let browser: Browser;
let page: Page;
const seats = new Map<string, SimulatedSeat>();
let enrolCode = '';

async function shot(name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `console-${name}.png`), fullPage: true });
}

async function seatState(pcName: string): Promise<string | null> {
  return page.$eval(`[data-seat="${pcName}"] .badge`, (e) => e.getAttribute('data-state')).catch(() => null);
}

async function waitSeatState(pcName: string, state: string, timeout = 20_000): Promise<void> {
  await page.waitForSelector(`[data-seat="${pcName}"] .badge[data-state="${state}"]`, { timeout });
}

/** A client sharing the browser's session (for the CSV download and checks). */
async function browserClient(): Promise<ConsoleClient> {
  const client = new ConsoleClient(consoleProc.url);
  const cookies = await browser.cookies();
  const session = cookies.find((c) => c.name === 'invigil_session');
  client.cookie = session ? `invigil_session=${session.value}` : null;
  return client;
}

beforeAll(async () => {
  consoleProc = await startConsoleProcess();
  ({ browser: browser, page: page } = await launchDashboardBrowser());
  page.on('dialog', (d) => void d.accept());
}, 200_000);

afterAll(async () => {
  await Promise.all([...seats.values()].map((s) => s.stop()));
  await browser?.close();
  const code = await consoleProc?.stop();
  expect(code).toBe(0);
});

test('first start prints a setup link; it creates the coordinator, who can sign out and sign in', async () => {
  expect(consoleProc.stdout()).toContain('Invigil console listening on http://127.0.0.1:');
  expect(consoleProc.setupUrl).toMatch(/#\/setup\//);
  await page.goto(consoleProc.setupUrl ?? '');
  await page.waitForSelector('#setup');
  await page.type('input[name=centreName]', 'Northgate College');
  await page.type('input[name=name]', 'Dana Okafor');
  await page.type('input[name=pin]', '40213');
  await page.type('input[name=password]', 'correct horse battery');
  await page.type('input[name=confirm]', 'correct horse battery');
  await shot('01-setup');
  await page.click('#setup button[type=submit]');
  await page.waitForSelector('.topbar');
  expect(await page.$eval('.brand-centre', (e) => e.textContent)).toBe('Northgate College');

  await page.click('#sign-out');
  await page.waitForSelector('#sign-in');
  await page.type('input[name=name]', 'Dana Okafor');
  await page.type('input[name=pin]', '40213');
  await page.type('input[name=password]', 'wrong password');
  await page.click('#sign-in button[type=submit]');
  await page.waitForSelector('.error');
  expect(await page.$eval('.error', (e) => e.textContent)).toBe('The name, PIN or password is wrong.');
  await shot('02-sign-in-refused');
  await page.$eval('input[name=password]', (e) => {
    (e as HTMLInputElement).value = '';
  });
  await page.type('input[name=password]', 'correct horse battery');
  await page.click('#sign-in button[type=submit]');
  await page.waitForSelector('.topbar .live-dot.on');
  expect(await page.$eval('.empty h2', (e) => e.textContent)).toBe('No seats yet');
}, 200_000);

test('an enrolment code from the dashboard enrols PCs, which appear and turn Ready', async () => {
  await page.goto(`${consoleProc.url}/#/enrol`);
  await page.waitForSelector('#make-code');
  await page.$eval('input[name=uses]', (e) => {
    (e as HTMLInputElement).value = '';
  });
  await page.type('input[name=uses]', '80');
  await page.click('#make-code');
  await page.waitForSelector('#enrolment-code');
  enrolCode = (await page.$eval('#enrolment-code', (e) => e.textContent)) ?? '';
  expect(enrolCode).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
  const client = await browserClient();
  for (const pc of ['PC-01', 'PC-02', 'PC-03', 'PC-04']) {
    const creds = await enrolTestSeat(client, pc, enrolCode);
    seats.set(pc, startSimulatedSeat(consoleProc.url, creds, { place: `Row A, seat ${pc.slice(-1)}` }));
  }
  await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 4, { timeout: 20_000 });
  await shot('03-enrol');
  await page.goto(`${consoleProc.url}/#/`);
  for (const pc of ['PC-01', 'PC-02', 'PC-03', 'PC-04']) await waitSeatState(pc, 'ready');
  expect(await page.$eval('[data-seat="PC-01"] .seat-place', (e) => e.textContent)).toBe('Row A, seat 1');
}, 200_000);

test('planning a sitting in the form shows rule warnings and assigns candidates to PCs', async () => {
  await page.goto(`${consoleProc.url}/#/sittings/new`);
  await page.waitForSelector('#sitting-form');
  await page.type('input[name=room]', 'Room 4 (IT suite)');
  const now = new Date();
  const hhmm = `${String(now.getHours()).padStart(2, '0')}:${String(now.getMinutes()).padStart(2, '0')}`;
  await page.$eval(
    'input[name=time]',
    (e, v) => {
      const input = e as HTMLInputElement;
      input.value = v as string;
      input.dispatchEvent(new Event('input', { bubbles: true }));
    },
    hhmm,
  );
  await page.click('input[name=invigilator]');
  const candidates = [
    ['Amira Hussain', 'IMI-100234', '601/8928/9', 'MOT Testing Classes 4 and 7', '60', '20', 'PC-01'],
    ['Jordan Lee', 'IMI-100235', '603/1465/5', 'Electric/Hybrid Vehicle Awareness', '45', '0', 'PC-02'],
    [HOSTILE, 'IMI-100236', '601/0531/8', 'Unit 1 online test', '60', '0', 'PC-03'],
  ];
  for (const [i, c] of candidates.entries()) {
    if (i > 0) await page.click('#add-candidate');
    await page.type(`input[name=candidateName-${i}]`, c[0] ?? '');
    await page.type(`input[name=registrationNumber-${i}]`, c[1] ?? '');
    await page.type(`input[name=qualificationNumber-${i}]`, c[2] ?? '');
    await page.type(`input[name=assessment-${i}]`, c[3] ?? '');
    await page.$eval(`input[name=durationMinutes-${i}]`, (e) => {
      (e as HTMLInputElement).value = '';
    });
    await page.type(`input[name=durationMinutes-${i}]`, c[4] ?? '');
    await page.$eval(`input[name=extraMinutes-${i}]`, (e) => {
      (e as HTMLInputElement).value = '';
    });
    await page.type(`input[name=extraMinutes-${i}]`, c[5] ?? '');
    const seatId = seats.get(c[6] ?? '')?.seatId ?? '';
    await page.select(`select[name=seatId-${i}]`, seatId);
  }
  await page.waitForFunction(() => document.querySelector('.banner.warn')?.textContent?.includes('33%'), {
    timeout: 10_000,
  });
  await shot('04-sitting-form-warning');
  await page.type('input[name=reasonableAdjustment-0]', 'RA-2291 approved 3 Nov');
  await page.waitForSelector('.banner.ok', { timeout: 10_000 });
  await page.click('#save-sitting');
  await page.waitForSelector('#seating-plan');
  const rows = await page.$$eval('#seating-plan tbody tr', (trs) => trs.map((t) => t.textContent ?? ''));
  expect(rows).toHaveLength(3);
  expect(rows[0]).toContain('PC-01');
  expect(rows[0]).toContain('Amira Hussain');
  // What a candidate's name holds is shown as text: no element is made from it.
  expect(rows[2]).toContain(HOSTILE);
  expect(await page.$('#seating-plan img')).toBeNull();
  expect(await page.title()).not.toBe('pwned');
  await shot('05-sitting');
}, 90_000);

test('a blocking finding turns the seat Not ready with its reason; a stopped seat turns Offline', async () => {
  await page.goto(`${consoleProc.url}/#/`);
  const pm: Finding = {
    code: 'password-manager',
    severity: 'block',
    message: 'A password manager is running',
    subject: 'KeePassXC',
    source: 'agent',
  };
  seats.get('PC-02')?.setFindings([pm]);
  seats.get('PC-02')?.outbox.add(event('event/finding-raised', { finding: pm }));
  await waitSeatState('PC-02', 'not-ready');
  const reasons = await page.$eval('[data-seat="PC-02"] .reasons', (e) => e.textContent);
  expect(reasons).toContain('A password manager is running: KeePassXC');
  expect(await page.$eval('[data-seat="PC-02"] .badge', (e) => e.textContent)).toContain('Not ready');

  const hostileFinding: Finding = {
    code: 'other-extension',
    severity: 'warn',
    message: '<script>document.title="pwned"</script>An extension is enabled',
    source: 'extension',
  };
  seats.get('PC-04')?.setFindings([hostileFinding]);
  await waitSeatState('PC-04', 'attention');
  expect(await page.$eval('[data-seat="PC-04"] .reasons', (e) => e.textContent)).toContain('<script>');
  expect(await page.$('[data-seat="PC-04"] script')).toBeNull();

  await seats.get('PC-03')?.stop();
  await waitSeatState('PC-03', 'offline');
  expect(await page.$eval('[data-seat="PC-03"] .reasons', (e) => e.textContent)).toContain(
    'stopped reporting',
  );
  expect(await page.$eval('[data-count="offline"]', (e) => e.textContent)).toBe('1');
  await shot('06-seat-map');
}, 200_000);

test('the identity check at the PC releases the seat, and the seat acknowledges', async () => {
  const seat = seats.get('PC-01');
  if (!seat) throw new Error('no PC-01');
  const held = seat.instructions.filter((i) => i.type === 'instruction/gate').at(-1);
  expect(held).toMatchObject({
    state: 'held',
    candidateName: 'Amira Hussain',
    seatLabel: 'PC-01 (Row A, seat 1)',
  });
  await page.click('[data-seat="PC-01"] .seat-actions .button.primary');
  await page.waitForSelector('#identity-form');
  await page.type('#identity-form input[name=note]', 'College ID card 4471');
  await shot('07-identity-check');
  await page.click('#confirm-identity');
  const released = await seat.waitFor(() =>
    seat.instructions.find((i) => i.type === 'instruction/gate' && i.state === 'released'),
  );
  expect(released).toMatchObject({ candidateName: 'Amira Hussain' });
  await page.waitForFunction(
    () => document.querySelector('[data-seat="PC-01"] .gate')?.textContent === 'Released',
    { timeout: 10_000 },
  );
  expect(await seatState('PC-01')).toBe('ready');
}, 200_000);

test('a message reaches the candidate, and the seat card says when the seat showed it', async () => {
  const seat = seats.get('PC-04');
  if (!seat) throw new Error('no PC-04');
  await page.click('[data-seat="PC-04"] .seat-actions .button.ghost');
  await page.waitForSelector('.dialog textarea[name=text]');
  await page.type('.dialog textarea[name=text]', 'Ten minutes left. Check your answers.');
  await page.click('.dialog button[type=submit]');
  const shown = await seat.waitFor(() =>
    seat.instructions.find((i) => i.type === 'instruction/show-message'),
  );
  expect(shown).toMatchObject({ text: 'Ten minutes left. Check your answers.' });
  await page.waitForSelector('[data-seat="PC-04"] .seat-message[data-message="shown"]', { timeout: 10_000 });
  expect(await page.$eval('[data-seat="PC-04"] .seat-message', (e) => e.textContent)).toMatch(
    /^Message shown \d\d:\d\d$/,
  );
}, 60_000);

test('incidents, automatic and manual, are listed and go into the exported record', async () => {
  seats.get('PC-02')?.outbox.add(
    event('event/blocked-navigation', {
      url: 'http://answers.example.net/q?=mot',
      reason: 'not-allowed',
      frame: 'main',
    }),
  );
  await page.goto(`${consoleProc.url}/#/incidents`);
  await page.waitForSelector('#incident-table tr[data-kind="site-blocked"]', { timeout: 10_000 });
  await page.click('#record-incident');
  await page.waitForSelector('#incident-form');
  await page.select('#incident-form select[name=kind]', 'fire-alarm');
  await page.type(
    '#incident-form textarea[name=description]',
    'Fire alarm 10:05; all candidates left; resumed 10:20.',
  );
  await page.click('#incident-form button[type=submit]');
  await page.waitForSelector('#incident-table tr[data-kind="fire-alarm"]', { timeout: 10_000 });
  const kinds = await page.$$eval('#incident-table tbody tr', (trs) =>
    trs.map((t) => t.getAttribute('data-kind')),
  );
  expect(kinds).toEqual(
    expect.arrayContaining(['password-manager', 'site-blocked', 'seat-offline', 'fire-alarm']),
  );
  await shot('08-incidents');

  const client = await browserClient();
  const sittings = await client.get<{ sittings: { id: string }[] }>('/api/sittings');
  const id = sittings.body.sittings[0]?.id ?? '';
  await page.goto(`${consoleProc.url}/#/sittings/${id}/record`);
  await page.waitForSelector('#record-incidents');
  const recordText = await page.$eval('#record', (e) => e.textContent ?? '');
  for (const expected of [
    'Dana Okafor',
    '40213',
    'IMI-100234',
    'PC-01',
    'Password manager started',
    'Site blocked',
    'Fire alarm',
    'College ID card 4471',
  ]) {
    expect(recordText).toContain(expected);
  }
  await shot('09-record');
  const pdf = await page.pdf({ format: 'A4', landscape: true, printBackground: true });
  mkdirSync(SHOTS, { recursive: true });
  writeFileSync(join(SHOTS, 'console-record.pdf'), pdf);
  expect(Buffer.from(pdf).subarray(0, 5).toString()).toBe('%PDF-');

  const csv = await client.get(`/api/sittings/${id}/record.csv`);
  expect(csv.status).toBe(200);
  for (const expected of [
    'Dana Okafor,40213',
    'IMI-100234',
    'PC-01',
    'Password manager started',
    'KeePassXC',
    'Site blocked',
    'http://answers.example.net/q?=mot',
    'Fire alarm',
    'Seat offline',
    'College ID card 4471',
  ]) {
    expect(csv.text).toContain(expected);
  }
}, 200_000);

test('sixty seats fit on one screen, each with its state in words', async () => {
  const client = await browserClient();
  const findings: Finding[][] = [
    [],
    [
      {
        code: 'display-count',
        severity: 'block',
        message: 'More displays are connected than allowed',
        subject: 'HDMI-1',
      },
    ],
    [
      {
        code: 'other-browser',
        severity: 'warn',
        message: 'Another browser is running beside the managed one',
        subject: 'firefox',
      },
    ],
  ];
  for (let i = 5; i <= 60; i++) {
    const pc = `PC-${String(i).padStart(2, '0')}`;
    const creds = await enrolTestSeat(client, pc, enrolCode);
    const seat = startSimulatedSeat(consoleProc.url, creds, {
      place: `Row ${String.fromCharCode(65 + Math.floor((i - 1) / 10))}, seat ${((i - 1) % 10) + 1}`,
    });
    seats.set(pc, seat);
    const f = i % 11 === 0 ? findings[1] : i % 7 === 0 ? findings[2] : findings[0];
    if (f && f.length > 0) void seat.waitFor(() => seat.link.connected).then(() => seat.setFindings(f));
  }
  await page.setViewport({ width: 1920, height: 1080 });
  await page.goto(`${consoleProc.url}/#/`);
  await page.waitForFunction(() => document.querySelectorAll('.seat').length === 60, { timeout: 30_000 });
  await waitSeatState('PC-60', 'ready', 30_000);
  await waitSeatState('PC-55', 'not-ready', 30_000);
  const labels = await page.$$eval('.seat .badge', (bs) =>
    bs.map((b) => b.textContent?.replace(/^\W+/, '') ?? ''),
  );
  expect(labels).toHaveLength(60);
  for (const l of labels) expect(['Ready', 'Attention', 'Not ready', 'Offline']).toContain(l);
  // On one screen: the last card ends above the bottom of a 1920x1080 viewport, without scrolling.
  const bottom = await page.$eval('.seat:last-child', (e) => e.getBoundingClientRect().bottom);
  expect(bottom).toBeLessThanOrEqual(1080);
  await page.screenshot({ path: join(SHOTS, 'console-10-sixty-seats.png') });
}, 120_000);
