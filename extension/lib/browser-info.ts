/**
 * Reading a browser's name and version: what every browser shares. Each browser's own way to its full
 * version lives in its adapter (platform/chromium.ts: User-Agent Client Hints, since Chromium reduces its
 * user-agent string to the major version; platform/firefox.ts: `runtime.getBrowserInfo()`); the
 * user-agent string is the fallback for both.
 */
import type { ComplianceReport } from '../../shared/schemas/report.ts';

type BrowserInfo = ComplianceReport['browser'];

/** The name and major version from the user-agent string alone. */
export function fromUserAgent(userAgent: string): BrowserInfo {
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
