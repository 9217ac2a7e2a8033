/**
 * declarativeNetRequest rules computed from the policy: no JavaScript runs on the request path.
 * Pure, so that the build (static default ruleset), the worker (dynamic rules) and unit tests all
 * use the same function.
 *
 *   priority 1  redirect every http(s) page to the blocked page (the original URL in the hash)
 *   priority 1  redirect every http(s) frame to the frame note (a static page, the only one web pages may load)
 *   priority 1  with `allowedResourceHosts`: block every other request (script, image, fetch, WebSocket...)
 *               to a host on neither list
 *   priority 2  allow the allowed hosts and their subdomains (requestDomains has exactly that meaning)
 *   priority 3  while the seat is held for the identity check: every page goes to the holding page
 *               (the URL in its hash too, so that the release can return to it)
 */
import type { DeclarativeNetRequest } from 'webextension-polyfill';
import { EXTENSION_ID } from '../../../shared/constants.ts';
import { DEFAULT_ALLOWED_HOSTS } from '../../../shared/rules/policy.ts';
import { PAGES } from '../../lib/pages.ts';

export type Rule = DeclarativeNetRequest.Rule;

export const BLOCKED_PAGE_PATH = PAGES.blocked;
export const HOLD_PAGE_PATH = PAGES.hold;

export const BLOCKED_FRAME_PATH = PAGES.blockedFrame;

export const RULE_IDS = { blockAll: 1, allowHosts: 2, hold: 3, blockFrames: 4, blockResources: 5 } as const;

/** Page and frame loads: the allowlist's business. Every other kind of request is a resource. */
export const FRAME_TYPES: DeclarativeNetRequest.ResourceType[] = ['main_frame', 'sub_frame'];

export interface RuleOptions {
  allowedHosts: readonly string[];
  /** When set, requests that are not page loads may reach only these hosts and `allowedHosts`. */
  allowedResourceHosts?: readonly string[] | undefined;
  /** Hold every page on the holding page (identity check not yet confirmed). */
  held?: boolean;
  /**
   * The origin of our pages (`chrome-extension://<id>`, `moz-extension://<uuid>`), so that the blocked
   * and holding pages get the address in their hash. Null when it is not known: Firefox gives each
   * installation a random origin, so its static ruleset (written at build time) redirects to the pages
   * alone, until the worker writes the dynamic rules a moment later. Default: the published Chromium id.
   */
  origin?: string | null;
}

/** A redirect of a whole page to one of our pages, with the address in the hash where the origin is known. */
function toPage(origin: string | null, path: string): DeclarativeNetRequest.RuleActionRedirectType {
  return origin === null ? { extensionPath: path } : { regexSubstitution: `${origin}${path}#\\0` };
}

export function buildRules({
  allowedHosts,
  allowedResourceHosts,
  held = false,
  origin = `chrome-extension://${EXTENSION_ID}`,
}: RuleOptions): Rule[] {
  if (allowedHosts.length === 0) throw new Error('an allowlist with no hosts cannot be enforced');
  const rules: Rule[] = [
    {
      id: RULE_IDS.blockAll,
      priority: 1,
      action: {
        type: 'redirect',
        // \0 is the whole URL that was blocked: the blocked page shows it (the worker logs the
        // request the browser redirected, never what a page's address says).
        redirect: toPage(origin, BLOCKED_PAGE_PATH),
      },
      condition: { regexFilter: '^https?://.*', resourceTypes: ['main_frame'] },
    },
    {
      id: RULE_IDS.blockFrames,
      priority: 1,
      action: { type: 'redirect', redirect: { extensionPath: BLOCKED_FRAME_PATH } },
      condition: { regexFilter: '^https?://.*', resourceTypes: ['sub_frame'] },
    },
    {
      id: RULE_IDS.allowHosts,
      priority: 2,
      action: { type: 'allow' },
      condition: { requestDomains: [...allowedHosts], resourceTypes: FRAME_TYPES },
    },
  ];
  if (allowedResourceHosts !== undefined) {
    rules.push({
      id: RULE_IDS.blockResources,
      priority: 1,
      action: { type: 'block' },
      condition: {
        excludedRequestDomains: [...new Set([...allowedHosts, ...allowedResourceHosts])],
        // Every kind of request but page and frame loads, in whichever browser: each names its kinds
        // differently (Chromium's webtransport and webbundle, Firefox's beacon and imageset...).
        excludedResourceTypes: FRAME_TYPES,
      },
    });
  }
  if (held) {
    rules.push({
      id: RULE_IDS.hold,
      priority: 3,
      action: { type: 'redirect', redirect: toPage(origin, HOLD_PAGE_PATH) },
      condition: { regexFilter: '^https?://.*', resourceTypes: ['main_frame'] },
    });
  }
  return rules;
}

/** The static ruleset shipped in the manifest: in force before the worker has run at all. */
export function defaultRuleset(target: 'chromium' | 'firefox' = 'chromium'): Rule[] {
  return buildRules({
    allowedHosts: DEFAULT_ALLOWED_HOSTS,
    ...(target === 'firefox' ? { origin: null } : {}),
  });
}
