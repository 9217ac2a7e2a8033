/**
 * The invigilator's dashboard in real Chromium, signed in the way staff are given it: a one-time
 * sign-in link made by a coordinator, opened in the page, and the page live (its top bar says so).
 */
import type { Browser, Page } from 'puppeteer-core';
import { launchDashboardBrowser } from './chromium.ts';
import type { ConsoleClient } from './console-client.ts';

/** Opens a sign-in link for `invigilatorId` (default: the coordinator `admin` is) in `page`; waits for Live. */
export async function signInWithLink(
  page: Page,
  admin: ConsoleClient,
  invigilatorId?: string,
): Promise<void> {
  const id = invigilatorId ?? (await admin.api.call('me', {})).invigilator.id;
  const link = await admin.api.call('createSignInLink', { params: { id }, body: {} });
  await page.goto(link.url);
  await page.waitForSelector('.topbar .live-dot.on');
}

/** The coordinator's dashboard in its own Chromium, signed in with a one-time link, live. */
export async function signedInDashboard(
  console_: { admin: ConsoleClient },
  viewport?: { width: number; height: number },
): Promise<{ browser: Browser; page: Page }> {
  const { browser, page } = await launchDashboardBrowser(viewport);
  await signInWithLink(page, console_.admin);
  return { browser, page };
}
