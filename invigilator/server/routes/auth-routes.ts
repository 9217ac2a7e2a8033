/**
 * First sign-in (setup), sign-in and out, one-time sign-in links, and the centre's invigilator
 * accounts.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  InvigilatorCreateSchema,
  type InvigilatorView,
  type MeResponse,
  RecordIdSchema,
  SetupRequestSchema,
  SignInLinkCreateSchema,
  SignInLinkUseSchema,
  type SignInLinkView,
  SignInRequestSchema,
} from '../../../shared/schemas/console-api.ts';
import { dummyPasswordHash, hashPassword, newToken, sha256, verifyPassword } from '../auth.ts';
import {
  actorOf,
  type ConsoleContext,
  SESSION_COOKIE,
  SESSION_HOURS,
  type Session,
  sameCentre,
  signedIn,
} from '../context.ts';
import { HttpError, parseInput } from '../http-error.ts';
import { ConflictError, type InvigilatorRow, type SignInLinkRefusal } from '../store/store.ts';

export const SIGN_IN_LIMIT = { max: 10, timeWindow: '1 minute' } as const;
/** The dashboard route that exchanges a one-time link's token for a session. */
export const SIGN_IN_LINK_ROUTE = '#/link/';
const InvigilatorParams = z.object({ id: RecordIdSchema });

const LINK_REFUSED: Record<SignInLinkRefusal, { status: number; message: (expiresAt?: string) => string }> = {
  unknown: {
    status: 403,
    message: () =>
      'This sign-in link is not valid: it may have been copied incompletely. Sign in with your name, PIN and password, or ask your centre coordinator for a new link.',
  },
  used: {
    status: 410,
    message: () =>
      'This sign-in link has already been used: each link signs in once. Sign in with your name, PIN and password, or ask your centre coordinator for a new link.',
  },
  expired: {
    status: 410,
    message: (at) =>
      `This sign-in link expired${at ? ` at ${at.slice(11, 16)} UTC` : ''}. Sign in with your name, PIN and password, or ask your centre coordinator for a new link.`,
  },
};

function view(i: InvigilatorRow): InvigilatorView {
  return { id: i.id, name: i.name, pin: i.pin, role: i.role };
}

async function startSession(
  ctx: ConsoleContext,
  req: FastifyRequest,
  reply: FastifyReply,
  inv: InvigilatorRow,
) {
  const token = newToken();
  const expires = new Date(Date.now() + SESSION_HOURS * 3_600_000);
  await ctx.store.createSession(sha256(token), inv.id, expires.toISOString());
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    // Strict: no other site can make the browser send it, which (with the Origin check) stops CSRF.
    sameSite: 'strict',
    // Behind a TLS-terminating proxy the browser speaks HTTPS even though this hop is plain HTTP.
    secure: req.protocol === 'https' || ctx.behindTlsProxy,
    path: '/',
    expires,
  });
}

