/**
 * What each browser policy does on an exam seat, in plain English, keyed by Chrome's policy name.
 * The Windows README and CSV print these next to each policy. The text lives beside each policy in
 * shared/catalogs/browser-policy.ts, so a policy cannot ship without an explanation for IT.
 */
import { BROWSER_POLICIES } from '../../shared/catalogs/browser-policy.ts';

export const POLICY_PURPOSES: Readonly<Record<string, string>> = {
  ...Object.fromEntries(BROWSER_POLICIES.map((p) => [p.key, p.purpose])),
  '3rdparty': "The Invigil extension's own configuration (allowed hosts, assessment address and the rest).",
};
