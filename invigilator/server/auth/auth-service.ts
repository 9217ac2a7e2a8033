/**
 * First sign-in (setup), sign-in with name, PIN and password (throttled per name and overall), one-time
 * sign-in links, sessions, and the centre's invigilator accounts.
 */
import type { z } from 'zod';
import type {
  InvigilatorCreateSchema,
  InvigilatorView,
  MeResponse,
  SetupRequestSchema,
  SignInLinkView,
  SignInRequest,
} from '../../../shared/schemas/console-api.ts';
import { dummyPasswordHash, hashPassword, newToken, sha256, verifyPassword } from '../auth.ts';
import { actorOf, type ConsoleContext, SESSION_HOURS, type Session, sameCentre } from '../context.ts';
import { HttpError } from '../http-error.ts';
import { siteScope } from '../sites/site-scope.ts';
import { ownCoordinatorAllowed, SiteService } from '../sites/site-service.ts';
import { type AuditRow, ConflictError, type InvigilatorRow, type SignInLinkRefusal } from '../store/store.ts';

/** The dashboard route that exchanges a one-time link's token for a session. */
export const SIGN_IN_LINK_ROUTE = '#/link/';

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

export function invigilatorView(i: InvigilatorRow): InvigilatorView {
  return { id: i.id, name: i.name, pin: i.pin, role: i.role, siteId: i.siteId };
}

