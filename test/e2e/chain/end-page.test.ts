/**
 * The assessment's end page, end to end, every part real: the machine policy names an `endPageUrl` for
 * the extension (as `invigil policy` would write it), `invigil console` (process, SQLite file), `invigil
 * agent` enrolled with `invigil enrol`, Chromium with the built extension linked through the real
 * `invigil native-host`, and the invigilator's dashboard in a second Chromium. The candidate, released
 * after the identity check, reaches the end page; the sitting page shows *Finished (end page)*.
 * Screenshot: test-results/screenshots/end-page-sitting.png.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { EXTENSION_ID } from '../../../shared/constants.ts';
import type { SittingView } from '../../../shared/schemas/console-api.ts';
import { assertBuilt, waitFor } from '../../helpers/agent-cli.ts';
import { ASSESSMENT, type ChainSeat, seatCandidate, startChainSeat } from '../../helpers/chain-seat.ts';
import type { ReadyConsole } from '../../helpers/console-process.ts';
import { signedInDashboard } from '../../helpers/dashboard.ts';
import { waitForUrl } from '../../helpers/extension-state.ts';

const PC = 'EXAM-PC-14';
const END_PAGE = 'http://awarding.theimi.org.uk/assessment/finished';
const SHOTS = join(import.meta.dirname, '../../../test-results/screenshots');

let seat: ChainSeat;
let console_: ReadyConsole;
let candidate: Page;
let dashboardBrowser: Browser;
let dashboard: Page;
let sittingId = '';

async function entry(): Promise<SittingView['entries'][number] | undefined> {
  const r = await console_.admin.get<{ sitting: SittingView }>(`/api/sittings/${sittingId}`);
  return r.body.sitting.entries[0];
}

beforeAll(async () => {
  assertBuilt();
  // The extension's managed configuration, as IT deploys it: the end page named.
  seat = await startChainSeat({
    display: 94,
    pc: PC,
    place: 'Row D, seat 4',
    windowed: true,
    machinePolicy: {
      '3rdparty': {
        extensions: {
          [EXTENSION_ID]: {
            allowedHosts: ['theimi.org.uk'],
            assessmentUrl: ASSESSMENT,
            endPageUrl: END_PAGE,
          },
        },
      },
    },
  });
  console_ = seat.console;
  const worker = await seat.seatBrowser.worker();
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
  candidate = await seat.seatBrowser.browser.newPage();
  await candidate.goto(ASSESSMENT).catch(() => undefined);
  const seated = await seatCandidate(console_, await seat.seatId(), {
    name: 'Amara Okoye',
    registrationNumber: 'IMI-401122',
    room: 'Room 4 (IT suite)',
  });
  sittingId = seated.sittingId;
  await waitForUrl(candidate, (u) => u.startsWith(ASSESSMENT), 45_000);
  await waitFor('the release on the entry', async () => (await entry())?.releasedAt ?? undefined, 30_000);
  ({ browser: dashboardBrowser, page: dashboard } = await signedInDashboard(console_));
}, 300_000);

afterAll(async () => {
  await dashboardBrowser?.close();
  await seat?.stop();
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
