/** Incidents (automatic and manual) and the invigilation record (JSON for the print page, CSV). */
import type { z } from 'zod';
import type {
  IncidentView,
  InvigilationRecord,
  ManualIncidentCreateSchema,
  RecordsExport,
} from '../../../shared/schemas/console-api.ts';
import { actorOf, type ConsoleContext, type Session, sameCentre } from '../context.ts';
import { handView, pauseView } from '../hands-and-pauses/views.ts';
import { HttpError } from '../http-error.ts';
import { incidentView } from '../live.ts';
import { listScope } from '../sites/site-scope.ts';
import { SiteService } from '../sites/site-service.ts';
import { SittingService } from '../sittings/sitting-service.ts';
import { recordCsv, recordsCsv, recordsFileName } from './record-csv.ts';

export class RecordService {
  private readonly sittings: SittingService;
  constructor(private readonly ctx: ConsoleContext) {
    this.sittings = new SittingService(ctx);
  }

  /** Incidents the session sees (every site's for the centre coordinator), of one sitting or one site. */
  async incidents(
    s: Session,
    q: { sittingId?: string | undefined; siteId?: string | undefined; limit: number },
  ): Promise<IncidentView[]> {
    if (q.sittingId) await this.sittings.load(s, q.sittingId);
    const scope = listScope(s, q.siteId);
    const rows = await this.ctx.store.listIncidents(s.centreId, {
      limit: q.limit,
      ...(q.sittingId ? { sittingId: q.sittingId } : {}),
      ...(scope ? { siteIds: scope } : {}),
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
      site: await new SiteService(this.ctx).ref(row.siteId),
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

  /**
   * The records of every sitting that started in a range of days: one site's (`siteId`) or every site
   * the session sees (the whole centre, for the centre coordinator), oldest first.
   */
  async records(
    s: Session,
    q: { from: string; to: string; siteId?: string | undefined },
  ): Promise<RecordsExport> {
    const scope = listScope(s, q.siteId);
    const range = dayRange(q.from, q.to);
    const rows = await this.ctx.store.listSittings(s.centreId, {
      ...(scope ? { siteIds: scope } : {}),
      since: range.since,
      until: range.until,
    });
    const records: InvigilationRecord[] = [];
    for (const row of [...rows].sort((a, b) => a.startsAt.localeCompare(b.startsAt)))
      records.push(await this.record(s, row.id));
    const centre = await this.ctx.store.getCentre(s.centreId);
    const oneSite = q.siteId ?? (scope?.length === 1 ? scope[0] : undefined);
    return {
      centre: { id: s.centreId, name: centre?.name ?? '' },
      site: await new SiteService(this.ctx).ref(oneSite),
      from: q.from,
      to: q.to,
      records,
      generatedAt: new Date().toISOString(),
      generatedBy: s.name,
    };
  }

  async recordsCsv(
    s: Session,
    q: { from: string; to: string; siteId?: string | undefined },
  ): Promise<{ name: string; text: string }> {
    const x = await this.records(s, q);
    return { name: recordsFileName(x), text: recordsCsv(x) };
  }

  /** The record as CSV, with the file name a person would expect (naming the site and the room). */
  async csv(s: Session, id: string): Promise<{ name: string; text: string }> {
    const record = await this.record(s, id);
    const where = [record.site?.name ?? '', record.sitting.room]
      .map((x) =>
        x
          .replace(/[^A-Za-z0-9]+/g, '-')
          .replace(/^-|-$/g, '')
          .slice(0, 40),
      )
      .filter(Boolean)
      .join('-');
    const name = `invigilation-record-${record.sitting.startsAt.slice(0, 10)}-${where}.csv`;
    return { name, text: recordCsv(record) };
  }
}

/** Sittings of a range of days are those starting from `from` 00:00 UTC up to the end of `to` (UTC). */
export function dayRange(from: string, to: string): { since: string; until: string } {
  return {
    since: `${from}T00:00:00.000Z`,
    until: new Date(Date.parse(`${to}T00:00:00.000Z`) + 86_400_000).toISOString(),
  };
}
