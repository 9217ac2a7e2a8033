import { afterAll, beforeAll, expect, test } from 'vitest';
import { type LaunchedBrowser, launchWithExtension } from '../../helpers/chromium.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';

let server: TestServer;
let chrome: LaunchedBrowser;

beforeAll(async () => {
  server = await startTestServer();
  chrome = await launchWithExtension({
    hostMap: { 'awarding.theimi.org.uk': server.target, 'answers.example.net': server.target },
  });
  await chrome.worker();
});
afterAll(async () => {
  await chrome?.close();
  await server?.close();
});

test('a site outside the allowlist lands on the blocked page, which names it', async () => {
  const page = await chrome.browser.newPage();
  await page.goto('http://awarding.theimi.org.uk/');
  expect(await page.$eval('#host', (e) => e.textContent)).toBe('awarding.theimi.org.uk');
  await page.goto('http://answers.example.net/search?q=answers').catch(() => undefined);
  await page.waitForFunction(() => location.protocol === 'chrome-extension:', { timeout: 5000 });
  expect(await page.$eval('#blocked-url', (e) => e.textContent)).toBe(
    'http://answers.example.net/search?q=answers',
  );
});
