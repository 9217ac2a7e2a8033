/**
 * The Firefox build beside the Chromium build, in the same run: how long a candidate sees a forbidden
 * site before the blocked page is painted (the declarativeNetRequest redirect in each browser),
 * measured from the moment the navigation is issued to the blocked page's first contentful paint
 * (wall clock: the page's performance.timeOrigin + the paint entry's startTime). Also the size of the
 * .xpi that `npm run package` makes, beside the Chromium build's folder.
 *
 * Firefox gets the built add-on as a temporary add-on (WebDriver BiDi's webExtension.install): the
 * same files the .xpi holds, without machine policy, so this needs no machine-wide file. Host names
 * reach the local test server through Firefox's proxy preferences.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'puppeteer-core';
import { launchWithExtension } from '../../test/helpers/chromium.ts';
import { buildXpi, FIREFOX_BUILD_DIR, launchFirefox } from '../../test/helpers/firefox.ts';
import { startTestServer } from '../../test/helpers/test-server.ts';
import { percentile, type Row, report } from '../report.ts';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 30);

/** Waits for our blocked page and returns when it was painted (wall clock, ms). */
async function blockedPaint(page: Page): Promise<number> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const at = await page
      .evaluate(() => {
        if (!location.pathname.endsWith('/blocked/index.html')) return null;
        const fcp = performance.getEntriesByName('first-contentful-paint')[0];
        return fcp ? performance.timeOrigin + fcp.startTime : null;
      })
      .catch(() => null);
    if (at !== null) return at;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('never painted the blocked page');
}

async function sample(page: Page, url: string): Promise<number> {
  await page.goto('about:blank');
  const started = Date.now();
  void page.goto(url).catch(() => undefined);
  return (await blockedPaint(page)) - started;
}

async function measure(page: Page): Promise<number[]> {
  for (let i = 0; i < 3; i++) await sample(page, `http://answers.example.net/warm-${i}`);
  const out: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    out.push(await sample(page, `http://answers.example.net/q-${i}`));
    process.stdout.write('.');
  }
  return out;
}

function summary(kind: string, values: number[]): Row {
  return {
    kind,
    samples: values.length,
    p50_ms: percentile(values, 50),
    p95_ms: percentile(values, 95),
    max_ms: Math.max(...values),
  };
}

function folderBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, name) => {
    const p = join(dir, name);
    return sum + (statSync(p).isDirectory() ? folderBytes(p) : statSync(p).size);
  }, 0);
}

const server = await startTestServer();
const rows: Row[] = [];
try {
  const firefox = await launchFirefox({ proxyPort: server.port });
  try {
    await firefox.browser.installExtension(FIREFOX_BUILD_DIR);
    const page = await firefox.browser.newPage();
    rows.push(summary('Firefox ESR: not-allowed site (DNR redirect)', await measure(page)));
  } finally {
    await firefox.close();
  }
  const chromium = await launchWithExtension({ hostMap: { '*': server.target } });
  try {
    await chromium.worker();
    const page = await chromium.browser.newPage();
    rows.push(summary('Chromium: not-allowed site (DNR redirect)', await measure(page)));
  } finally {
    await chromium.close();
  }
} finally {
  await server.close();
}
process.stdout.write('\n');
report(
  'firefox-block-latency',
  'Forbidden navigation issued → blocked page first contentful paint (ms), Firefox beside Chromium',
  rows,
);

const xpi = buildXpi();
try {
  const kb = (n: number) => Math.round((n / 1024) * 10) / 10;
  report('firefox-xpi-size', 'Size of the Firefox add-on (.xpi, as npm run package makes it)', [
    { build: 'Firefox .xpi (zip, deflate -9)', kb: kb(statSync(xpi.path).size) },
    { build: 'Firefox build folder (dist/extension-firefox)', kb: kb(folderBytes(FIREFOX_BUILD_DIR)) },
    {
      build: 'Chromium build folder (dist/extension)',
      kb: kb(folderBytes(resolve(import.meta.dirname, '../../dist/extension'))),
    },
  ]);
} finally {
  xpi.remove();
}
