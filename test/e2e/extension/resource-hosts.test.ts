/**
 * Requests that are not page loads (issue 10, part A). An allowed page's scripts, images, fetch and
 * WebSocket reach other hosts; so does a service worker on the allowed origin, which can serve another
 * host's content under an allowed address. The report lists every such host for IT; with
 * `allowedResourceHosts` set (through machine policy, as IT would) the rest are blocked, the service
 * worker's fetches included.
 */
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EXTENSION_ID } from '../../../shared/constants.ts';
import { type LaunchedBrowser, launchWithExtension } from '../../helpers/chromium.ts';
import { extensionPage, screenshot, waitForReport } from '../../helpers/extension-state.ts';
import { installMachinePolicy, type MachinePolicy } from '../../helpers/machine-policy.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';

const SITE = 'http://awarding.theimi.org.uk';

/** The assessment page: a script from a CDN, an image, a fetch and a WebSocket to other hosts. */
const ASSESSMENT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>assessment</title>
<script src="http://cdn.example.net/lib.js"></script></head><body><h1 id="host">assessment</h1>
<img src="http://images.example.org/diagram.png" alt="diagram">
<script>
  fetch('http://api.example.com/answers', { mode: 'no-cors' }).catch(() => {});
  try { new WebSocket('ws://chat.example.org/room'); } catch {}
</script></body></html>`;

/** A service worker that answers /proxied on the allowed origin with another host's page. */
const WORKER = `self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (e) => {
  if (new URL(e.request.url).pathname === '/proxied')
    e.respondWith(fetch('http://answers.example.net/secret').then(
      (r) => new Response(r.body, { headers: { 'content-type': 'text/html' } }),
      () => new Response('<h1 id="host">the worker could not fetch it</h1>', { headers: { 'content-type': 'text/html' } }),
    ));
});`;

let server: TestServer;
let policy: MachinePolicy | undefined;
let browser: LaunchedBrowser;
let ext: Page;
let page: Page;

const machinePolicy = (extension: Record<string, unknown>) => ({
  '3rdparty': { extensions: { [EXTENSION_ID]: extension } },
});

beforeAll(async () => {
  server = await startTestServer((req, res, host) => {
    const path = new URL(req.url ?? '/', `http://${host}`).pathname;
    const send = (type: string, body: string) => {
      res.writeHead(200, { 'content-type': type, 'access-control-allow-origin': '*' });
      res.end(body);
    };
    if (host === 'awarding.theimi.org.uk' && path === '/assessment') send('text/html', ASSESSMENT);
    else if (host === 'awarding.theimi.org.uk' && path === '/sw.js') send('text/javascript', WORKER);
    else if (host === 'cdn.example.net') send('text/javascript', 'window.cdnLoaded = true;');
    else if (host === 'answers.example.net') send('text/html', '<h1 id="host">answers.example.net</h1>');
    else return false;
    return true;
  });
  policy = await installMachinePolicy('resource-hosts', machinePolicy({}));
  browser = await launchWithExtension({
    hostMap: { '*': server.target },
    allowMachinePolicy: true,
    // A service worker needs a secure origin; the test site is plain http on a mapped name.
    extraArgs: [`--unsafely-treat-insecure-origin-as-secure=${SITE}`],
  });
  await browser.worker();
  ext = await extensionPage(browser.browser);
  page = await browser.browser.newPage();
}, 600_000);

afterAll(async () => {
  policy?.remove();
  await browser?.close();
  await server?.close();
});

const reached = (host: string) => server.requests.filter((r) => r.host === host).length;

