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
import { EXTENSION_ID } from '../../../shared/constants.ts';
import { DEFAULT_ALLOWED_HOSTS } from '../../../shared/rules/policy.ts';
import { PAGES } from '../../lib/urls.ts';

type Rule = chrome.declarativeNetRequest.Rule;

export const BLOCKED_PAGE_PATH = PAGES.blocked;
export const HOLD_PAGE_PATH = PAGES.hold;

export const BLOCKED_FRAME_PATH = PAGES.blockedFrame;

export const RULE_IDS = { blockAll: 1, allowHosts: 2, hold: 3, blockFrames: 4, blockResources: 5 } as const;

type ResourceType = chrome.declarativeNetRequest.ResourceType;
const FRAME_TYPES = ['main_frame', 'sub_frame'] as ResourceType[];
/** Every request that is not a page or frame load. */
export const RESOURCE_TYPES = [
  'stylesheet',
  'script',
  'image',
  'font',
  'object',
  'xmlhttprequest',
  'ping',
  'csp_report',
  'media',
  'websocket',
  'webtransport',
  'webbundle',
  'other',
] as ResourceType[];

export interface RuleOptions {
  allowedHosts: readonly string[];
  /** When set, requests that are not page loads may reach only these hosts and `allowedHosts`. */
  allowedResourceHosts?: readonly string[] | undefined;
  /** Hold every page on the holding page (identity check not yet confirmed). */
  held?: boolean;
  extensionId?: string;
}

export function buildRules({
  allowedHosts,
  allowedResourceHosts,
  held = false,
  extensionId = EXTENSION_ID,
}: RuleOptions): Rule[] {
  if (allowedHosts.length === 0) throw new Error('an allowlist with no hosts cannot be enforced');
  const origin = `chrome-extension://${extensionId}`;
  const rules: Rule[] = [
    {
      id: RULE_IDS.blockAll,
      priority: 1,
      action: {
        type: 'redirect' as chrome.declarativeNetRequest.RuleActionType,
        // \0 is the whole URL that was blocked: the blocked page shows it (the worker logs the
        // request the browser redirected, never what a page's address says).
        redirect: { regexSubstitution: `${origin}${BLOCKED_PAGE_PATH}#\\0` },
      },
      condition: { regexFilter: '^https?://.*', resourceTypes: ['main_frame' as ResourceType] },
    },
    {
      id: RULE_IDS.blockFrames,
      priority: 1,
      action: {
        type: 'redirect' as chrome.declarativeNetRequest.RuleActionType,
        redirect: { extensionPath: BLOCKED_FRAME_PATH },
      },
      condition: { regexFilter: '^https?://.*', resourceTypes: ['sub_frame' as ResourceType] },
    },
    {
      id: RULE_IDS.allowHosts,
      priority: 2,
      action: { type: 'allow' as chrome.declarativeNetRequest.RuleActionType },
      condition: { requestDomains: [...allowedHosts], resourceTypes: FRAME_TYPES },
    },
  ];
  if (allowedResourceHosts !== undefined) {
    rules.push({
      id: RULE_IDS.blockResources,
      priority: 1,
      action: { type: 'block' as chrome.declarativeNetRequest.RuleActionType },
      condition: {
        excludedRequestDomains: [...new Set([...allowedHosts, ...allowedResourceHosts])],
        resourceTypes: RESOURCE_TYPES,
      },
    });
  }
  if (held) {
    rules.push({
      id: RULE_IDS.hold,
      priority: 3,
      action: {
        type: 'redirect' as chrome.declarativeNetRequest.RuleActionType,
        redirect: { regexSubstitution: `${origin}${HOLD_PAGE_PATH}#\\0` },
      },
      condition: {
        regexFilter: '^https?://.*',
        resourceTypes: ['main_frame' as ResourceType],
      },
    });
  }
  return rules;
}

/** The static ruleset shipped in the manifest: in force before the worker has run at all. */
export function defaultRuleset(): Rule[] {
  return buildRules({ allowedHosts: DEFAULT_ALLOWED_HOSTS });
}
