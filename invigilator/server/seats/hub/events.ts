/**
 * A seat's events (`seat/events`, docs/protocol.md, section 6): each checked on its own, stored in
 * batches (one transaction for whatever arrived meanwhile, a few hundred events at most) and
 * acknowledged only once stored; invalid or oversized ones with an id are kept as "rejected" and
 * acknowledged, so one bad event never blocks a seat's outbox. Charged to the seat's budget.
 */
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { incidentFromEvent } from '../../../../shared/catalogs/incidents.ts';
import { excerpt } from '../../../../shared/schemas/bounded-json.ts';
import { IdSchema } from '../../../../shared/schemas/common.ts';
import { SeatEventSchema } from '../../../../shared/schemas/events.ts';
import {
  MAX_SEAT_EVENT_BYTES,
  MAX_SEAT_EVENTS_PER_MESSAGE,
  REJECTED_EXCERPT_CHARS,
} from '../../../../shared/schemas/protocol.ts';
import { endPageFinishes } from '../../attempts/end-page.ts';
import { Batcher } from '../../batcher.ts';
import type { IncomingSeatEvent } from '../../store/store.ts';
import { arrayElementSpans } from '../seat-frame.ts';
import type { SeatFlowControl } from './flow-control.ts';
import type { HubState } from './hub-state.ts';
import type { LiveSeat } from './live-seat.ts';
import { refuseMessage, send } from './wire.ts';

/** `seat/events` with the events left unchecked, so that each is checked on its own. */
const EventsEnvelopeSchema = z.object({
  type: z.literal('seat/events'),
  batchId: IdSchema,
  events: z.array(z.unknown()).min(1).max(MAX_SEAT_EVENTS_PER_MESSAGE),
});

/** Events written in one transaction at most (a burst is written in slices). */
const MAX_EVENTS_PER_WRITE = 400;
/**
 * On PostgreSQL, when that many are waiting: a batch costs a few round trips whatever its size (one
 * INSERT for all its events), each waiting for a turn of the busy event loop, so a writer that has
 * fallen behind catches up by taking more at once. SQLite's writes block the event loop while they
 * run, so it keeps the smaller slices.
 */
const MAX_EVENTS_PER_WRITE_PG = 2000;
/** Seat work goes on this long at most before other sockets get a turn. */
const YIELD_AFTER_MS = 10;

interface QueuedEvent {
  item: IncomingSeatEvent;
  socket: WebSocket;
  batchId: string;
}

export class SeatEvents {
  /** Seat events, acknowledged to each seat only once their batch is stored. */
  private readonly writes: Batcher<QueuedEvent>;
  /** performance.now() when the current stretch of seat work began (0: none). */
  private busySince = 0;

  constructor(
    private readonly h: HubState,
    private readonly flow: SeatFlowControl,
    windowMs: number,
  ) {
    this.writes = new Batcher({
      windowMs,
      // At most a few hundred events a transaction: a burst is written in slices, with other sockets
      // served between them, rather than in one long write that holds every seat up.
      maxItems: h.store.engine === 'postgres' ? MAX_EVENTS_PER_WRITE_PG : MAX_EVENTS_PER_WRITE,
      write: (batch) => this.writeEvents(batch),
      // Not acknowledged: the seats keep the events and send them again.
      onError: (error, batch) =>
        this.h.log.error({ err: error, events: batch.length }, 'could not store seat events'),
    });
  }

  drain(): Promise<void> {
    return this.writes.drain();
  }