function waitText(seconds: number): string {
  return seconds < 90 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`;
}

/** Where a request came from, for refusals, throttling and the audit trail. */
export interface Caller {
  address: string;
}

/** A refusal to sign in that tells the caller when to try again (`retry-after`). */
export class SignInHeld extends HttpError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(429, message);
  }
}

export class AuthService {
  constructor(private readonly ctx: ConsoleContext) {}

  async setupNeeded(): Promise<boolean> {
    const { centre } = await this.ctx.store.ensureCentre();
    return (await this.ctx.store.countInvigilators(centre.id)) === 0;
  }

  /** The first coordinator, with the one-time setup link; 403 once it is used or replaced. */
  async completeSetup(body: z.output<typeof SetupRequestSchema>, from: Caller): Promise<InvigilatorRow> {
    const inv = await this.ctx.store.completeSetup(sha256(body.token), body.centreName, {
      name: body.name,
      pin: body.pin,
      passwordHash: await hashPassword(body.password),
      role: 'coordinator',
    });
    if (!inv) {
      await this.ctx.auditRefusal('setup.refused', null, { address: from.address });
      throw new HttpError(
        403,
        'This setup link has been used or replaced. Restart the console for a new one.',
      );
    }
    this.ctx.log.info({ invigilatorId: inv.id, name: inv.name }, 'centre set up');
    return inv;
  }

  /** The invigilator these credentials name, or a refusal (throttled, audited) that does not say which part was wrong. */
  async signIn(body: SignInRequest, from: Caller): Promise<InvigilatorRow> {
    // Before the password is even looked at: a name under its delay, or the whole centre under attack.
    const held = this.ctx.signInThrottle.check(body.name);
    if (held) {
      const seconds = Math.ceil(held.retryAfterMs / 1000);
      this.ctx.refusals.note(
        'sign-in.refused-throttled',
        held.by === 'name' ? body.name : '(every name)',
        from.address,
        held.by === 'name' ? 'too many wrong passwords for this name' : 'too many failed sign-ins overall',
      );
      throw new SignInHeld(
        held.by === 'name'
          ? `Too many wrong passwords for this name: wait ${waitText(seconds)} and try again, or ask a coordinator for a one-time sign-in link.`
          : `The console is holding back every sign-in for ${waitText(seconds)}: there have been too many failed sign-ins from many places. Ask a coordinator who is signed in for a one-time sign-in link.`,
        seconds,
      );
    }
    const candidates = await this.ctx.store.findInvigilators(body.name, body.pin);
    let match: InvigilatorRow | undefined;
    for (const c of candidates) {
      if (await verifyPassword(body.password, c.passwordHash)) {
        match = c;
        break;
      }
    }
    if (candidates.length === 0) await verifyPassword(body.password, await dummyPasswordHash());
    if (!match) {
      this.ctx.signInThrottle.failed(body.name);
      this.ctx.log.warn({ name: body.name.slice(0, 100), remote: from.address }, 'sign-in refused');
      await this.ctx.auditRefusal('sign-in.refused', body.name, {
        address: from.address,
        reason: candidates.length === 0 ? 'no such name and PIN' : 'wrong password',
      });
      throw new HttpError(401, 'The name, PIN or password is wrong.');
    }
    this.ctx.signInThrottle.succeeded(body.name);
    this.ctx.log.info({ invigilatorId: match.id }, 'signed in');
    return match;
  }

  /**
   * A short-lived, single-use link that signs one invigilator in (handed over in person or by the
   * centre's own messaging); only the token's hash is kept. `origin` is the address the coordinator
   * reached this console by, so the link works where theirs does.
   */
  async createSignInLink(
    s: Session,
    invigilatorId: string,
    validMinutes: number,
    origin: string,
  ): Promise<SignInLinkView> {
    const inv = sameCentre(s, await this.ctx.store.getInvigilator(invigilatorId), 'invigilator');
    const token = newToken();
    const expiresAt = new Date(Date.now() + validMinutes * 60_000).toISOString();
    await this.ctx.store.createSignInLink(actorOf(s), {
      tokenHash: sha256(token),
      invigilatorId: inv.id,
      expiresAt,
    });
    this.ctx.log.info({ invigilatorId: inv.id, by: s.invigilatorId, expiresAt }, 'sign-in link made');
    return { url: `${origin}/${SIGN_IN_LINK_ROUTE}${token}`, expiresAt, invigilator: invigilatorView(inv) };
  }

  /** The invigilator a one-time link signs in, or a refusal saying why (unknown, used, expired). */
  async useSignInLink(token: string, from: Caller): Promise<InvigilatorRow> {
    const result = await this.ctx.store.useSignInLink(sha256(token), new Date().toISOString());
    if ('refused' in result) {
      this.ctx.log.warn({ remote: from.address, refused: result.refused }, 'sign-in link refused');
      await this.ctx.auditRefusal('sign-in-link.refused', null, {
        address: from.address,
        reason: result.refused,
      });
      const r = LINK_REFUSED[result.refused];
      throw new HttpError(r.status, r.message(result.expiresAt));
    }
    this.ctx.log.info({ invigilatorId: result.invigilator.id }, 'signed in with a one-time link');
    return result.invigilator;
  }

  /** A new session for this invigilator: the token for the cookie (only its hash is stored) and when it ends. */
  async startSession(inv: InvigilatorRow): Promise<{ token: string; expires: Date }> {
    const token = newToken();
    const expires = new Date(Date.now() + SESSION_HOURS * 3_600_000);
    await this.ctx.store.createSession(sha256(token), inv.id, expires.toISOString());
    return { token, expires };
  }

  async endSession(tokenHash: string): Promise<void> {
    await this.ctx.store.deleteSession(tokenHash);
    this.ctx.live.closeSession(tokenHash);
  }

  async me(s: Session): Promise<MeResponse> {
    const inv = await this.ctx.store.getInvigilator(s.invigilatorId);
    const centre = await this.ctx.store.getCentre(s.centreId);
    if (!inv || !centre) throw new HttpError(401, 'Sign in first.');
    return {
      invigilator: invigilatorView(inv),
      centre: { id: centre.id, name: centre.name },
      site: await new SiteService(this.ctx).ref(inv.siteId),
    };
  }

  /** The accounts the session sees: every one for the centre coordinator, one's own site's otherwise. */
  async invigilators(s: Session): Promise<InvigilatorView[]> {
    return (await this.ctx.store.listInvigilators(s.centreId, siteScope(s))).map(invigilatorView);
  }

  async createInvigilator(
    s: Session,
    body: z.output<typeof InvigilatorCreateSchema>,
  ): Promise<InvigilatorView> {
    const role = body.role ?? 'invigilator';
    // A site's own coordinator adds people to that site only (a coordinator they add is limited to it too).
    const siteId = await new SiteService(this.ctx).siteFor(s, body.siteId);
    if (role === 'coordinator' && siteId) {
      const site = await this.ctx.store.getSite(siteId);
      if (site) ownCoordinatorAllowed(site.kind);
    }
    try {
      const inv = await this.ctx.store.createInvigilator(actorOf(s), {
        name: body.name,
        pin: body.pin,
        passwordHash: await hashPassword(body.password),
        role,
        siteId: siteId ?? null,
      });
      return invigilatorView(inv);
    } catch (error) {
      if (error instanceof ConflictError)
        throw new HttpError(409, 'An invigilator with that PIN already exists.', 'pin');
      throw error;
    }
  }

  async audit(s: Session): Promise<AuditRow[]> {
    return this.ctx.store.listAudit(s.centreId, 500);
  }
}
