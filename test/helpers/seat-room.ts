/**
 * A room of simulated seats on a test console, for the unit tests that drive sittings through the real
 * seat protocol: seats enrolled over HTTP and connected through the agent's own console link
 * (console-seat.ts), a sitting with one candidate per seat (confirmed or not), the last gate a seat was
 * told, and a wait for something the console's API shows. `stop()` disconnects every seat it started.
 */
import { expect } from 'vitest';
import type { SittingView } from '../../shared/schemas/console-api.ts';
import type { TestConsole } from './console-client.ts';
import { enrolTestSeat, type SimulatedSeat, startSimulatedSeat } from './console-seat.ts';

export interface SeatRoom {
  /** Enrols a PC, connects it, and waits until the console has it. */
  seat(pcName: string): Promise<SimulatedSeat>;
  /**
   * A sitting starting now in "Room 2 (IT suite)" with one candidate per seat (registration numbers
   * `<registrationPrefix>0`, `1`...); with `confirmed`, each candidate's identity is confirmed (the seat released).
   */
  sittingWith(
    seats: readonly SimulatedSeat[],
    options: { registrationPrefix: string; confirmed?: boolean },
  ): Promise<SittingView>;
  stop(): Promise<void>;
}

/** `console_` is read when a seat is made: a room can be declared before the console starts. */
export function seatRoom(console_: () => TestConsole): SeatRoom {
  const seats: SimulatedSeat[] = [];
  return {
    async seat(pcName) {
      const c = console_();
      const s = startSimulatedSeat(c.url, await enrolTestSeat(c.admin, pcName));
      seats.push(s);
      await s.waitFor(() => s.link.connected);
      return s;
    },
    async sittingWith(list, { registrationPrefix, confirmed = false }) {
      const c = console_();
      const r = await c.admin.post<{ sitting: SittingView }>('/api/sittings', {
        room: 'Room 2 (IT suite)',
        startsAt: new Date().toISOString(),
        invigilatorIds: [],
        entries: list.map((s, i) => ({
          candidateName: `Candidate ${s.pcName}`,
          registrationNumber: `${registrationPrefix}${i}`,
          qualificationNumber: '601/8928/9',
          assessment: 'Light vehicle maintenance: online test',
          durationMinutes: 60,
          seatId: s.seatId,
        })),
      });
      expect(r.status, r.text).toBe(201);
      const sitting = r.body.sitting;
      if (confirmed) {
        for (const e of sitting.entries) {
          const ok = await c.admin.post(`/api/sittings/${sitting.id}/entries/${e.id}/identity`, {
            method: 'photo-id',
          });
          expect(ok.status, ok.text).toBe(201);
        }
      }
      return sitting;
    },
    async stop() {
      for (const s of seats.splice(0)) await s.stop();
    },
  };
}

/** The last gate instruction the console sent the seat. */
export const lastGate = (s: SimulatedSeat) =>
  s.instructions.filter((i) => i.type === 'instruction/gate').at(-1);

/** Polls `fn` until it gives something (not undefined, null or false), or fails naming `what`. */
export async function until<T>(
  fn: () => Promise<T | undefined | null | false>,
  what: string,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
