/**
 * Focus tracking, pure: the browser losing focus to another application, and for how long.
 * Chromium reports WINDOW_ID_NONE when no browser window has focus; on some Linux window
 * managers it also does so for an instant between two browser windows, so a loss only counts
 * once it has lasted `settleMs` without a browser window taking focus back.
 */
export const WINDOW_ID_NONE = -1;
export const SETTLE_MS = 400;
/** How often the real focus state is read, for changes Chromium's events missed. */
export const RECONCILE_MS = 1000;

export interface FocusState {
  /** When focus went to another application; null while a browser window has it. */
  lostAt: string | null;
}

export type FocusOutcome =
  | { kind: 'none' }
  | { kind: 'lost'; state: FocusState }
  | { kind: 'returned'; state: FocusState; awayMs: number };

/** A confirmed loss (it lasted SETTLE_MS), at the time it began. */
export function focusLost(state: FocusState, since: Date): FocusOutcome {
  if (state.lostAt !== null) return { kind: 'none' };
  return { kind: 'lost', state: { lostAt: since.toISOString() } };
}

/** A browser window took focus at `now`. */
export function focusReturned(state: FocusState, now: Date): FocusOutcome {
  if (state.lostAt === null) return { kind: 'none' };
  const awayMs = Math.max(0, Math.round(now.getTime() - Date.parse(state.lostAt)));
  return { kind: 'returned', state: { lostAt: null }, awayMs };
}
