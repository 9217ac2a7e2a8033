/** Incidents (automatic and manual) and the invigilation record (JSON for the print page, CSV). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { InvigilationRecord } from '../../../shared/schemas/console-api.ts';
import {
  IncidentQuerySchema,
  ManualIncidentCreateSchema,
  RecordIdSchema,
} from '../../../shared/schemas/console-api.ts';
import { actorOf, type ConsoleContext, type Session, sameCentre, signedIn } from '../context.ts';
import { handView, pauseView } from '../hands-and-pauses/views.ts';
import { HttpError, parseInput } from '../http-error.ts';
import { incidentView } from '../live.ts';
import { recordCsv } from '../record.ts';
import { sittingView } from './sitting-routes.ts';

const SittingParams = z.object({ id: RecordIdSchema });

async function buildRecord(ctx: ConsoleContext, s: Session, id: string): Promise<InvigilationRecord> {
  const row = sameCentre(s, await ctx.store.getSitting(id), 'sitting');
  const centre = await ctx.store.getCentre(s.centreId);
  const seats: InvigilationRecord['seats'] = {};
  for (const e of row.entries) {
    if (!e.seatId) continue;
    const seat = ctx.hub.seatRow(e.seatId) ?? (await ctx.store.getSeat(e.seatId));
    if (seat) seats[seat.id] = { pcName: seat.pcName, place: seat.place };
  }
  return {
    centre: { id: s.centreId, name: centre?.name ?? '' },
    sitting: await sittingView(ctx, row),
    seats,
    incidents: (await ctx.store.listIncidents(s.centreId, { sittingId: id, limit: 100_000 })).map(
      incidentView,
    ),
    // Raised hands and how they were answered; pauses with their durations (issue 13).
    hands: (await ctx.store.listHands(s.centreId, id)).map(handView),
    pauses: (await ctx.store.listPauses(s.centreId, id)).map((p) => pauseView(p)),
    generatedAt: new Date().toISOString(),
    generatedBy: s.name,
  };
}

export function recordRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get('/api/incidents', async (req) => {
    const s = signedIn(req);
    const q = parseInput(IncidentQuerySchema, req.query, 'query');
    if (q.sittingId) sameCentre(s, await ctx.store.getSitting(q.sittingId), 'sitting');
    const rows = await ctx.store.listIncidents(s.centreId, {
      limit: q.limit ?? 200,
      ...(q.sittingId ? { sittingId: q.sittingId } : {}),
    });
    return { incidents: rows.map(incidentView) };
  });

  app.post('/api/incidents', async (req, reply) => {
    const s = signedIn(req);
    const body = parseInput(ManualIncidentCreateSchema, req.body);
    let seatId = body.seatId ?? null;
    if (body.sittingId) {
      const sitting = sameCentre(s, await ctx.store.getSitting(body.sittingId), 'sitting');
      if (body.entryId) {
        const entry = sitting.entries.find((e) => e.id === body.entryId);
        if (!entry) throw new HttpError(400, 'entryId: not a candidate in this sitting', 'entryId');
        seatId ??= entry.seatId;
      }
    } else if (body.entryId) {
      throw new HttpError(400, 'sittingId: give the sitting of the candidate', 'sittingId');
    }
    if (seatId) sameCentre(s, ctx.hub.seatRow(seatId) ?? (await ctx.store.getSeat(seatId)), 'seat');
    const row = await ctx.store.addIncident(actorOf(s), {
      kind: body.kind,
      description: body.description,
      at: body.at ?? new Date().toISOString(),
      sittingId: body.sittingId ?? null,
      entryId: body.entryId ?? null,
      seatId,
    });
    ctx.live.incidents([row]);
    return reply.code(201).send({ incident: incidentView(row) });
  });

  app.get('/api/sittings/:id/record', async (req) => {
    const s = signedIn(req);
    const { id } = parseInput(SittingParams, req.params, 'path');
    return { record: await buildRecord(ctx, s, id) };
  });

  app.get('/api/sittings/:id/record.csv', async (req, reply) => {
    const s = signedIn(req);
    const { id } = parseInput(SittingParams, req.params, 'path');
    const record = await buildRecord(ctx, s, id);
    const name = `invigilation-record-${record.sitting.startsAt.slice(0, 10)}-${record.sitting.room.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 40)}.csv`;
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}"`)
      .send(recordCsv(record));
  });
}
