/**
 * What each seat is told (docs/protocol.md, section 5): the sitting it belongs to now decides its gate
 * (held, or released once its candidate's identity is confirmed; held while paused), messages for its
 * candidate, and their acknowledgements. Gate instructions and acknowledgements are written in batches
 * (a room of seats connecting at once is a few transactions) and sent once stored; a seat's first
 * acknowledged release starts its candidate's attempt (issue 13).
 */

import type { WebSocket } from 'ws';
import type { ConsoleToSeat } from '../../../../shared/schemas/protocol.ts';
import { Batcher } from '../../batcher.ts';
import type { Actor, Assignment, InstructionRow } from '../../store/store.ts';
import type { HubState } from './hub-state.ts';
import { refuseMessage, send } from './wire.ts';

const HOLD_WINDOW_MS = 12 * 3_600_000;

export interface QueuedGate {
  actor: Actor;
  seatId: string;
  payload: Record<string, unknown>;
}
export interface QueuedAck {
  seatId: string;
  instructionId: string;
  at: string;
  ws: WebSocket;
}

export class SeatInstructions {
  /** Gate instructions and acknowledgements, written in batches (a room of seats connecting at once). */
  private readonly gateWrites: Batcher<QueuedGate>;
  private readonly ackWrites: Batcher<QueuedAck>;

  constructor(
    private readonly h: HubState,
    windowMs: number,
  ) {
    this.gateWrites = new Batcher({
      windowMs,
      write: (batch) => this.writeGates(batch),
      // Not stored, not sent: the seat stays as it was (held unless released before) and gets it on reconnect.
      onError: (error, batch) =>
        this.h.log.error({ err: error, gates: batch.length }, 'could not store gate instructions'),
    });
    this.ackWrites = new Batcher({
      windowMs,
      write: (batch) => this.writeAcks(batch),
      onError: (error, batch) =>
        this.h.log.error({ err: error, acks: batch.length }, 'could not store instruction acknowledgements'),
    });
  }

  /** A seat acknowledged an instruction: written with others, then shown. */
  ack(a: QueuedAck): void {
    void this.ackWrites.add(a);
  }

  async drain(): Promise<void> {
    await Promise.all([this.gateWrites.drain(), this.ackWrites.drain()]);
  }

  /** The assignment a seat should follow now: the open sitting nearest in time, within 12 hours. */
  private pickAssignments(all: readonly Assignment[], now: number): Map<string, Assignment> {
    const best = new Map<string, Assignment>();
    for (const a of all) {
      const distance = Math.abs(Date.parse(a.startsAt) - now);
      if (distance > HOLD_WINDOW_MS) continue;
      const current = best.get(a.seatId);
      if (!current || distance < Math.abs(Date.parse(current.startsAt) - now)) best.set(a.seatId, a);
    }
    return best;
  }

  assignment(seatId: string): Assignment | undefined {
    return this.h.assignments.get(seatId);
  }

  /**
   * Re-reads the open sittings and sends each seat whose gate should change a new `instruction/gate`.
   * `actor` is the invigilator whose change caused it (null for the console's own refresh).
   */
  async refreshAssignments(actor: Actor | null): Promise<void> {
    const next = this.pickAssignments(await this.h.store.openAssignments(), Date.now());
    const touched = new Set<string>([...this.h.assignments.keys(), ...next.keys()]);
    this.h.assignments = next;
    for (const seatId of touched) await this.ensureGate(seatId, actor);
    this.h.changed(touched);
  }

  /**
   * A hand was answered, or a pause started or ended (issue 13): the open ones are read again and every
   * seat whose gate must change is sent its new gate (a pause holds the seat; its end releases it again).
   */
  async handsOrPausesChanged(actor: Actor): Promise<void> {
    const hands = await this.h.handsAndPauses.refreshHands();
    await this.h.handsAndPauses.refreshPauses();
    await this.refreshAssignments(actor);
    this.h.changed(hands);
    this.h.bus.publish({ k: 'hands-pauses' });
  }

  private desiredGate(seatId: string): Record<string, unknown> {
    const s = this.h.seats.get(seatId);
    const a = this.h.assignments.get(seatId);
    const seatLabel = s ? (s.seat.place ? `${s.seat.pcName} (${s.seat.place})` : s.seat.pcName) : undefined;
    // A paused seat (its own pause or its room's) is held, and its holding page says it is paused.
    const paused = this.h.handsAndPauses.pause(a) !== null;
    return {
      // Fail closed: a seat with no confirmed candidate stays on the holding page.
      state: a?.identityConfirmed && !paused ? 'released' : 'held',
      ...(a ? { candidateName: a.candidateName } : {}),
      ...(seatLabel ? { seatLabel } : {}),
      ...(paused ? { paused: true } : {}),
    };
  }

