/**
 * A small in-test `UpstreamLink` (the seam the console link fills at integration): it drains the
 * agent's outbox as a console would, records status changes, and sends instructions down.
 */

import type { SeatInstruction, UpstreamDeps, UpstreamLink } from '../../kiosk-agent/seat/upstream.ts';
import type { SeatEvent } from '../../shared/schemas/events.ts';

export class RecordingUpstream implements UpstreamLink {
  deps: UpstreamDeps | null = null;
  statusChanges = 0;
  connected = true;
  stopped = false;

  start(deps: UpstreamDeps): void {
    this.deps = deps;
  }
  statusChanged(): void {
    this.statusChanges++;
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }

  /** What a console would do: take events, store them, acknowledge them. */
  drain(limit = 200): SeatEvent[] {
    if (!this.deps) throw new Error('the agent has not started the link');
    const events = this.deps.outbox.peek(limit);
    this.deps.outbox.acknowledge(events.map((e) => e.id));
    return events;
  }

  instruct(instruction: SeatInstruction): Promise<void> {
    if (!this.deps) throw new Error('the agent has not started the link');
    return this.deps.onInstruction(instruction);
  }
}
