/** Seat enrolment (public, for `invigil enrol`), the seat list, places, and messages to candidates. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ENROL_PER_MINUTE, ENROL_PER_MINUTE_BEHIND_NAT } from '../../../shared/schemas/console-api.ts';
import type { ConsoleContext } from '../context.ts';
import { serve } from '../route-table.ts';
import { SeatService } from './seat-service.ts';

/**
 * Enrolments a minute per address. A usable code marked for a satellite site behind NAT has its own,
 * higher allowance per address (its whole site arrives from one address); every other request from the
 * address, a wrong code or a malformed body included, counts against the ordinary one. Checked once the
 * body is read and before it is validated.
 */
export const ENROL_LIMIT = {
  hook: 'preValidation',
  timeWindow: '1 minute',
  max: (_req: unknown, key: string) =>
    key.startsWith('nat:') ? ENROL_PER_MINUTE_BEHIND_NAT : ENROL_PER_MINUTE,
} as const;

export function seatRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const seats = new SeatService(ctx);
  serve(app, 'createEnrolmentCode', async ({ session, body }) => seats.createEnrolmentCode(session, body));

  // Agents call this once with a code an invigilator gave them; no session, so rate-limited.
  const enrolLimit = {
    ...ENROL_LIMIT,
    keyGenerator: async (req: FastifyRequest) =>
      (await seats.codeBehindNat((req.body as { code?: unknown } | null)?.code)) ? `nat:${req.ip}` : req.ip,
  };
  serve(
    app,
    'enrolSeat',
    async ({ body }, req, reply) => {
      const ua = req.headers['user-agent'];
      const res = await seats.enrol(body, {
        address: req.ip,
        userAgent: typeof ua === 'string' ? ua : undefined,
      });
      // Not a takeover: a pending replacement is 202, accepted for a coordinator to decide.
      if (res.pending) reply.code(202);
      return res;
    },
    { config: { rateLimit: enrolLimit } },
  );

  serve(app, 'listSeats', async ({ session, query }) => ({ seats: seats.list(session, query.siteId) }));
  serve(app, 'updateSeat', async ({ session, params, body }) => ({
    seat: await seats.setPlace(session, params.id, body.place),
  }));
  serve(app, 'messageSeat', async ({ session, params, body }) => ({
    instructionId: await seats.showMessage(session, params.id, body.text),
  }));
}
