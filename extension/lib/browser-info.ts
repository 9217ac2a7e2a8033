/**
 * Which browser this is, and its version: the one place that asks. Chromium reduces its user-agent
 * string to the major version ("Chrome/156.0.0.0"), so the full version comes from User-Agent Client
 * Hints (`navigator.userAgentData.getHighEntropyValues(['fullVersionList'])`, which a service worker
 * has too); the user-agent string gives the major only, as a fallback. The brand names which of
 * Chrome, Edge and Chromium it is (the user-agent string says "Chrome" for all three).
 */
import type { ComplianceReport } from '../../shared/schemas/report.ts';

type BrowserInfo = ComplianceReport['browser'];

interface BrandVersion {
  brand: string;
  version: string;
}
interface UserAgentData {
  brands?: BrandVersion[];
  getHighEntropyValues?(hints: string[]): Promise<{ fullVersionList?: BrandVersion[] }>;
}

const BRANDS: readonly [string, BrowserInfo['name']][] = [
  ['Microsoft Edge', 'edge'],
  ['Google Chrome', 'chrome'],
  ['Chromium', 'chromium'],
];

export async function browserInfo(nav: Navigator = navigator): Promise<BrowserInfo> {
  const userAgent = nav.userAgent.slice(0, 500);
  const ua = (nav as Navigator & { userAgentData?: UserAgentData }).userAgentData;
  const full = await ua?.getHighEntropyValues?.(['fullVersionList']).catch(() => undefined);
  for (const [list, source] of [
    [full?.fullVersionList, 'client-hints'],
    [ua?.brands, 'client-hints'],
  ] as const) {
    for (const [brand, name] of BRANDS) {
      const found = list?.find((b) => b.brand === brand);
      if (!found) continue;
      const major = majorOf(found.version);
      // Low-entropy brands carry the major only, like the user-agent string.
      return { name, version: found.version.slice(0, 64), major, versionSource: source, userAgent };
    }
  }
  const fromUa = /\b(?:Edg|Chrome|Chromium|Firefox)\/(\d+)/.exec(userAgent);
  const major = fromUa ? Number(fromUa[1]) : null;
  const name: BrowserInfo['name'] = /\bEdg\//.test(userAgent)
    ? 'edge'
    : /\bFirefox\//.test(userAgent)
      ? 'firefox'
      : /\bChrome\//.test(userAgent)
        ? 'chromium'
        : 'other';
  return {
    name,
    version: major === null ? '' : String(major),
    major,
    versionSource: major === null ? 'unknown' : 'user-agent',
    userAgent,
  };
}

export function majorOf(version: string): number | null {
  const m = /^(\d{1,4})(\.|$)/.exec(version);
  return m ? Number(m[1]) : null;
}
