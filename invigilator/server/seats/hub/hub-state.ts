/**
 * What the seat hub's modules share: every seat's live state in memory, the assignments, gates and
 * messages that decide what each seat is told, who listens for changes, and the hub's counters. The
 * modules beside this file act on it; none keeps a seat's state of its own.
 */

import type { HandsAndPausesState } from '../../hands-and-pauses/live-state.ts';
import type { LiveBus } from '../../live-bus.ts';
import type { Logger } from '../../logger.ts';
import type { IncidentRow } from '../../record/incident-repository.ts';
import type { Assignment, InstructionRow, SeatRow, Store } from '../../store/store.ts';
import type { SeatBudgetLimits } from '../seat-budget.ts';
import { type LiveSeat, newLiveSeat } from './live-seat.ts';

export interface SeatChangeListener {
  seatsChanged(seatIds: Iterable<string>): void;
  incidentsAdded(incidents: readonly IncidentRow[]): void;
  /** Notices (replacement requests, refused connections) changed for a centre. */
  noticesChanged(centreId: string): void;
  /** A sitting's record changed without a person editing it (a seat released: the attempt's start). */
  sittingsChanged?(centreId: string, sittingIds: string[]): void;
}

export interface HubSettings {
  heartbeatMs: number;
  offlineAfterMs: number;
  abandonedAfterMs: number;
  budgetLimits: SeatBudgetLimits;
}

export class HubState {
  readonly seats = new Map<string, LiveSeat>();
  assignments = new Map<string, Assignment>();
  readonly gates = new Map<string, InstructionRow>();
  /** The latest message to each seat's candidate (since the console started), for the seat map. */
  readonly messages = new Map<string, InstructionRow>();
  private readonly listeners = new Set<SeatChangeListener>();
  /** Every timer of the hub, cleared when it closes. */
  readonly timers: NodeJS.Timeout[] = [];
  /** This process's database instance id. */
  readonly me: string;
  readonly heartbeatMs: number;
  readonly offlineAfterMs: number;
  readonly abandonedAfterMs: number;
  readonly budgetLimits: SeatBudgetLimits;
  /** Counters for the logs and benchmarks. */
  readonly stats = {
    messages: 0,
    refused: 0,
    /** Seat connections refused before they opened, by reason (refused-connections.ts). */
    refusedByReason: { noCredential: 0, wrongCredential: 0, pendingReplacement: 0 },
    badMessages: 0,
    eventsStored: 0,
    /** The events writer (hub/events.ts): batches, their time, the longest queue behind one. */
    eventWrites: { batches: 0, msTotal: 0, msMax: 0, largest: 0, queueMax: 0 },
    lateSweeps: 0,
    pauses: 0,
    dropped: 0,
  };

  constructor(
    readonly store: Store,
    readonly log: Logger,
    /** The live channel to other console processes on the same database. */
    readonly bus: LiveBus,
    /** Open raised hands and pauses (issue 13): shown on the seat map; a pause holds the seat's gate. */
    readonly handsAndPauses: HandsAndPausesState,
    settings: HubSettings,
  ) {
    this.me = store.instanceId;
    this.heartbeatMs = settings.heartbeatMs;
    this.offlineAfterMs = settings.offlineAfterMs;
    this.abandonedAfterMs = settings.abandonedAfterMs;
    this.budgetLimits = settings.budgetLimits;
  }

  /** Runs a handler so that nothing it throws or rejects with can end the console: it is logged. */
  guard(what: string, fn: () => unknown): void {
    try {
      const result = fn();
      if (result instanceof Promise)
        result.catch((error: unknown) => this.log.error({ err: error }, `${what} failed`));
    } catch (error) {
      this.log.error({ err: error }, `${what} failed`);
    }
  }

  onChange(listener: SeatChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(ids: Iterable<string>): void {
    for (const l of this.listeners) l.seatsChanged(ids);
  }

  incidentsAdded(rows: readonly IncidentRow[]): void {
    if (rows.length === 0) return;
    for (const l of this.listeners) l.incidentsAdded(rows);
  }

  /**
   * Records one automatic incident about a seat, in the sitting it is seated in (if any), and tells the
   * dashboards; a failure is logged as `could not record <what>`, and the seat goes on being served.
   */
  seatIncident(s: LiveSeat, kind: string, description: string, now: number, what: string): void {
    const where = this.sittingOf(s.seat.id);
    this.store
      .addAutomaticIncidents([
        {
          centreId: s.seat.centreId,
          kind,
          description,
          at: new Date(now).toISOString(),
          seatId: s.seat.id,
          sittingId: where?.sittingId ?? null,
          entryId: where?.entryId ?? null,
        },
      ])
      .then(
        (rows) => this.incidentsAdded(rows),
        (error: unknown) => this.log.error({ err: error }, `could not record ${what}`),
      );
  }

  /** A sitting's record changed without a person editing it. */
  sittingsChanged(centreId: string, sittingIds: string[]): void {
    for (const l of this.listeners) l.sittingsChanged?.(centreId, sittingIds);
  }

  noticesChanged(centreId: string): void {
    for (const l of this.listeners) l.noticesChanged(centreId);
  }

  addSeat(seat: SeatRow): void {
    const existing = this.seats.get(seat.id);
    if (existing) {
      existing.seat = seat;
      return;
    }
    this.seats.set(seat.id, newLiveSeat(seat, this.budgetLimits));
  }

  async loadSeat(seatId: string): Promise<LiveSeat | undefined> {
    const seat = await this.store.getSeat(seatId);
    if (seat) this.addSeat(seat);
    return this.seats.get(seatId);
  }

  seatIds(centreId: string): string[] {
    const ids: string[] = [];
    for (const s of this.seats.values()) if (s.seat.centreId === centreId) ids.push(s.seat.id);
    return ids;
  }

  seatRow(id: string): SeatRow | undefined {
    return this.seats.get(id)?.seat;
  }

  connectedCount(): number {
    let n = 0;
    for (const s of this.seats.values()) if (s.socket) n++;
    return n;
  }

  /** The sitting a seat is in now, for incidents about it. */
  readonly sittingOf = (seatId: string): { sittingId: string; entryId: string } | null => {
    const a = this.assignments.get(seatId);
    return a ? { sittingId: a.sittingId, entryId: a.entryId } : null;
  };
}