  /**
   * Events are checked one by one: a valid event is stored even when its neighbour is not, and an
   * invalid or oversized event that carries an id is kept as "rejected" (the reason and the first
   * REJECTED_EXCERPT_CHARS of the text the seat sent for it) and acknowledged, so one bad event can
   * never block a seat's outbox. Each refused event gets its own `console/error` naming the batch, its
   * position and its id (at most one per event of the batch).
   */
  async onEvents(s: LiveSeat, ws: WebSocket, json: unknown, text: string): Promise<void> {
    const envelope = EventsEnvelopeSchema.safeParse(json);
    if (!envelope.success) {
      const issue = envelope.error.issues[0];
      const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      const batchId = IdSchema.safeParse((json as { batchId?: unknown }).batchId);
      refuseMessage(this.h, ws, {
        code: 'invalid-message',
        error: `seat/events refused: ${where}${issue?.message ?? 'invalid'}`,
        messageType: 'seat/events',
        inReplyTo: batchId.success ? batchId.data : undefined,
      });
      return;
    }
    const { events, batchId } = envelope.data;
    // Charged, and the seat paused if that puts it over, before anything else: what it sends next waits.
    const overEvents = s.budget.eventsReceived(events.length);
    if (overEvents) this.flow.overBudget(s, ws, overEvents, batchId);
    await this.yieldIfBusy();
    const receivedAt = new Date().toISOString();
    const a = this.h.assignments.get(s.seat.id);
    const sittingId = a?.sittingId ?? null;
    const stored = await this.storedSoFar(s, sittingId, receivedAt);
    let overStored = false;
    // Only a frame larger than one event may hold an event over the limit: measured only then.
    // (Otherwise found only when an event is refused: what is kept is the seat's own text, never re-serialised.)
    let spans: Array<[number, number]> | null | undefined =
      text.length > MAX_SEAT_EVENT_BYTES / 4 && Buffer.byteLength(text) > MAX_SEAT_EVENT_BYTES
        ? arrayElementSpans(text, 'events')
        : undefined;
    const rejected: { id: string; json: string }[] = [];
    const refused: {
      index: number;
      eventId?: string;
      code: 'invalid-event' | 'event-too-large';
      error: string;
      kept: boolean;
    }[] = [];
    const keep = (i: number, id: string | undefined, reason: Record<string, unknown>): void => {
      if (!id) return;
      spans ??= arrayElementSpans(text, 'events');
      const span = spans?.[i];
      const sent = span ? text.slice(span[0], span[1]) : JSON.stringify(events[i]);
      const kept = JSON.stringify({
        ...reason,
        sent: sent.slice(0, REJECTED_EXCERPT_CHARS),
        ...(sent.length > REJECTED_EXCERPT_CHARS ? { sentLength: sent.length } : {}),
      });
      stored.bytes += kept.length;
      rejected.push({ id, json: kept });
    };
    events.forEach((raw, i) => {
      const idParse = IdSchema.safeParse((raw as { id?: unknown } | null)?.id);
      const id = idParse.success ? idParse.data : undefined;
      const span = spans?.[i];
      const bytes = span ? Buffer.byteLength(text.slice(span[0], span[1])) : 0;
      if (bytes > MAX_SEAT_EVENT_BYTES) {
        const reason = `events.${i} is ${bytes} bytes; the limit is ${MAX_SEAT_EVENT_BYTES}`;
        keep(i, id, { reason: `seat/events: ${reason}`, bytes });
        refused.push({
          index: i,
          ...(id ? { eventId: id } : {}),
          code: 'event-too-large',
          error: reason,
          kept: id !== undefined,
        });
        return;
      }
      const parsed = SeatEventSchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const reason = `events.${i}${issue && issue.path.length > 0 ? `.${excerpt(issue.path.join('.'), 80)}` : ''}: ${excerpt(issue?.message ?? 'invalid', 150)}`;
        keep(i, id, { reason: `seat/events: ${reason}` });
        refused.push({
          index: i,
          ...(id ? { eventId: id } : {}),
          code: 'invalid-event',
          error: reason,
          kept: id !== undefined,
        });
        return;
      }
      const event = parsed.data;
      if (event.type === 'event/oversized') {
        // A stand-in for an event too large to send: kept as rejected with its excerpt; not an error.
        const kept = JSON.stringify({
          reason: `a stand-in for an event of ${event.bytes} bytes, too large to send`,
          originalType: event.originalType,
          bytes: event.bytes,
          at: event.at,
          sent: event.excerpt,
        });
        stored.bytes += kept.length;
        rejected.push({ id: event.id, json: kept });
        return;
      }
      let eventJson = JSON.stringify(event);
      stored.bytes += eventJson.length;
      if (stored.bytes > this.h.budgetLimits.storedBytesPerSitting) {
        // Over the seat's budget for this sitting: kept as what it was and when, still acknowledged.
        eventJson = JSON.stringify({ id: event.id, type: event.type, at: event.at, overBudget: true });
        if (!stored.over) {
          stored.over = true;
          overStored = true;
        }
      }
      const inc = incidentFromEvent(event);
      void this.writes.add({
        socket: ws,
        batchId,
        item: {
          seatId: s.seat.id,
          centreId: s.seat.centreId,
          event,
          json: eventJson,
          sittingId,
          receivedAt,
          incident: inc
            ? {
                ...inc,
                at: event.at,
                seatId: s.seat.id,
                sittingId,
                entryId: a?.entryId ?? null,
              }
            : null,
        },
      });
    });
    if (refused.length > 0) {
      // One console/error for the batch, listing each refused event, however many they are.
      const kept = refused.filter((r) => r.kept).length;
      const first = refused.slice(0, 3).map((r) => r.error);
      const more = refused.length > first.length ? `; and ${refused.length - first.length} more` : '';
      refuseMessage(this.h, ws, {
        code: refused.some((r) => r.code === 'invalid-event') ? 'invalid-event' : 'event-too-large',
        error: `seat/events: ${refused.length} of ${events.length} events rejected (${kept} with an id kept as rejected and acknowledged): ${first.join('; ')}${more}`,
        messageType: 'seat/events',
        inReplyTo: batchId,
        events: refused,
      });
      this.h.log.warn(
        { seatId: s.seat.id, rejected: refused.length, batchId, first: first[0] },
        'seat sent invalid events',
      );
    }
    if (rejected.length > 0) {
      try {
        await this.h.store.storeRejectedEvents(s.seat.id, rejected, receivedAt);
        send(this.h, ws, { type: 'event/ack', ids: rejected.map((r) => r.id), batchId });
      } catch (error) {
        this.h.log.error({ err: error }, 'could not keep rejected seat events');
      }
    }
    if (overStored) this.flow.overBudget(s, ws, 'stored', batchId);
  }

  /** Characters of events stored for the seat in this sitting (or today, outside sittings), read once. */
  private async storedSoFar(
    s: LiveSeat,
    sittingId: string | null,
    receivedAt: string,
  ): Promise<{ key: string; bytes: number; over: boolean }> {
    const key = sittingId ?? `day:${receivedAt.slice(0, 10)}`;
    if (s.stored?.key !== key) {
      const bytes = await this.h.store.storedEventBytes(
        s.seat.id,
        sittingId,
        `${receivedAt.slice(0, 10)}T00:00:00.000Z`,
      );
      if (s.stored?.key !== key) s.stored = { key, bytes, over: false };
    }
    return s.stored as { key: string; bytes: number; over: boolean };
  }

  /** One transaction for every event that arrived meanwhile; acknowledgements only after it commits. */
  private async writeEvents(batch: QueuedEvent[]): Promise<void> {
    const w = this.h.stats.eventWrites;
    // Measured for /api/health: what waited behind this batch, and how long its transaction took.
    w.queueMax = Math.max(w.queueMax, this.writes.pending + batch.length);
    const started = performance.now();
    const incidents = await this.h.store.storeSeatEvents(batch.map((b) => b.item));
    const ms = performance.now() - started;
    w.batches++;
    w.msTotal += ms;
    w.msMax = Math.max(w.msMax, ms);
    w.largest = Math.max(w.largest, batch.length);
    this.h.stats.eventsStored += batch.length;
    // Before the acks: a seat whose end-page event is acknowledged has its finish written (or refused).
    await this.noteEndPages(batch.map((b) => b.item));
    // One ack per batch (and socket), never more than the schema's 200 ids: a batch written in two
    // slices, or with rejected events acknowledged first, gets several acks (the document says so).
    const byBatch = new Map<WebSocket, Map<string, string[]>>();
    for (const b of batch) {
      let batches = byBatch.get(b.socket);
      if (!batches) {
        batches = new Map();
        byBatch.set(b.socket, batches);
      }
      const ids = batches.get(b.batchId);
      if (ids) ids.push(b.item.event.id);
      else batches.set(b.batchId, [b.item.event.id]);
    }
    for (const [ws, batches] of byBatch)
      for (const [batchId, ids] of batches)
        for (let i = 0; i < ids.length; i += MAX_SEAT_EVENTS_PER_MESSAGE)
          send(this.h, ws, {
            type: 'event/ack',
            ids: ids.slice(i, i + MAX_SEAT_EVENTS_PER_MESSAGE),
            batchId,
          });
    this.h.incidentsAdded(incidents);
    if (batch.some((b) => b.item.event.type === 'event/hand-raised'))
      this.h.handsAndPauses.refreshHands().then(
        (ids) => {
          this.h.changed(ids);
          this.h.bus.publish({ k: 'hands-pauses' });
        },
        (error: unknown) => this.h.log.error({ err: error }, 'could not read the open hands'),
      );
  }

  /** Issue 13, attempts: seats that reached the assessment's end page finish their own entry (attempts/end-page.ts). */
  private async noteEndPages(events: readonly IncomingSeatEvent[]): Promise<void> {
    const finishes = endPageFinishes(events, {
      assignment: (seatId) => this.h.sittingOf(seatId),
      released: (seatId) => {
        const gate = this.h.gates.get(seatId);
        return gate?.payload.state === 'released' && gate.ackedAt !== null && gate.ackedAt !== undefined;
      },
    });
    for (const f of finishes) {
      try {
        if (
          !(await this.h.store.finishAtEndPage(
            { centreId: f.centreId, invigilatorId: null },
            f.entryId,
            f.at,
          ))
        )
          continue;
        this.h.sittingsChanged(f.centreId, [f.sittingId]);
      } catch (error) {
        // The event itself is stored and acknowledged; the finish can still be set by the invigilator.
        this.h.log.error({ err: error, seatId: f.seatId }, 'could not set the finish from the end page');
      }
    }
  }

  /**
   * Seat work that has gone on for a while without a break (a burst of large frames read at once) lets
   * the event loop serve other sockets before going on.
   */
  private async yieldIfBusy(): Promise<void> {
    const now = performance.now();
    if (this.busySince === 0) {
      this.busySince = now;
      setImmediate(() => {
        this.busySince = 0;
      });
      return;
    }
    if (now - this.busySince >= YIELD_AFTER_MS) await new Promise<void>((r) => setImmediate(r));
  }
}
