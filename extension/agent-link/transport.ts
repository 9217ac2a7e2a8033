/**
 * What the outbox drains through. The native-messaging link to the kiosk agent is one transport;
 * anything that can take a batch and later acknowledge ids can be another.
 */
import type { SeatEvent } from '../../shared/schemas/events.ts';
import type { ReadonlyStore } from '../lib/store.ts';

export interface EventTransport {
  /** True while a receiver can take events now. */
  readonly ready: ReadonlyStore<boolean>;
  /** Hands over a batch; false when it could not be sent. Acknowledgements come back later, by id. */
  send(events: SeatEvent[]): boolean;
}
