/**
 * First sign-in (setup), sign-in and out, one-time sign-in links, and the centre's invigilator
 * accounts (shared/api/routes.ts); the work is in AuthService, the cookie is set here.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ConsoleContext, SESSION_COOKIE } from '../context.ts';
import { serve } from '../route-table.ts';
import type { InvigilatorRow } from '../store/store.ts';
import { AuthService, invigilatorView, SignInHeld } from './auth-service.ts';

export const SIGN_IN_LIMIT = { max: 10, timeWindow: '1 minute' } as const;
const limited = { config: { rateLimit: SIGN_IN_LIMIT } };

export function authRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const auth = new AuthService(ctx);

  async function startSession(req: FastifyRequest, reply: FastifyReply, inv: InvigilatorRow) {
    const { token, expires } = await auth.startSession(inv);
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

  serve(app, 'getSetup', async () => ({ needed: await auth.setupNeeded() }));

  serve(
    app,
    'completeSetup',
    async ({ body }, req, reply) => {
      const inv = await auth.completeSetup(body, { address: req.ip });
      await startSession(req, reply, inv);
      return { invigilator: invigilatorView(inv) };
    },
    limited,
  );

  serve(
    app,
    'signIn',
    async ({ body }, req, reply) => {
      try {
        const inv = await auth.signIn(body, { address: req.ip });
        await startSession(req, reply, inv);
        return { invigilator: invigilatorView(inv) };
      } catch (error) {
        if (error instanceof SignInHeld) reply.header('retry-after', String(error.retryAfterSeconds));
        throw error;
      }
    },
    limited,
  );

  serve(app, 'createSignInLink', async ({ session, params, body }, req) =>
    auth.createSignInLink(session, params.id, body.validMinutes, `${req.protocol}://${req.host}`),
  );

  // The dashboard's #/link/<token> page posts the token here (the fragment never reaches a server or
  // its logs); the answer is the same session cookie as a sign-in with a password.
  serve(
    app,
    'useSignInLink',
    async ({ body }, req, reply) => {
      const inv = await auth.useSignInLink(body.token, { address: req.ip });
      await startSession(req, reply, inv);
      return { invigilator: invigilatorView(inv) };
    },
    limited,
  );

  serve(app, 'signOut', async ({ session }, _req, reply) => {
    if (session) await auth.endSession(session.tokenHash);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { signedOut: true as const };
  });

  serve(app, 'me', async ({ session }) => auth.me(session));
  serve(app, 'listInvigilators', async ({ session }) => ({ invigilators: await auth.invigilators(session) }));
  serve(app, 'createInvigilator', async ({ session, body }) => ({
    invigilator: await auth.createInvigilator(session, body),
  }));
  serve(app, 'listAudit', async ({ session }) => ({ audit: await auth.audit(session) }));
}
