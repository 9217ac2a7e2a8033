/** Incidents (automatic and manual) and the invigilation record (JSON for the print page, CSV). */
import type { z } from 'zod';
import type {
  IncidentView,
  InvigilationRecord,
  ManualIncidentCreateSchema,
} from '../../../shared/schemas/console-api.ts';
import { actorOf, type ConsoleContext, type Session, sameCentre } from '../context.ts';
import { handView, pauseView } from '../hands-and-pauses/views.ts';
import { HttpError } from '../http-error.ts';
import { incidentView } from '../live.ts';
import { SittingService } from '../sittings/sitting-service.ts';
import { recordCsv } from './record-csv.ts';

export class RecordService {
  private readonly sittings: SittingService;
  constructor(private readonly ctx: ConsoleContext) {
    this.sittings = new SittingService(ctx);
  }

  async incidents(s: Session, q: { sittingId?: string | undefined; limit: number }): Promise<IncidentView[]> {
    if (q.sittingId) await this.sittings.load(s, q.sittingId);
    const rows = await this.ctx.store.listIncidents(s.centreId, {
      limit: q.limit,
      ...(q.sittingId ? { sittingId: q.sittingId } : {}),
    });
    return rows.map(incidentView);
  }

  /** An incident recorded by hand; its seat is the candidate's when only the candidate is named. */
  async addIncident(s: Session, body: z.output<typeof ManualIncidentCreateSchema>): Promise<IncidentView> {
    let seatId = body.seatId ?? null;
    if (body.sittingId) {
      const sitting = await this.sittings.load(s, body.sittingId);
      if (body.entryId) {
        const entry = sitting.entries.find((e) => e.id === body.entryId);
        if (!entry) throw new HttpError(400, 'entryId: not a candidate in this sitting', 'entryId');
        seatId ??= entry.seatId;
      }
    } else if (body.entryId) {
      throw new HttpError(400, 'sittingId: give the sitting of the candidate', 'sittingId');
    }
    if (seatId) sameCentre(s, this.ctx.hub.seatRow(seatId) ?? (await this.ctx.store.getSeat(seatId)), 'seat');
    const row = await this.ctx.store.addIncident(actorOf(s), {
      kind: body.kind,
      description: body.description,
      at: body.at ?? new Date().toISOString(),
      sittingId: body.sittingId ?? null,
      entryId: body.entryId ?? null,
      seatId,
    });
    this.ctx.live.incidents([row]);
    return incidentView(row);
  }

  async record(s: Session, id: string): Promise<InvigilationRecord> {
    const row = await this.sittings.load(s, id);
    const centre = await this.ctx.store.getCentre(s.centreId);
    const seats: InvigilationRecord['seats'] = {};
    for (const e of row.entries) {
      if (!e.seatId) continue;
      const seat = this.ctx.hub.seatRow(e.seatId) ?? (await this.ctx.store.getSeat(e.seatId));
      if (seat) seats[seat.id] = { pcName: seat.pcName, place: seat.place };
    }
    return {
      centre: { id: s.centreId, name: centre?.name ?? '' },
      sitting: await this.sittings.view(row),
      seats,
      incidents: (await this.ctx.store.listIncidents(s.centreId, { sittingId: id, limit: 100_000 })).map(
        incidentView,
      ),
      // Raised hands and how they were answered; pauses with their durations (issue 13).
      hands: (await this.ctx.store.listHands(s.centreId, id)).map(handView),
      pauses: (await this.ctx.store.listPauses(s.centreId, id)).map((p) => pauseView(p)),
      generatedAt: new Date().toISOString(),
      generatedBy: s.name,
    };
  }

  /** The record as CSV, with the file name a person would expect. */
  async csv(s: Session, id: string): Promise<{ name: string; text: string }> {
    const record = await this.record(s, id);
    const name = `invigilation-record-${record.sitting.startsAt.slice(0, 10)}-${record.sitting.room.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 40)}.csv`;
    return { name, text: recordCsv(record) };
  }
}
