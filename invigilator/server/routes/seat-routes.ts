/** Seat enrolment (public, for `invigil enrol`), the seat list, places, and messages to candidates. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { excerpt } from '../../../shared/schemas/bounded-json.ts';
import {
  ENROL_PER_MINUTE,
  ENROL_PER_MINUTE_BEHIND_NAT,
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
import { MAX_PENDING_REPLACEMENTS } from '../seat-hub.ts';

const SeatParams = z.object({ id: RecordIdSchema });
/**
 * Enrolments a minute per address. A usable code marked for a satellite site behind NAT has its own,
 * higher allowance per address (its whole site arrives from one address); every other request from the
 * address, a wrong code included, counts against the ordinary one. Checked once the body is read.
 */
export const ENROL_LIMIT = {
  hook: 'preHandler',
  timeWindow: '1 minute',
  max: (_req: unknown, key: string) =>
    key.startsWith('nat:') ? ENROL_PER_MINUTE_BEHIND_NAT : ENROL_PER_MINUTE,
} as const;

export function seatRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  app.post('/api/enrolment-codes', async (req, reply) => {
    const s = signedIn(req);
    const body = parseInput(EnrolmentCodeCreateSchema, req.body);
    const code = newEnrolmentCode();
    const expiresAt = new Date(Date.now() + body.validHours * 3_600_000).toISOString();
    await ctx.store.createEnrolmentCode(actorOf(s), sha256(code), expiresAt, body.uses, body.behindNat);
    const view: EnrolmentCodeView = { code, expiresAt, usesLeft: body.uses, behindNat: body.behindNat };
    return reply.code(201).send(view);
  });

  // Agents call this once with a code an invigilator gave them; no session, so rate-limited.
  const enrolLimit = {
    ...ENROL_LIMIT,
    keyGenerator: async (req: FastifyRequest) => {
      const code = (req.body as { code?: unknown } | null)?.code;
      const nat =
        typeof code === 'string' &&
        code.length <= 64 &&
        (await ctx.store.enrolmentCodeBehindNat(
          sha256(normaliseEnrolmentCode(code)),
          new Date().toISOString(),
        ));
      return nat ? `nat:${req.ip}` : req.ip;
    },
  };
  app.post(ENROL_PATH, { config: { rateLimit: enrolLimit } }, async (req, reply) => {
    const body = parseInput(EnrolRequestSchema, req.body);
    const credential = newToken(32);
    const ua = req.headers['user-agent'];
    const result = await ctx.store.enrolSeat(
      sha256(normaliseEnrolmentCode(body.code)),
      body.pcName.trim(),
      sha256(credential),
      new Date().toISOString(),
      {
        address: req.ip,
        userAgent: typeof ua === 'string' && ua.trim() ? excerpt(ua.trim(), 200) : null,
        maxPending: MAX_PENDING_REPLACEMENTS,
      },
      ctx.hub.sittingOf,
    );
    if (!result) {
      ctx.log.warn({ remote: req.ip, pcName: excerpt(body.pcName, 100) }, 'enrolment refused');
      throw new HttpError(403, 'The enrolment code is wrong, has expired or has been used up.', 'code');
    }
    if ('tooManyPending' in result) {
      ctx.log.warn(
        { remote: req.ip, seatId: result.tooManyPending.id },
        'enrolment refused: too many pending',
      );
      throw new HttpError(
        429,
        `${MAX_PENDING_REPLACEMENTS} PCs already wait for a coordinator to approve them as ${result.tooManyPending.pcName}; ask a coordinator to approve or refuse them first. The code was not used.`,
        'pcName',
      );
    }
    const { seat, replacement, incident } = result;
    if (replacement) {
      // Not a takeover: the seat keeps its credential until a coordinator approves this PC.
      ctx.log.warn(
        { seatId: seat.id, pcName: seat.pcName, remote: req.ip, request: replacement.id },
        'a PC enrolled an enrolled name: replacement request',
      );
      if (incident) ctx.hub.announceIncidents([incident]);
      ctx.live.noticesChanged(seat.centreId);
      const res: EnrolResponse = { seatId: seat.id, credential, pending: true };
      return reply.code(202).send(res);
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
