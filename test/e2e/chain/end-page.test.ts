/**
 * The assessment's end page, end to end, every part real: the machine policy names an `endPageUrl` for
 * the extension (as `invigil policy` would write it), `invigil console` (process, SQLite file), `invigil
 * agent` enrolled with `invigil enrol`, Chromium with the built extension linked through the real
 * `invigil native-host`, and the invigilator's dashboard in a second Chromium. The candidate, released
 * after the identity check, reaches the end page; the sitting page shows *Finished (end page)*.
 * Screenshot: test-results/screenshots/end-page-sitting.png.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { EXTENSION_ID } from '../../../shared/constants.ts';
import type { SeatView, SittingView } from '../../../shared/schemas/console-api.ts';
import {
  type AgentProcess,
  agentWorkspace,
  assertBuilt,
  runInvigil,
  startAgentProcess,
  waitFor,
} from '../../helpers/agent-cli.ts';
import { TEST_RIG_BROWSER_FLAGS } from '../../helpers/agent-seat.ts';
import { type LaunchedBrowser, launchDashboardBrowser, launchWithExtension } from '../../helpers/chromium.ts';
import { type ReadyConsole, startReadyConsole } from '../../helpers/console-process.ts';
import { waitForUrl } from '../../helpers/extension-state.ts';
import { installMachinePolicy, type MachinePolicy } from '../../helpers/machine-policy.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';
import { startXDisplay, type XDisplay } from '../../helpers/x-displays.ts';

const PC = 'EXAM-PC-14';
const ASSESSMENT = 'http://awarding.theimi.org.uk/assessment';
const END_PAGE = 'http://awarding.theimi.org.uk/assessment/finished';
const SHOTS = join(import.meta.dirname, '../../../test-results/screenshots');

let console_: ReadyConsole;
let x: XDisplay;
let wm: ChildProcess;
let server: TestServer;
let agent: AgentProcess;
let policy: MachinePolicy | undefined;
let seatBrowser: LaunchedBrowser;
let candidate: Page;
let dashboardBrowser: Browser;
let dashboard: Page;
const ws = agentWorkspace();
const profile = mkdtempSync(join(tmpdir(), 'invigil-profile-'));
let sittingId = '';
let seatId = '';

function seatConfig(): Record<string, unknown> {
  const enrolled = JSON.parse(readFileSync(ws.configFile, 'utf8')) as Record<string, unknown>;
  return {
    ...enrolled,
    seat: { pcName: PC, place: 'Row D, seat 4' },
    browser: {
      userDataDir: profile,
      allowFlags: [...TEST_RIG_BROWSER_FLAGS, '--user-data-dir', '--window-size', '--window-position'],
    },
    severity: { 'virtual-machine': 'info', 'browser-policy': 'info', 'extension-not-managed': 'info' },
  };
}

async function entry(): Promise<SittingView['entries'][number] | undefined> {
  const r = await console_.admin.get<{ sitting: SittingView }>(`/api/sittings/${sittingId}`);
  return r.body.sitting.entries[0];
}

beforeAll(async () => {
  assertBuilt();
  server = await startTestServer();
  x = await startXDisplay(94);
  wm = spawn('openbox', [], { env: { ...process.env, DISPLAY: x.display }, stdio: 'ignore' });
  console_ = await startReadyConsole();
  const enrol = runInvigil([
    'enrol',
    '--console',
    console_.proc.url,
    '--code',
    console_.code,
    '--config',
    ws.configFile,
    '--pc-name',
    PC,
  ]);
  expect(enrol.status, enrol.stderr).toBe(0);
  const host = runInvigil([
    'install-host',
    '--browser',
    'chromium',
    '--user-data-dir',
    profile,
    '--socket',
    ws.socket,
  ]);
  expect(host.status, host.stderr).toBe(0);
  agent = await startAgentProcess(ws, seatConfig(), { DISPLAY: x.display });

  // The extension's managed configuration, as IT deploys it: the end page named.
  policy = await installMachinePolicy('extension', {
    '3rdparty': {
      extensions: {
        [EXTENSION_ID]: { allowedHosts: ['theimi.org.uk'], assessmentUrl: ASSESSMENT, endPageUrl: END_PAGE },
      },
    },
  });
  seatBrowser = await launchWithExtension({
    userDataDir: profile,
    headless: false,
    env: { DISPLAY: x.display },
    extraArgs: ['--window-size=1024,700', '--window-position=0,0'],
    hostMap: { 'awarding.theimi.org.uk': server.target },
    allowMachinePolicy: true,
  });
  const worker = await seatBrowser.worker();
  // Chromium hands extension policy over once start-up settles (docs: toolchain notes): wait for it.
  await waitFor(
    'the managed end page',
    async () =>
      (await worker.evaluate(async () => {
        const managed = (await chrome.storage.managed.get()) as { endPageUrl?: string };
        return managed.endPageUrl ?? '';
      })) || undefined,
    60_000,
  );
  candidate = await seatBrowser.browser.newPage();
  await candidate.goto(ASSESSMENT).catch(() => undefined);

  seatId = await waitFor('the seat on the console', async () => {
    const r = await console_.admin.get<{ seats: SeatView[] }>('/api/seats');
    return r.body.seats.find((s) => s.pcName === PC && s.connected)?.id;
  });
  const created = await console_.admin.post<{ sitting: { id: string; entries: { id: string }[] } }>(
    '/api/sittings',
    {
      room: 'Room 4 (IT suite)',
      startsAt: new Date().toISOString(),
      invigilatorIds: [],
      entries: [
        {
          candidateName: 'Amara Okoye',
          registrationNumber: 'IMI-401122',
          qualificationNumber: '601/8928/9',
          assessment: 'Light vehicle maintenance: online test',
          durationMinutes: 60,
          seatId,
        },
      ],
    },
  );
  expect(created.status, created.text).toBe(201);
  sittingId = created.body.sitting.id;
  const entryId = created.body.sitting.entries[0]?.id;
  const ok = await console_.admin.post(`/api/sittings/${sittingId}/entries/${entryId}/identity`, {
    method: 'photo-id',
  });
  expect(ok.status, ok.text).toBe(201);
  await waitForUrl(candidate, (u) => u.startsWith(ASSESSMENT), 45_000);
  await waitFor('the release on the entry', async () => (await entry())?.releasedAt ?? undefined, 30_000);

  ({ browser: dashboardBrowser, page: dashboard } = await launchDashboardBrowser());
  const me = await console_.admin.get<{ invigilator: { id: string } }>('/api/me');
  const link = await console_.admin.post<{ url: string }>(
    `/api/invigilators/${me.body.invigilator.id}/sign-in-links`,
    {},
  );
  await dashboard.goto(link.body.url);
  await dashboard.waitForSelector('.topbar .live-dot.on');
}, 300_000);

afterAll(async () => {
  policy?.remove();
  await dashboardBrowser?.close();
  await seatBrowser?.close();
  await agent?.stop();
  await console_?.stop();
  wm?.kill();
  await x?.stop();
  await server?.close();
  rmSync(profile, { recursive: true, force: true });
  ws.remove();
});

test('a page of the assessment that is not the end page finishes nobody', async () => {
  await candidate.goto(`${ASSESSMENT}/question/3`);
  // The question page's load went through the outbox like the end page's would: nothing set.
  await new Promise((r) => setTimeout(r, 1500));
  expect(await entry()).toMatchObject({ finishedAt: null });
});

test('the candidate reaches the end page: the sitting page shows Finished (end page) through the real chain', async () => {
  await dashboard.goto(`${console_.proc.url}/#/sittings/${sittingId}`);
  await dashboard.waitForSelector('tr[data-candidate="IMI-401122"] [data-attempt="released"]');
  const reached = Date.now();
  await candidate.goto(`${END_PAGE}?attempt=1#done`);
  await dashboard.waitForSelector('tr[data-candidate="IMI-401122"] [data-attempt="end-page"]', {
    timeout: 15_000,
  });
  console.log(`[end-page] end page loaded → sitting page: ${Date.now() - reached} ms`);
  const text = await dashboard.$eval(
    'tr[data-candidate="IMI-401122"] .attempt',
    (e) => (e as HTMLElement).innerText,
  );
  expect(text).toMatch(/Finished \d\d:\d\d:\d\d \(end page\)/);
  await dashboard.screenshot({ path: join(SHOTS, 'end-page-sitting.png'), fullPage: true });
  const done = await entry();
  expect(done?.finishedHow).toBe('end-page');

  // Reloading the end page (a second event) changes nothing: the first finish stands.
  await candidate.reload();
  await new Promise((r) => setTimeout(r, 1500));
  expect((await entry())?.finishedAt).toBe(done?.finishedAt);
}, 60_000);
