/**
 * How long a candidate sees a forbidden page before the blocked page is painted.
 *   not-allowed      a site outside the allowlist (declarativeNetRequest redirect; no JavaScript)
 *   internal         chrome://settings/passwords (the tab watcher in the service worker)
 *   internal, cold   the same with the worker stopped first (the worker keeps itself running, so
 *                    this happens only when Chromium stops it anyway, e.g. right after a crash)
 * Measured from the moment the test issues the navigation to the blocked page's first contentful
 * paint (wall clock: the page's performance.timeOrigin + the paint entry's startTime). Also the
 * in-page part alone (navigation start to first contentful paint) for the DNR case.
 */
import type { Page } from 'puppeteer-core';
import { type LaunchedBrowser, launchWithExtension } from '../../test/helpers/chromium.ts';
import { isBlockedPage } from '../../test/helpers/extension-state.ts';
import { startTestServer } from '../../test/helpers/test-server.ts';
import { percentile, type Row, report } from '../report.ts';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 60);
const COLD_SAMPLES = Number(process.env.BENCH_COLD_SAMPLES ?? 15);

async function blockedPaint(page: Page): Promise<{ paintedAt: number; fcp: number }> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (isBlockedPage(page.url())) {
      const r = await page
        .evaluate(() => {
          if (!location.pathname.endsWith('/blocked/index.html')) return null;
          const fcp = performance.getEntriesByName('first-contentful-paint')[0];
          return fcp ? { paintedAt: performance.timeOrigin + fcp.startTime, fcp: fcp.startTime } : null;
        })
        .catch(() => null);
      if (r) return r;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`never painted the blocked page (at ${page.url()})`);
}

async function sample(browser: LaunchedBrowser, page: Page, url: string, cold: boolean) {
  await page.goto('about:blank');
  if (cold) {
    const worker = await browser.worker();
    await worker.close();
    await new Promise((r) => setTimeout(r, 300));
  }
  const started = Date.now();
  void page.goto(url).catch(() => undefined);
  const { paintedAt, fcp } = await blockedPaint(page);
  return { total: paintedAt - started, fcp };
}

function summary(kind: string, values: number[], extra: Row = {}): Row {
  return {
    kind,
    samples: values.length,
    p50_ms: percentile(values, 50),
    p95_ms: percentile(values, 95),
    max_ms: Math.max(...values),
    ...extra,
  };
}

const server = await startTestServer();
const browser = await launchWithExtension({ hostMap: { '*': server.target } });
try {
  await browser.worker();
  const page = await browser.browser.newPage();
  // Warm-up: first loads compile the page's scripts.
  for (let i = 0; i < 3; i++) {
    await sample(browser, page, `http://answers.example.net/warm-${i}`, false);
    await sample(browser, page, 'chrome://settings/passwords', false);
  }
  const dnr: number[] = [];
  const dnrFcp: number[] = [];
  const internal: number[] = [];
  const cold: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const a = await sample(browser, page, `http://answers.example.net/q-${i}`, false);
    dnr.push(a.total);
    dnrFcp.push(a.fcp);
    internal.push((await sample(browser, page, 'chrome://settings/passwords', false)).total);
    process.stdout.write('.');
  }
  const listeners: number[] = [];
  const ready: number[] = [];
  for (let i = 0; i < COLD_SAMPLES; i++) {
    cold.push((await sample(browser, page, 'chrome://settings/passwords', true)).total);
    // How long the restarted worker took to add its listeners and to finish starting.
    const t = await (await browser.worker()).evaluate(
      () =>
        (globalThis as unknown as { invigilStartup: { listenersMs: number; readyMs: number } })
          .invigilStartup,
    );
    listeners.push(t.listenersMs);
    ready.push(t.readyMs);
    process.stdout.write('*');
  }
  process.stdout.write('\n');
  report(
    'extension-block-latency',
    'Forbidden navigation issued → blocked page first contentful paint (ms)',
    [
      summary('not-allowed site (DNR redirect)', dnr),
      summary('  of which in the page (nav start → paint)', dnrFcp),
      summary('chrome://settings/passwords (tab watcher)', internal),
      summary('chrome://settings/passwords, worker stopped first', cold),
      summary('  worker start → listeners added', listeners),
      summary('  worker start → every feature started', ready),
    ],
  );
} finally {
  await browser.close();
  await server.close();
}
