/**
 * The browser versions that Invigil's browser policy (shared/catalogs/browser-policy.ts and
 * deploy/policy/) and its lockdown were checked against: one list for both uses. A seat on an older
 * browser may lack policies the lockdown relies on (the AI and translation settings arrived recently),
 * so the compliance report flags it (`browser-too-old`); a newer one may know policies the list does
 * not, which the agent's browser-policy check says. Raise a number only after checking the list and
 * running the suite on that version; the README says which versions the suite has run on.
 *
 * Chrome and Chromium share major version numbers; Edge's follow Chromium's too.
 */
export const POLICY_CHECKED_AGAINST = {
  /** Debian's `chromium` that the suite runs on (Chromium 156, December 2026). */
  chromium: 156,
  /** Microsoft's Edge policy list (ADMX) the Edge policies were checked against. */
  edge: 139,
  /** Firefox ESR that the Firefox policy was checked against (153 ESR). */
  firefox: 153,
} as const;

/** Which number applies to a browser the report names. */
export function oldestCheckedMajor(
  browser: 'chrome' | 'chromium' | 'edge' | 'firefox' | 'other',
): number | null {
  if (browser === 'other') return null;
  if (browser === 'firefox' || browser === 'edge') return POLICY_CHECKED_AGAINST[browser];
  return POLICY_CHECKED_AGAINST.chromium;
}
