/**
 * The extension service worker's memory (V8 heap, through the DevTools protocol on the worker
 * target, after a forced garbage collection): at rest after start-up, after logging many events
 * with no agent (they wait in IndexedDB, not in memory), and after they drained to a fixture agent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WebWorker } from 'puppeteer-core';
import { launchWithExtension } from '../../test/helpers/chromium.ts';
import { extensionPage, isBlockedPage, readOutbox } from '../../test/helpers/extension-state.ts';
import { installFixtureHost } from '../../test/helpers/fixture-native-host.ts';
import { startTestServer } from '../../test/helpers/test-server.ts';
import { type Row, report } from '../report.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 300);

async function heap(worker: WebWorker): Promise<{ used: number; total: number }> {
  const client = worker.client;
  await client.send('HeapProfiler.enable').catch(() => undefined);
  await client.send('HeapProfiler.collectGarbage').catch(() => undefined);
  const usage = (await client.send('Runtime.getHeapUsage')) as { usedSize: number; totalSize: number };
  return { used: usage.usedSize, total: usage.totalSize };
}

const kb = (n: number) => Math.round(n / 1024);

const server = await startTestServer();
const profile = mkdtempSync(join(tmpdir(), 'invigil-bench-mem-'));
const host = await installFixtureHost(profile, { agent: 'unavailable' });
const browser = await launchWithExtension({ userDataDir: profile, hostMap: { '*': server.target } });
const rows: Row[] = [];
try {
  const worker = await browser.worker();
  const ext = await extensionPage(browser.browser);
  await new Promise((r) => setTimeout(r, 5000));
  let h = await heap(worker);
  rows.push({
    phase: 'at rest after start-up',
    used_kb: kb(h.used),
    total_kb: kb(h.total),
    outbox: (await readOutbox(ext)).length,
  });

  const page = await browser.browser.newPage();
  for (let i = 0; i < EVENTS; i++) {
    await page.goto(`http://answers.example.net/m-${i}`).catch(() => undefined);
    while (!isBlockedPage(page.url())) await new Promise((r) => setTimeout(r, 2));
  }
  let waiting = 0;
  for (let tries = 0; tries < 100 && waiting < EVENTS; tries++) {
    waiting = (await readOutbox(ext)).length;
    await new Promise((r) => setTimeout(r, 100));
  }
  h = await heap(worker);
  rows.push({
    phase: `${EVENTS} blocked navigations, agent unavailable`,
    used_kb: kb(h.used),
    total_kb: kb(h.total),
    outbox: waiting,
  });

  host.setAgent('connected');
  for (let tries = 0; tries < 300 && (await readOutbox(ext)).length > 0; tries++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  h = await heap(worker);
  rows.push({
    phase: 'after draining to the agent',
    used_kb: kb(h.used),
    total_kb: kb(h.total),
    outbox: (await readOutbox(ext)).length,
  });

  const metrics = await worker.client
    .send('Performance.enable')
    .then(() => worker.client.send('Performance.getMetrics'))
    .then((m) => (m as { metrics: { name: string; value: number }[] }).metrics)
    .catch(() => null);
  const js = metrics?.find((m) => m.name === 'JSHeapUsedSize');
  if (js)
    rows.push({
      phase: 'Performance.getMetrics JSHeapUsedSize',
      used_kb: kb(js.value),
      total_kb: null,
      outbox: null,
    });
  report(
    'extension-worker-memory',
    'Service worker V8 heap after GC (Runtime.getHeapUsage on the worker target)',
    rows,
  );
} finally {
  await browser.close();
  await host.close();
  rmSync(profile, { recursive: true, force: true });
  await server.close();
}
