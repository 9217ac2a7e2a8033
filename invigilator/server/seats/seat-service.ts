/**
 * Seats as the dashboard and `invigil enrol` see them: enrolment codes, enrolment (a new seat, or a
 * replacement request for an enrolled PC name), places, messages to candidates, and the notices that
 * want a person's attention (replacement requests, connections refused again and again).
 */
import { excerpt } from '../../../shared/schemas/bounded-json.ts';
import type {
  EnrolmentCodeView,
  NoticesResponse,
  RefusalNoticeView,
  ReplacementView,
  SeatView,
} from '../../../shared/schemas/console-api.ts';
import type { EnrolRequest, EnrolResponse } from '../../../shared/schemas/protocol.ts';
import { newEnrolmentCode, newToken, normaliseEnrolmentCode, sha256 } from '../auth.ts';
import { actorOf, type ConsoleContext, type Session, sameCentre } from '../context.ts';
import { HttpError } from '../http-error.ts';
import { listScope, siteScope } from '../sites/site-scope.ts';
import { SiteService } from '../sites/site-service.ts';
import type { NoticeRow, ReplacementRow } from '../store/store.ts';
import { MAX_PENDING_REPLACEMENTS } from './seat-hub.ts';

export function replacementView(r: ReplacementRow): ReplacementView {
  return {
    id: r.id,
    seatId: r.seatId,
    pcName: r.pcName,
    address: r.address,
    userAgent: r.userAgent,
    requestedAt: r.requestedAt,
    status: r.status,
    decidedAt: r.decidedAt,
    decidedBy: r.decidedBy,
  };
}

function refusalView(n: NoticeRow): RefusalNoticeView {
  return {
    id: n.id,
    seatId: n.seatId,
    pcName: n.pcName,
    firstAt: n.firstAt,
    lastAt: n.lastAt,
    count: n.count,
    addresses: n.addresses,
  };
}

export class SeatService {
  constructor(private readonly ctx: ConsoleContext) {}

  /** The code's site decides its seats' site: one's own site, or (the centre coordinator) the one named, or the lead site. */
  async createEnrolmentCode(
    s: Session,
    body: { uses: number; validHours: number; behindNat: boolean; siteId?: string | undefined },
  ): Promise<EnrolmentCodeView> {
    const sites = new SiteService(this.ctx);
    const siteId = await sites.siteFor(s, body.siteId);
    const code = newEnrolmentCode();
    const expiresAt = new Date(Date.now() + body.validHours * 3_600_000).toISOString();
    await this.ctx.store.createEnrolmentCode(
      actorOf(s),
      sha256(code),
      expiresAt,
      body.uses,
      body.behindNat,
      siteId,
    );
    const site = siteId ? await sites.ref(siteId) : null;
    return {
      code,
      expiresAt,
      usesLeft: body.uses,
      behindNat: body.behindNat,
      ...(site ? { site } : {}),
    };
  }

  /** Whether a code is a usable one made for a satellite site behind NAT (its own enrolment allowance). */
  async codeBehindNat(code: unknown): Promise<boolean> {
    return (
      typeof code === 'string' &&
      code.length <= 64 &&
      (await this.ctx.store.enrolmentCodeBehindNat(
        sha256(normaliseEnrolmentCode(code)),
        new Date().toISOString(),
      ))
    );
  }

