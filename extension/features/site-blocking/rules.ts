/**
 * declarativeNetRequest rules computed from the policy: no JavaScript runs on the request path.
 * Pure, so that the build (static default ruleset), the worker (dynamic rules) and unit tests all
 * use the same function.
 *
 *   priority 1  redirect every http(s) page or frame to the blocked page (the original URL in the hash)
 *   priority 2  allow the allowed hosts and their subdomains (requestDomains has exactly that meaning)
 *   priority 3  while the seat is held for the identity check: every page goes to the holding page
 *               (the URL in its hash too, so that the attempt is logged and the release can return to it)
 */
import { EXTENSION_ID } from '../../../shared/constants.ts';
import { DEFAULT_ALLOWED_HOSTS } from '../../../shared/schemas/policy.ts';
import { PAGES } from '../../lib/urls.ts';

type Rule = chrome.declarativeNetRequest.Rule;

export const BLOCKED_PAGE_PATH = PAGES.blocked;
export const HOLD_PAGE_PATH = PAGES.hold;

export const RULE_IDS = { blockAll: 1, allowHosts: 2, hold: 3 } as const;

const FRAME_TYPES = ['main_frame', 'sub_frame'] as chrome.declarativeNetRequest.ResourceType[];

export interface RuleOptions {
  allowedHosts: readonly string[];
  /** Hold every page on the holding page (identity check not yet confirmed). */
  held?: boolean;
  extensionId?: string;
}

export function buildRules({ allowedHosts, held = false, extensionId = EXTENSION_ID }: RuleOptions): Rule[] {
  if (allowedHosts.length === 0) throw new Error('an allowlist with no hosts cannot be enforced');
  const origin = `chrome-extension://${extensionId}`;
  const rules: Rule[] = [
    {
      id: RULE_IDS.blockAll,
      priority: 1,
      action: {
        type: 'redirect' as chrome.declarativeNetRequest.RuleActionType,
        // \0 is the whole URL that was blocked: the blocked page shows it and the worker logs it.
        redirect: { regexSubstitution: `${origin}${BLOCKED_PAGE_PATH}#\\0` },
      },
      condition: { regexFilter: '^https?://.*', resourceTypes: FRAME_TYPES },
    },
    {
      id: RULE_IDS.allowHosts,
      priority: 2,
      action: { type: 'allow' as chrome.declarativeNetRequest.RuleActionType },
      condition: { requestDomains: [...allowedHosts], resourceTypes: FRAME_TYPES },
    },
  ];
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
        resourceTypes: ['main_frame' as chrome.declarativeNetRequest.ResourceType],
      },
    });
  }
  return rules;
}

/** The static ruleset shipped in the manifest: in force before the worker has run at all. */
export function defaultRuleset(): Rule[] {
  return buildRules({ allowedHosts: DEFAULT_ALLOWED_HOSTS });
}
