/**
 * Simulated seats beside the real one, so the seat map looks like a room: each is enrolled with a
 * real enrolment code and speaks the real seat protocol through the agent's own link
 * (kiosk-agent/seat/console-link.ts), from the demo process. They report fixed findings (made by the
 * real finding builder), carry out instructions at once (a message is "shown", a gate opens) and
 * send no events. Their names and places say "simulated".
 */
import { type ConsoleLink, createConsoleLink, enrolSeat } from '../kiosk-agent/seat/console-link.ts';
import type { OutboxReader } from '../kiosk-agent/seat/upstream.ts';
import type { SeatStatus } from '../shared/schemas/protocol.ts';
import type { SimulatedSeatPlan } from './demo-data.ts';

/** A simulated seat never has events to send. */
const EMPTY_OUTBOX: OutboxReader = {
  peek: () => [],
  acknowledge: () => undefined,
  onAdded: () => () => undefined,
};
const QUIET = { info() {}, warn() {}, error() {} };

export interface SimulatedRoom {
  /** PC name -> seat id, as enrolled. */
  seatIds: Map<string, string>;
  /** Starts every seat's link (call after the sitting exists, or they connect to an empty room). */
  start(): void;
  stop(): Promise<void>;
}

export async function enrolSimulatedSeats(
  consoleUrl: string,
  code: string,
  plans: readonly SimulatedSeatPlan[],
  agentVersion: string,
): Promise<SimulatedRoom> {
  const links: ConsoleLink[] = [];
  const seatIds = new Map<string, string>();
  const seats: { plan: SimulatedSeatPlan; seatId: string; credential: string }[] = [];
  for (const plan of plans) {
    const enrolled = await enrolSeat({ consoleUrl, code, pcName: plan.pcName });
    seatIds.set(plan.pcName, enrolled.seatId);
    seats.push({ plan, seatId: enrolled.seatId, credential: enrolled.credential });
  }
  return {
    seatIds,
    start() {
      for (const { plan, seatId, credential } of seats) {
        const link = createConsoleLink({
          url: consoleUrl,
          seatId,
          credential,
          pcName: plan.pcName,
          place: plan.place,
          agentVersion: `${agentVersion} (simulated)`,
          os: 'simulated seat (invigil demo)',
        });
        const findings = plan.findings();
        const status: SeatStatus = {
          findings,
          checks: [],
          extension: { linked: true, reportAgeSeconds: 2 },
        };
        link.start({
          outbox: EMPTY_OUTBOX,
          currentStatus: () => status,
          onInstruction: async () => undefined,
          log: QUIET,
        });
        links.push(link);
      }
    },
    async stop() {
      await Promise.all(links.map((l) => l.stop()));
    },
  };
}