  /**
   * A PC exchanges a code for a credential. An enrolled PC name makes a replacement request instead
   * (`pending`): the seat keeps its credential until a coordinator approves this PC.
   */
  async enrol(
    body: EnrolRequest,
    from: { address: string; userAgent: string | undefined },
  ): Promise<EnrolResponse> {
    const credential = newToken(32);
    const ua = from.userAgent;
    const result = await this.ctx.store.enrolSeat(
      sha256(normaliseEnrolmentCode(body.code)),
      body.pcName.trim(),
      sha256(credential),
      new Date().toISOString(),
      {
        address: from.address,
        userAgent: typeof ua === 'string' && ua.trim() ? excerpt(ua.trim(), 200) : null,
        maxPending: MAX_PENDING_REPLACEMENTS,
      },
      this.ctx.hub.sittingOf,
    );
    if (!result) {
      this.ctx.log.warn({ remote: from.address, pcName: excerpt(body.pcName, 100) }, 'enrolment refused');
      throw new HttpError(403, 'The enrolment code is wrong, has expired or has been used up.', 'code');
    }
    if ('tooManyPending' in result) {
      this.ctx.log.warn(
        { remote: from.address, seatId: result.tooManyPending.id },
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
      this.ctx.log.warn(
        { seatId: seat.id, pcName: seat.pcName, remote: from.address, request: replacement.id },
        'a PC enrolled an enrolled name: replacement request',
      );
      if (incident) this.ctx.hub.announceIncidents([incident]);
      this.ctx.live.noticesChanged(seat.centreId);
      return { seatId: seat.id, credential, pending: true };
    }
    this.ctx.hub.seatEnrolled(seat);
    this.ctx.log.info({ seatId: seat.id, pcName: seat.pcName }, 'seat enrolled');
    return { seatId: seat.id, credential };
  }

  /** The seats the session sees (every site's for the centre coordinator), or one site's. */
  list(s: Session, siteId?: string): SeatView[] {
    const scope = listScope(s, siteId);
    const views = this.ctx.hub.views(s.centreId);
    return scope ? views.filter((v) => v.siteId != null && scope.includes(v.siteId)) : views;
  }

  private async seatOf(s: Session, id: string) {
    return sameCentre(s, this.ctx.hub.seatRow(id) ?? (await this.ctx.store.getSeat(id)), 'seat');
  }

  async setPlace(s: Session, id: string, place: string): Promise<SeatView | undefined> {
    await this.seatOf(s, id);
    await this.ctx.store.updateSeatPlace(actorOf(s), id, place);
    this.ctx.hub.setPlace(id, place);
    await this.ctx.hub.refreshAssignments(actorOf(s));
    return this.ctx.hub.view(id);
  }

  async showMessage(s: Session, id: string, text: string): Promise<string> {
    await this.seatOf(s, id);
    const row = await this.ctx.hub.showMessage(actorOf(s), id, text);
    return row.id;
  }

  async notices(s: Session): Promise<NoticesResponse> {
    const scope = siteScope(s);
    const all = await this.ctx.store.listReplacements(s.centreId, {
      pendingOnly: false,
      limit: 200,
      ...(scope ? { siteIds: scope } : {}),
    });
    return {
      replacements: all.filter((r) => r.status === 'pending').map(replacementView),
      decided: all
        .filter((r) => r.status !== 'pending')
        .slice(0, 20)
        .map(replacementView),
      refusals: (await this.ctx.store.listNotices(s.centreId, scope)).map(refusalView),
    };
  }

  /** A coordinator approves (the old credential is revoked, its socket closed) or refuses a replacement. */
  async decideReplacement(
    s: Session,
    id: string,
    decision: 'approved' | 'refused',
  ): Promise<ReplacementView> {
    const request = sameCentre(s, await this.ctx.store.getReplacement(id), 'replacement request');
    // A site's own coordinator decides only for that site's seats.
    await this.seatOf(s, request.seatId).catch(() => {
      throw new HttpError(404, 'No such replacement request.');
    });
    if (request.status !== 'pending')
      throw new HttpError(409, `This request has already been ${request.status}.`);
    const done = await this.ctx.store.decideReplacement(
      actorOf(s),
      id,
      decision,
      new Date().toISOString(),
      this.ctx.hub.sittingOf,
    );
    if (!done) throw new HttpError(409, 'This request has already been decided.');
    if (decision === 'approved') this.ctx.hub.credentialReplaced(done.seat);
    this.ctx.hub.announceIncidents([done.incident]);
    this.ctx.live.noticesChanged(s.centreId);
    this.ctx.log.info(
      { request: id, seatId: done.seat.id, by: s.invigilatorId, decision },
      'seat replacement decided',
    );
    return replacementView(done.replacement);
  }

  async dismissNotice(s: Session, id: string): Promise<void> {
    const scope = siteScope(s);
    if (scope && !(await this.ctx.store.listNotices(s.centreId, scope)).some((n) => n.id === id))
      throw new HttpError(404, 'No such notice.');
    if (!(await this.ctx.store.dismissNotice(actorOf(s), id))) throw new HttpError(404, 'No such notice.');
    this.ctx.live.noticesChanged(s.centreId);
  }
}
