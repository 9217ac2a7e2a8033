/**
 * The policies a running Chromium has applied, as data: the same values chrome://policy exports as
 * JSON ("Export to JSON"), read from the page's data channel instead of its markup. The page's layout
 * changes between versions (Chromium 156 moved every row), its data much less; and when the data
 * channel changes too, this fails at once with a message naming the browser version, not a timeout.
 *
 * The page must be opened where the extension does not take tabs away from chrome:// pages (an
 * off-the-record context: see the deploy test), or in a browser without the extension.
 */
import type { Browser, BrowserContext } from 'puppeteer-core';

export interface AppliedPolicy {
  value: unknown;
  level?: string;
  scope?: string;
  source?: string;
  /** Chromium's own words when it refused the value ("Expected boolean value.", "Unknown policy."). */
  error?: string;
  warning?: string;
  /** Set when Chromium applies the policy but marks it deprecated. */
  deprecated?: boolean;
  /** Set when Chromium does not apply the policy on this platform or version. */
  ignored?: boolean;
  [more: string]: unknown;
}

export interface AppliedPolicies {
  /** The browser's version, as `Browser.version()` gives it (e.g. "Chrome/156.0.8078.114"). */
  browserVersion: string;
  /** Every policy name this browser knows (its own list, for checking generated names against). */
  knownNames: string[];
  /** Browser policies that are set, by name. */
  browser: Record<string, AppliedPolicy>;
  /** Extension (3rdparty) policies that are set, by extension id, then name. */
  extensions: Record<string, Record<string, AppliedPolicy>>;
}

interface Group {
  name?: string;
  policies?: Record<string, AppliedPolicy>;
  policyNames?: string[];
}

const HELP = 'test/helpers/applied-policy.ts reads chrome://policy through its data channel';

/** Shapes seen so far: 156 nests groups under `policyGroups`; older versions put them at the top. */
function groupsOf(values: Record<string, unknown>): Record<string, Group> {
  const nested = values.policyGroups;
  return (nested && typeof nested === 'object' ? nested : values) as Record<string, Group>;
}

export async function readAppliedPolicy(
  browser: Browser,
  context?: BrowserContext,
  timeoutMs = 15_000,
): Promise<AppliedPolicies> {
  const browserVersion = await browser.version();
  const page = await (context ?? browser).newPage();
  try {
    await page.goto('chrome://policy');
    const answer: { problem?: string; args?: unknown[] } = await page.evaluate((ms: number) => {
      const w = window as unknown as {
        cr?: { webUIListenerCallback?: (name: string, ...args: unknown[]) => void };
        chrome?: { send?: (message: string, args?: unknown[]) => void };
      };
      const cr = w.cr;
      const send = w.chrome?.send;
      if (!cr || typeof cr.webUIListenerCallback !== 'function' || typeof send !== 'function') {
        return { problem: 'the page has no cr.webUIListenerCallback or chrome.send' } as {
          problem?: string;
          args?: unknown[];
        };
      }
      return new Promise<{ problem?: string; args?: unknown[] }>((resolve) => {
        const original = cr.webUIListenerCallback as (name: string, ...args: unknown[]) => void;
        cr.webUIListenerCallback = (name: string, ...args: unknown[]) => {
          if (name === 'policies-updated') resolve({ args });
          return original(name, ...args);
        };
        send('listenPoliciesUpdates');
        setTimeout(() => resolve({ problem: `no 'policies-updated' within ${ms} ms` }), ms);
      });
    }, timeoutMs);
    if (answer.problem || !answer.args) {
      throw new Error(`${browserVersion}: ${HELP}, and ${answer.problem}; update it for this version.`);
    }
    const [names, values] = answer.args as [Record<string, unknown>, Record<string, unknown>];
    const knownNames = groupsOf(names).chrome?.policyNames;
    const groups = groupsOf(values);
    const chrome = groups.chrome?.policies;
    if (!Array.isArray(knownNames) || !chrome) {
      throw new Error(
        `${browserVersion}: ${HELP}, and its answer no longer has chrome.policyNames and chrome.policies ` +
          `(top-level keys: ${Object.keys(values).join(', ')}); update it for this version.`,
      );
    }
    const extensions: AppliedPolicies['extensions'] = {};
    for (const [id, group] of Object.entries(groups)) {
      // Extension groups are keyed by the 32-letter extension id.
      if (/^[a-p]{32}$/.test(id) && group.policies) extensions[id] = group.policies;
    }
    return { browserVersion, knownNames, browser: chrome, extensions };
  } finally {
    await page.close().catch(() => undefined);
  }
}
