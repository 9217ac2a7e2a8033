/**
 * The one contract every feature keeps (after refined-github's feature manager): a feature is a
 * folder in extension/features/ whose index.ts exports `defineFeature({...})`.
 *
 * `init` is called synchronously for every feature while the worker starts. It must add its
 * browser.* listeners at once (with `on(event, fn, ctx.signal)`), because the browser delivers the
 * event that woke a stopped worker (or Firefox's event page) only to listeners added in its first turn; then it may await
 * `ctx.loaded` and do its asynchronous work. Cleanup is the signal: when it aborts, the listeners
 * go and the feature stops its timers.
 */
import type { SeatEvent } from '../../shared/schemas/events.ts';
import type { ExtensionToHost, HostToExtension } from '../../shared/schemas/native.ts';
import type { PolicyField } from '../../shared/schemas/policy.ts';
import type { ComplianceReport } from '../../shared/schemas/report.ts';
import type { PageHandler } from '../background/page-messages.ts';
import type { PageMessageType } from '../lib/page-messages.ts';
import type { ReadonlyStore, Store } from '../lib/store.ts';
import type { GateState, PolicyState } from '../lib/stored.ts';
import type { StatusSections } from './compliance-report/build.ts';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** An event as a feature logs it: the id and time are added by `log`. */
export type NewSeatEvent = DistributiveOmit<SeatEvent, 'id' | 'at'>;

/** The link to the kiosk agent, as features see it. */
export interface AgentChannel {
  /** True while the native host is connected and says the agent is reachable. */
  readonly linked: ReadonlyStore<boolean>;
  /** Sends now if the port is open; false when it is not (the caller keeps what it must resend). */
  send(message: ExtensionToHost): boolean;
  /** Every validated message from the host. */
  onMessage(fn: (message: HostToExtension) => void, signal: AbortSignal): void;
}

export interface ReportChannel {
  latest(): ComplianceReport | null;
  publish(report: ComplianceReport): void;
  subscribe(fn: (report: ComplianceReport) => void, signal: AbortSignal): void;
}

export interface FeatureContext {
  /** Aborts at cleanup: listeners and timers go with it. */
  readonly signal: AbortSignal;
  /** Resolves once the stored policy and gate have been read (a few milliseconds after start). */
  readonly loaded: Promise<void>;
  /** Resolves once every feature's init has settled. */
  readonly ready: Promise<void>;
  /** The policy in force (the last good one until managed policy arrives). */
  readonly policy: ReadonlyStore<PolicyState>;
  /** The identity-check gate. */
  readonly gate: Store<GateState>;
  /** What each feature found, for the compliance report. */
  readonly status: Store<StatusSections>;
  /** Writes an event to the durable outbox (it reaches the agent when the link is up). */
  log(event: NewSeatEvent, at?: Date): Promise<void>;
  /** Answers a message from one of our own pages (see background/page-messages.ts for who may send). */
  onPageMessage<T extends PageMessageType>(type: T, handler: PageHandler<T>, signal: AbortSignal): void;
  readonly agent: AgentChannel;
  readonly reports: ReportChannel;
}

export interface Feature {
  /** The folder name under extension/features/. */
  id: string;
  /** Policy fields this feature enforces (the meta-test checks every field has one). */
  policyFields: readonly PolicyField[];
  /** The pages in extension/pages/ that belong to this feature (their code counts as its code). */
  pages?: readonly string[];
  init(ctx: FeatureContext): void | Promise<void>;
}

export function defineFeature(feature: Feature): Feature {
  return feature;
}

/** Records that a check could not run (the report then fails closed), or clears it. */
export function setCheckError(ctx: FeatureContext, checkId: string, error: unknown): void {
  ctx.status.update((s) => {
    const errors = { ...s.errors };
    if (error === null) delete errors[checkId];
    else errors[checkId] = describeError(error);
    return { ...s, errors };
  });
}

export function describeError(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
