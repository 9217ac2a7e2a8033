import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './http-error.ts';
import type { LiveHub } from './live.ts';
import type { Logger } from './logger.ts';
import type { SeatHub } from './seats/seat-hub.ts';
import type { RefusalAuditor, SignInThrottle } from './sign-in-throttle.ts';
import { inScope } from './sites/site-scope.ts';
import type { Actor, Role, Store } from './store/store.ts';

/** The signed-in invigilator behind a request. */
export interface Session {
  tokenHash: string;
  centreId: string;
  invigilatorId: string;
  name: string;
  role: Role;
  /** Where they work: null for the centre coordinator, who answers for every site (sites/site-scope.ts). */
  siteId: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    session: Session | null;
  }
}

export interface ConsoleContext {
  store: Store;
  hub: SeatHub;
  live: LiveHub;
  log: Logger;
  signInThrottle: SignInThrottle;
  /** Floods of refusals (throttled sign-ins, rate limits) into the audit trail, a row per few seconds. */
  refusals: RefusalAuditor;
  /** Writes one refusal (a wrong password, a used link) into the audit trail; never throws. */
  auditRefusal(action: string, subject: string | null, details: Record<string, unknown>): Promise<void>;
  /** Behind a TLS-terminating proxy (`--trust-proxy`): session cookies are Secure. */
  behindTlsProxy: boolean;
}

export const SESSION_COOKIE = 'invigil_session';
export const SESSION_HOURS = 12;

/** The session, or 401. */
export function signedIn(req: FastifyRequest): Session {
  if (!req.session) throw new HttpError(401, 'Sign in first.');
  return req.session;
}

export function actorOf(session: Session): Actor {
  return { centreId: session.centreId, invigilatorId: session.invigilatorId };
}

/**
 * 403 unless the thing belongs to the signed-in invigilator's centre; 404 when it does not exist, or
 * when it belongs to a site the session does not see (another site's ids answer as unknown ones).
 */
export function sameCentre<T extends { centreId: string; siteId?: string | null }>(
  session: Session,
  thing: T | undefined,
  what: string,
): T {
  if (!thing) throw new HttpError(404, `No such ${what}.`);
  if (thing.centreId !== session.centreId)
    throw new HttpError(403, `That ${what} belongs to another centre.`);
  if ('siteId' in thing && !inScope(session, thing.siteId)) throw new HttpError(404, `No such ${what}.`);
  return thing;
}

export type Reply = FastifyReply;