export function authRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get('/api/setup', async () => {
    const { centre } = await ctx.store.ensureCentre();
    return { needed: (await ctx.store.countInvigilators(centre.id)) === 0 };
  });

  app.post('/api/setup', { config: { rateLimit: SIGN_IN_LIMIT } }, async (req, reply) => {
    const body = parseInput(SetupRequestSchema, req.body);
    const inv = await ctx.store.completeSetup(sha256(body.token), body.centreName, {
      name: body.name,
      pin: body.pin,
      passwordHash: await hashPassword(body.password),
      role: 'coordinator',
    });
    if (!inv) {
      await ctx.auditRefusal('setup.refused', null, { address: req.ip });
      throw new HttpError(
        403,
        'This setup link has been used or replaced. Restart the console for a new one.',
      );
    }
    ctx.log.info({ invigilatorId: inv.id, name: inv.name }, 'centre set up');
    await startSession(ctx, req, reply, inv);
    return reply.code(201).send({ invigilator: view(inv) });
  });

  app.post('/api/sign-in', { config: { rateLimit: SIGN_IN_LIMIT } }, async (req, reply) => {
    const body = parseInput(SignInRequestSchema, req.body);
    // Before the password is even looked at: a name under its delay, or the whole centre under attack.
    const held = ctx.signInThrottle.check(body.name);
    if (held) {
      const seconds = Math.ceil(held.retryAfterMs / 1000);
      ctx.refusals.note(
        'sign-in.refused-throttled',
        held.by === 'name' ? body.name : '(every name)',
        req.ip,
        held.by === 'name' ? 'too many wrong passwords for this name' : 'too many failed sign-ins overall',
      );
      reply.header('retry-after', String(seconds));
      throw new HttpError(
        429,
        held.by === 'name'
          ? `Too many wrong passwords for this name: wait ${waitText(seconds)} and try again, or ask a coordinator for a one-time sign-in link.`
          : `The console is holding back every sign-in for ${waitText(seconds)}: there have been too many failed sign-ins from many places. Ask a coordinator who is signed in for a one-time sign-in link.`,
      );
    }
    const candidates = await ctx.store.findInvigilators(body.name, body.pin);
    let match: InvigilatorRow | undefined;
    for (const c of candidates) {
      if (await verifyPassword(body.password, c.passwordHash)) {
        match = c;
        break;
      }
    }
    if (candidates.length === 0) await verifyPassword(body.password, await dummyPasswordHash());
    if (!match) {
      ctx.signInThrottle.failed(body.name);
      ctx.log.warn({ name: body.name.slice(0, 100), remote: req.ip }, 'sign-in refused');
      await ctx.auditRefusal('sign-in.refused', body.name, {
        address: req.ip,
        reason: candidates.length === 0 ? 'no such name and PIN' : 'wrong password',
      });
      throw new HttpError(401, 'The name, PIN or password is wrong.');
    }
    ctx.signInThrottle.succeeded(body.name);
    await startSession(ctx, req, reply, match);
    ctx.log.info({ invigilatorId: match.id }, 'signed in');
    return { invigilator: view(match) };
  });

  // A coordinator makes a short-lived, single-use link that signs one invigilator in (handed over in
  // person or by the centre's own messaging); only the token's hash is kept.
  app.post('/api/invigilators/:id/sign-in-links', async (req, reply) => {
    const s = coordinator(req);
    const { id } = parseInput(InvigilatorParams, req.params, 'path');
    const inv = sameCentre(s, await ctx.store.getInvigilator(id), 'invigilator');
    const body = parseInput(SignInLinkCreateSchema, req.body);
    const token = newToken();
    const expiresAt = new Date(Date.now() + (body.validMinutes ?? 15) * 60_000).toISOString();
    await ctx.store.createSignInLink(actorOf(s), {
      tokenHash: sha256(token),
      invigilatorId: inv.id,
      expiresAt,
    });
    ctx.log.info({ invigilatorId: inv.id, by: s.invigilatorId, expiresAt }, 'sign-in link made');
    // The address the coordinator reached this console by, so the link works where theirs does.
    const link: SignInLinkView = {
      url: `${req.protocol}://${req.host}/${SIGN_IN_LINK_ROUTE}${token}`,
      expiresAt,
      invigilator: view(inv),
    };
    return reply.code(201).send(link);
  });

  // The dashboard's #/link/<token> page posts the token here (the fragment never reaches a server or
  // its logs); the answer is the same session cookie as a sign-in with a password.
  app.post('/api/sign-in/link', { config: { rateLimit: SIGN_IN_LIMIT } }, async (req, reply) => {
    const body = parseInput(SignInLinkUseSchema, req.body);
    const result = await ctx.store.useSignInLink(sha256(body.token), new Date().toISOString());
    if ('refused' in result) {
      ctx.log.warn({ remote: req.ip, refused: result.refused }, 'sign-in link refused');
      await ctx.auditRefusal('sign-in-link.refused', null, { address: req.ip, reason: result.refused });
      const r = LINK_REFUSED[result.refused];
      throw new HttpError(r.status, r.message(result.expiresAt));
    }
    await startSession(ctx, req, reply, result.invigilator);
    ctx.log.info({ invigilatorId: result.invigilator.id }, 'signed in with a one-time link');
    return { invigilator: view(result.invigilator) };
  });

  app.post('/api/sign-out', async (req, reply) => {
    if (req.session) {
      await ctx.store.deleteSession(req.session.tokenHash);
      ctx.live.closeSession(req.session.tokenHash);
    }
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { signedOut: true };
  });

  app.get('/api/me', async (req): Promise<MeResponse> => {
    const s = signedIn(req);
    const inv = await ctx.store.getInvigilator(s.invigilatorId);
    const centre = await ctx.store.getCentre(s.centreId);
    if (!inv || !centre) throw new HttpError(401, 'Sign in first.');
    return { invigilator: view(inv), centre: { id: centre.id, name: centre.name } };
  });

  app.get('/api/invigilators', async (req) => {
    const s = signedIn(req);
    return { invigilators: (await ctx.store.listInvigilators(s.centreId)).map(view) };
  });

  app.post('/api/invigilators', async (req, reply) => {
    const s = coordinator(req);
    const body = parseInput(InvigilatorCreateSchema, req.body);
    try {
      const inv = await ctx.store.createInvigilator(actorOf(s), {
        name: body.name,
        pin: body.pin,
        passwordHash: await hashPassword(body.password),
        role: body.role ?? 'invigilator',
      });
      return reply.code(201).send({ invigilator: view(inv) });
    } catch (error) {
      if (error instanceof ConflictError)
        throw new HttpError(409, 'An invigilator with that PIN already exists.', 'pin');
      throw error;
    }
  });

  app.get('/api/audit', async (req) => {
    const s = coordinator(req);
    return { audit: await ctx.store.listAudit(s.centreId, 500) };
  });
}

export function coordinator(req: FastifyRequest): Session {
  const s = signedIn(req);
  if (s.role !== 'coordinator') throw new HttpError(403, 'Only a centre coordinator can do this.');
  return s;
}

function waitText(seconds: number): string {
  return seconds < 90 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`;
}
