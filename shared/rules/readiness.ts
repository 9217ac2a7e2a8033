import type { Finding, Severity } from '../schemas/common.ts';

/**
 * Seat readiness: one pure function, used by the agent, the console and the extension's popup
 * alike, so that all three always agree on what a seat's findings mean.
 */
export type Readiness = 'ready' | 'attention' | 'not-ready';
/** What the console shows: readiness, or `offline` when the seat has stopped reporting. */
export type SeatState = Readiness | 'offline';

export const SEAT_STATE_LABELS: Record<SeatState, string> = {
  ready: 'Ready',
  attention: 'Attention',
  'not-ready': 'Not ready',
  offline: 'Offline',
};

export interface ReadinessResult {
  state: Readiness;
  /** Plain-English reasons, most serious first; empty when ready. */
  reasons: string[];
}

const RANK: Record<Severity, number> = { block: 0, warn: 1, info: 2 };

export function readiness(findings: readonly Finding[]): ReadinessResult {
  const relevant = findings
    .filter((f) => f.severity !== 'info')
    .sort((a, b) => RANK[a.severity] - RANK[b.severity]);
  const state: Readiness = relevant.some((f) => f.severity === 'block')
    ? 'not-ready'
    : relevant.length > 0
      ? 'attention'
      : 'ready';
  return { state, reasons: relevant.map((f) => f.message) };
}

/** Severity overrides from a seat's config (`{ "virtual-machine": "block" }`), applied to findings. */
export function applySeverityOverrides(
  findings: readonly Finding[],
  overrides: Readonly<Record<string, Severity>>,
): Finding[] {
  return findings.map((f) => {
    const severity = overrides[f.code];
    return severity && severity !== f.severity ? { ...f, severity } : f;
  });
}
