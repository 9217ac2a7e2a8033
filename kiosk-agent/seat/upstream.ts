/**
 * The seam between the agent daemon and the console link (the next hop upstream).
 * The daemon owns the durable outbox and the seat's status; the link carries them to the
 * console over the seat protocol (shared/schemas/protocol.ts) and brings instructions back.
 */
import type { SeatEvent } from '../../shared/schemas/events.ts';
import type { ConsoleToSeat, SeatStatus } from '../../shared/schemas/protocol.ts';

/** The agent's durable outbox, as the link sees it. */
export interface OutboxReader {
  /** The oldest events not yet acknowledged upstream, at most `limit`. */
  peek(limit: number): SeatEvent[];
  /** Upstream has stored these: delete them. Unknown ids are ignored. */
  acknowledge(ids: readonly string[]): void;
  /** Called whenever events are added; returns an unsubscribe function. */
  onAdded(listener: () => void): () => void;
}

export type SeatInstruction = Extract<
  ConsoleToSeat,
  { type: 'instruction/show-message' | 'instruction/gate' }
>;

export interface UpstreamDeps {
  outbox: OutboxReader;
  /** The seat's current status (sent on connect and on every change). */
  currentStatus(): SeatStatus;
  /** An instruction from the console. Resolve when it has been carried out (then the link acks it). */
  onInstruction(instruction: SeatInstruction): Promise<void>;
  /** Structured log (pino). */
  log: {
    info(obj: object, msg?: string): void;
    warn(obj: object, msg?: string): void;
    error(obj: object, msg?: string): void;
  };
}

export interface UpstreamLink {
  /** Connect, and keep reconnecting with backoff until stopped. */
  start(deps: UpstreamDeps): void;
  /** The daemon's status changed: send it now if connected. */
  statusChanged(): void;
  readonly connected: boolean;
  stop(): Promise<void>;
}
