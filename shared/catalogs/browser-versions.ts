/**
 * The oldest browser versions that Invigil's browser policy (shared/catalogs/browser-policy.ts and
 * deploy/policy/) and its lockdown were checked against. A seat on an older browser may lack policies
 * the lockdown relies on (the AI and translation settings arrived recently), so the compliance report
 * flags it (`browser-too-old`). Raise a number only after running the suite on that version; the
 * README says which versions the suite has run on.
 *
 * Chrome, Chromium and Edge share Chromium's major version numbers.
 */
export const POLICY_CHECKED_SINCE = {
  /** Debian's `chromium` that the suite runs on (Chromium 156, December 2026). */
  chromium: 156,
  /** Firefox ESR that the Firefox policy was checked against (153 ESR). */
  firefox: 153,
} as const;

/** Which number applies to a browser the report names. */
export function oldestCheckedMajor(
  browser: 'chrome' | 'chromium' | 'edge' | 'firefox' | 'other',
): number | null {
  if (browser === 'firefox') return POLICY_CHECKED_SINCE.firefox;
  if (browser === 'other') return null;
  return POLICY_CHECKED_SINCE.chromium;
}
