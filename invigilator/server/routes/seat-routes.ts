/** Seat enrolment (public, for `invigil enrol`), the seat list, places, and messages to candidates. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  EnrolmentCodeCreateSchema,
  type EnrolmentCodeView,
  RecordIdSchema,
  SeatMessageSchema,
  SeatUpdateSchema,
} from '../../../shared/schemas/console-api.ts';
import { ENROL_PATH, EnrolRequestSchema, type EnrolResponse } from '../../../shared/schemas/protocol.ts';
import { newEnrolmentCode, newToken, normaliseEnrolmentCode, sha256 } from '../auth.ts';
import { actorOf, type ConsoleContext, sameCentre, signedIn } from '../context.ts';
import { HttpError, parseInput } from '../http-error.ts';

const SeatParams = z.object({ id: RecordIdSchema });
export const ENROL_LIMIT = { max: 300, timeWindow: '1 minute' } as const;

export function seatRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  app.post('/api/enrolment-codes', async (req, reply) => {
    const s = signedIn(req);
    const body = parseInput(EnrolmentCodeCreateSchema, req.body);
    const code = newEnrolmentCode();
    const expiresAt = new Date(Date.now() + (body.validHours ?? 8) * 3_600_000).toISOString();
    await ctx.store.createEnrolmentCode(actorOf(s), sha256(code), expiresAt, body.uses ?? 60);
    const view: EnrolmentCodeView = { code, expiresAt, usesLeft: body.uses ?? 60 };
    return reply.code(201).send(view);
  });

  // Agents call this once with a code an invigilator gave them; no session, so rate-limited.
  app.post(ENROL_PATH, { config: { rateLimit: ENROL_LIMIT } }, async (req, reply) => {
    const body = parseInput(EnrolRequestSchema, req.body);
    const credential = newToken(32);
    const seat = await ctx.store.enrolSeat(
      sha256(normaliseEnrolmentCode(body.code)),
      body.pcName.trim(),
      undefined,
      sha256(credential),
      new Date().toISOString(),
    );
    if (!seat) {
      ctx.log.warn({ remote: req.ip, pcName: body.pcName.slice(0, 100) }, 'enrolment refused');
      throw new HttpError(403, 'The enrolment code is wrong, has expired or has been used up.', 'code');
    }
    ctx.hub.addSeat(seat);
    ctx.log.info({ seatId: seat.id, pcName: seat.pcName }, 'seat enrolled');
    const res: EnrolResponse = { seatId: seat.id, credential };
    return reply.code(201).send(res);
  });

  app.get('/api/seats', async (req) => {
    const s = signedIn(req);
    return { seats: ctx.hub.views(s.centreId) };
  });

  app.patch('/api/seats/:id', async (req) => {
    const s = signedIn(req);
    const { id } = parseInput(SeatParams, req.params, 'path');
    sameCentre(s, ctx.hub.seatRow(id) ?? (await ctx.store.getSeat(id)), 'seat');
    const body = parseInput(SeatUpdateSchema, req.body);
    await ctx.store.updateSeatPlace(actorOf(s), id, body.place);
    ctx.hub.setPlace(id, body.place);
    await ctx.hub.refreshAssignments(actorOf(s));
    return { seat: ctx.hub.view(id) };
  });

  app.post('/api/seats/:id/message', async (req, reply) => {
    const s = signedIn(req);
    const { id } = parseInput(SeatParams, req.params, 'path');
    sameCentre(s, ctx.hub.seatRow(id) ?? (await ctx.store.getSeat(id)), 'seat');
    const body = parseInput(SeatMessageSchema, req.body);
    const row = await ctx.hub.showMessage(actorOf(s), id, body.text);
    return reply.code(201).send({ instructionId: row.id });
  });
}