  /** Queues a new gate instruction when the seat's gate should change; true when it did (and was sent). */
  async ensureGate(seatId: string, actor: Actor | null): Promise<boolean> {
    const s = this.h.seats.get(seatId);
    if (!s) return false;
    // A seat connected to another process gets its gates from that process (which reads the same change).
    if (!s.socket && s.elsewhere?.connected && s.elsewhere.offlineSince === null) return false;
    const desired = this.desiredGate(seatId);
    const current = this.h.gates.get(seatId);
    if (
      current &&
      current.payload.state === desired.state &&
      current.payload.candidateName === desired.candidateName &&
      current.payload.seatLabel === desired.seatLabel &&
      current.payload.paused === desired.paused
    ) {
      return false;
    }
    // Settles once the batch that took it is written (or failed): the caller then knows the gate was sent.
    await this.gateWrites.add({
      actor: actor ?? { centreId: s.seat.centreId, invigilatorId: null },
      seatId,
      payload: desired,
    });
    return true;
  }

  /** One transaction for every gate change queued meanwhile; each is sent once stored. */
  private async writeGates(batch: QueuedGate[]): Promise<void> {
    const rows = await this.h.store.createInstructions(
      batch.map((b) => ({
        actor: b.actor,
        seatId: b.seatId,
        type: 'instruction/gate' as const,
        payload: b.payload,
      })),
    );
    for (const row of rows) {
      this.h.gates.set(row.seatId, row);
      this.sendInstruction(row);
    }
    if (rows.length > 0)
      this.h.bus.publish({ k: 'instructions', ids: [...new Set(rows.map((r) => r.seatId))] });
  }

  /** One transaction for every acknowledgement of an instruction queued meanwhile. */
  private async writeAcks(batch: QueuedAck[]): Promise<void> {
    const results = await this.h.store.ackInstructions(batch);
    const changed: string[] = [];
    const released: string[] = [];
    batch.forEach((a, i) => {
      if (!results[i]) {
        refuseMessage(this.h, a.ws, {
          code: 'not-your-instruction',
          error: `instruction ${a.instructionId} is not one of this seat's`,
          messageType: 'instruction/ack',
          inReplyTo: a.instructionId,
        });
        return;
      }
      const gate = this.h.gates.get(a.seatId);
      if (gate?.id === a.instructionId && !gate.ackedAt) {
        this.h.gates.set(a.seatId, { ...gate, ackedAt: a.at });
        changed.push(a.seatId);
        if (gate.payload.state === 'released') released.push(a.seatId);
      }
      const message = this.h.messages.get(a.seatId);
      if (message?.id === a.instructionId && !message.ackedAt) {
        this.h.messages.set(a.seatId, { ...message, ackedAt: a.at });
        changed.push(a.seatId);
      }
    });
    this.h.changed(changed);
    if (changed.length > 0) this.h.bus.publish({ k: 'instructions', ids: [...new Set(changed)] });
    await this.noteReleases(released, new Date().toISOString());
  }

  /**
   * Issue 13, attempts: a seat acknowledged its release, so its candidate's attempt starts now (the
   * first release only; a seat held and released again keeps its first time).
   */
  private async noteReleases(seatIds: readonly string[], at: string): Promise<void> {
    const byCentre = new Map<string, string[]>();
    for (const seatId of seatIds) {
      const a = this.h.assignments.get(seatId);
      const centreId = this.h.seats.get(seatId)?.seat.centreId;
      if (!a || !centreId || !(await this.h.store.markReleased(a.entryId, at))) continue;
      byCentre.set(centreId, [...(byCentre.get(centreId) ?? []), a.sittingId]);
    }
    for (const [centreId, ids] of byCentre) this.h.sittingsChanged(centreId, [...new Set(ids)]);
  }

  async showMessage(actor: Actor, seatId: string, text: string): Promise<InstructionRow> {
    const row = await this.h.store.createInstruction(actor, seatId, 'instruction/show-message', { text });
    this.h.messages.set(seatId, row);
    this.sendInstruction(row);
    this.h.changed([seatId]);
    this.h.bus.publish({ k: 'instructions', ids: [seatId] });
    return row;
  }

  sendInstruction(row: InstructionRow): void {
    const s = this.h.seats.get(row.seatId);
    if (!s?.socket || !s.helloDone) return; // sent when the seat next connects
    send(this.h, s.socket, { ...row.payload, type: row.type, instructionId: row.id } as ConsoleToSeat);
  }

  /** Instructions written by another process for these seats: read again; a seat held here is sent them. */
  async refreshInstructions(seatIds: readonly string[]): Promise<void> {
    const known = seatIds.filter((id) => this.h.seats.has(id));
    if (known.length === 0) return;
    for (const gate of await this.h.store.latestGates(known)) {
      const before = this.h.gates.get(gate.seatId);
      this.h.gates.set(gate.seatId, gate);
      if (before?.id !== gate.id) this.sendInstruction(gate);
    }
    for (const message of await this.h.store.latestMessages(known)) {
      const before = this.h.messages.get(message.seatId);
      this.h.messages.set(message.seatId, message);
      if (before?.id !== message.id && !message.ackedAt) this.sendInstruction(message);
    }
    this.h.changed(known);
  }
}