describe('without allowedResourceHosts (the default)', () => {
  test("the report names every other host the assessment page's requests reached, with the kind of request", async () => {
    await page.goto(`${SITE}/assessment`);
    const report = await waitForReport(ext, (r) => (r.resourceHosts?.hosts.length ?? 0) >= 4);
    const byHost = Object.fromEntries((report.resourceHosts?.hosts ?? []).map((h) => [h.host, h]));
    expect(byHost['cdn.example.net']).toMatchObject({ types: ['script'], blocked: false, fromWorker: false });
    expect(byHost['images.example.org']?.types).toEqual(['image']);
    expect(byHost['api.example.com']?.types).toEqual(['xmlhttprequest']);
    expect(byHost['chat.example.org']?.types).toEqual(['websocket']);
    // The allowed site itself is not "another host".
    expect(byHost['awarding.theimi.org.uk']).toBeUndefined();
    expect(report.resourceHosts?.restricted).toBe(false);
    const line = report.checks.find((c) => c.id === 'resource-hosts');
    expect(line?.status).toBe('pass');
    expect(line?.summary).toContain('not restricted (allowedResourceHosts is not set)');
  });

  test("a service worker on the allowed origin can serve another host's page under an allowed address, and the report shows it", async () => {
    await page.goto(`${SITE}/assessment`);
    await page.evaluate(async () => {
      await navigator.serviceWorker.register('/sw.js');
      await navigator.serviceWorker.ready;
    });
    await page.goto(`${SITE}/proxied`);
    // The trick works while requests are not restricted: the address is allowed, the content is not.
    expect(await page.$eval('h1', (e) => e.textContent)).toBe('answers.example.net');
    const report = await waitForReport(ext, (r) =>
      Boolean(r.resourceHosts?.hosts.some((h) => h.host === 'answers.example.net' && h.fromWorker)),
    );
    expect(report.checks.find((c) => c.id === 'resource-hosts')?.summary).toContain(
      'Some requests came from a worker of the page.',
    );
  });
});

describe('with allowedResourceHosts set by IT', () => {
  test('only the allowed hosts and the listed ones are reached; the rest are blocked and reported as such', async () => {
    policy?.update(machinePolicy({ allowedResourceHosts: ['cdn.example.net'] }));
    await waitForReport(ext, (r) => r.resourceHosts?.restricted === true, 90_000);
    const before = {
      api: reached('api.example.com'),
      images: reached('images.example.org'),
      cdn: reached('cdn.example.net'),
    };
    await page.goto(`${SITE}/assessment?restricted`);
    await page.waitForFunction(() => (window as unknown as { cdnLoaded?: boolean }).cdnLoaded === true);
    const fetched = await page.evaluate(() =>
      fetch('http://api.example.com/again', { mode: 'no-cors' }).then(
        () => 'reached',
        () => 'blocked',
      ),
    );
    expect(fetched).toBe('blocked');
    await new Promise((r) => setTimeout(r, 1000));
    expect(reached('cdn.example.net')).toBeGreaterThan(before.cdn);
    expect(reached('api.example.com')).toBe(before.api);
    expect(reached('images.example.org')).toBe(before.images);
    const report = await waitForReport(ext, (r) =>
      Boolean(r.resourceHosts?.hosts.find((h) => h.host === 'api.example.com')?.blocked),
    );
    const byHost = Object.fromEntries((report.resourceHosts?.hosts ?? []).map((h) => [h.host, h.blocked]));
    expect(byHost).toMatchObject({
      'cdn.example.net': false,
      'api.example.com': true,
      'images.example.org': true,
    });
    expect(report.checks.find((c) => c.id === 'resource-hosts')?.summary).toContain(
      'Only the allowed hosts and cdn.example.net can be reached (allowedResourceHosts).',
    );
    await screenshot(page, 'extension-resource-hosts-restricted');
  });

  test("the service worker's fetch is blocked too: the trick no longer serves the other host", async () => {
    const before = reached('answers.example.net');
    await page.goto(`${SITE}/proxied`);
    expect(await page.$eval('h1', (e) => e.textContent)).toBe('the worker could not fetch it');
    expect(reached('answers.example.net')).toBe(before);
  });
});
