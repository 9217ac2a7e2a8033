/**
 * The extension's side of the agent link: the durable outbox, drained through the native port;
 * every compliance report sent as `report/compliance`; acknowledgements delete events.
 */
import type { SeatEvent } from '../../shared/schemas/events.ts';
import type { StatusSections } from '../features/compliance-report/build.ts';
import type { AgentChannel, NewSeatEvent, ReportChannel } from '../features/feature.ts';
import type { Store } from '../lib/store.ts';
import { check } from '../lib/validate.ts';
import { OutboxDrainer } from './drainer.ts';
import { NativeLink } from './native-link.ts';
import { Outbox } from './outbox.ts';

const MAX_URL = 2048;

export interface AgentLink {
  channel: AgentChannel;
  link: NativeLink;
  outbox: Outbox;
  /** Validates an event, stamps it and writes it to the outbox; the drain follows. */
  log(event: NewSeatEvent, at?: Date): Promise<void>;
  /** Wires reports and status, and opens the port. */
  start(reports: ReportChannel, status: Store<StatusSections>, signal: AbortSignal): void;
}

export function createAgentLink(): AgentLink {
  const link = new NativeLink();
  const outbox = new Outbox();
  const drainer = new OutboxDrainer(outbox, {
    ready: link.linked,
    send: (events) => link.send({ type: 'event/batch', events }),
  });

  link.onMessage((m) => {
    if (m.type === 'event/ack') void drainer.acknowledged(m.ids);
  });
  let status: Store<StatusSections> | undefined;

  async function log(event: NewSeatEvent, at = new Date()): Promise<void> {
    const candidate = { ...event, id: crypto.randomUUID(), at: at.toISOString() } as Record<string, unknown>;
    if (typeof candidate.url === 'string' && candidate.url.length > MAX_URL) {
      candidate.url = candidate.url.slice(0, MAX_URL);
    }
    const parsed = check('seatEvent', candidate);
    if (!parsed.ok) {
      // A bug of ours, not input: never let an invalid event into the outbox, where it would block the queue.
      console.error('[invigil] not logging an invalid event', event, parsed.error);
      return;
    }
    const stamped: SeatEvent = parsed.value;
    try {
      await outbox.add(stamped);
      status?.update((s) => {
        if (!s.errors['agent-link']) return s;
        const { 'agent-link': _, ...errors } = s.errors;
        return { ...s, errors };
      });
    } catch (e) {
      // Storage refused (quota, a broken profile): say so in the report rather than lose events quietly.
      console.error('[invigil] could not store an event', stamped, e);
      const reason = `events cannot be stored (${e instanceof Error ? e.message : String(e)})`;
      status?.update((s) => ({ ...s, errors: { ...s.errors, 'agent-link': reason } }));
      return;
    }
    void drainer.kick();
  }

  return {
    link,
    outbox,
    log,
    channel: {
      linked: link.linked,
      send: (message) => link.send(message),
      onMessage: (fn, signal) => link.onMessage(fn, signal),
    },
    start(reports, statusStore, signal) {
      status = statusStore;
      reports.subscribe((report) => {
        link.send({ type: 'report/compliance', report });
      }, signal);
      link.linked.subscribe((linked) => {
        statusStore.update((s) => ({ ...s, agentLinked: linked }));
        if (linked) {
          const latest = reports.latest();
          if (latest) link.send({ type: 'report/compliance', report: latest });
          void drainer.kick();
        } else {
          drainer.reset();
        }
      }, signal);
      signal.addEventListener('abort', () => link.stop(), { once: true });
      link.connect();
    },
  };
}
