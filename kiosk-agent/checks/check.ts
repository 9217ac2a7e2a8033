/**
 * The one contract every machine check keeps (after the extension's features, extension/features/
 * feature.ts): a check is `defineCheck({ id, lines, intervalMs, run, ... })`, listed once in
 * checks/index.ts. The daemon (seat/agent.ts) and `invigil check` (cli/commands/check.ts) both run
 * the checks from that list, so adding a check touches that list and nothing else; a meta-test
 * (test/unit/kiosk-agent/checks/index.test.ts) keeps every check listed, in the README's check table,
 * and tested.
 *
 * A check's `run` produces the checklist lines it owns; when it throws, each of its lines becomes
 * `check-error` (fail closed: a check that cannot run never passes). State that should live between
 * runs (a cache, a connection) comes from `setup` and goes in `stop`. A check whose source can say
 * when something changed (the X server, an inotify) gets `wake` in its context and calls it: the
 * daemon then runs it at once instead of waiting for its interval.
 */
import type { Logger } from 'pino';
import type { CheckResult } from '../../shared/schemas/common.ts';
import type { AgentConfig } from '../../shared/schemas/config.ts';
import type { DesktopSession } from '../desktop/desktop-session.ts';

export interface CheckLine {
  /** The checklist line's id (stable: `invigil check --json` and the console rely on it). */
  id: string;
  title: string;
}

export interface CheckContext {
  readonly config: AgentConfig;
  /** True in the daemon (runs repeat, state lives between them); false for one `invigil check`. */
  readonly daemon: boolean;
  /** The candidate's desktop (X display), shared by the checks that read it. */
  readonly desktop: DesktopSession;
  /** Asks the daemon to run this check again now (a no-op in `invigil check`). */
  readonly wake: () => void;
  readonly log?: Logger;
}

export interface Check<S = undefined> {
  /** The check's name: its group in the seat's state, its row in the README's check table. */
  id: string;
  /** The checklist lines it writes. */
  lines: readonly CheckLine[];
  /** How often the daemon runs it (a check that is woken by changes still runs this often). */
  intervalMs(config: AgentConfig): number;
  /** State kept between runs. */
  setup?(ctx: CheckContext): S;
  run(ctx: CheckContext, state: S): Promise<CheckResult[]>;
  /** Releases what `setup` took. */
  stop?(state: S): void | Promise<void>;
}

/** A check of any state type, as the registry holds it. */
// biome-ignore lint/suspicious/noExplicitAny: the registry holds checks of different state types
export type AnyCheck = Check<any>;

export function defineCheck<S = undefined>(check: Check<S>): Check<S> {
  return check;
}
