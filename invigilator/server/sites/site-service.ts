/**
 * Sites and rooms (issue 12): the centre coordinator adds and renames sites of the awarding body's
 * kinds and moves seats and invigilators between them; a coordinator (the centre's, or a sub-contracted
 * delivery site's own, within it) adds and renames rooms. Who sees what is `site-scope.ts`.
 */
import {
  SITE_KINDS,
  SITE_KINDS_WITH_OWN_COORDINATOR,
  type SiteKind,
} from '../../../shared/catalogs/sites.ts';
import type { InvigilatorView, SeatView, SiteRef } from '../../../shared/schemas/console-api.ts';
import type { SiteView } from '../../../shared/schemas/sites.ts';
import { invigilatorView } from '../auth/auth-service.ts';
import { actorOf, type ConsoleContext, type Session } from '../context.ts';
import { HttpError } from '../http-error.ts';
import { ConflictError, type SiteRow } from '../store/store.ts';
import { inScope, siteScope } from './site-scope.ts';

export function siteRef(row: { id: string; name: string; kind: SiteKind }): SiteRef {
  return { id: row.id, name: row.name, kind: row.kind, kindLabel: SITE_KINDS[row.kind].label };
}

export function siteView(row: SiteRow): SiteView {
  return {
    ...siteRef(row),
    rooms: row.rooms.map((r) => ({ id: r.id, name: r.name })),
    ownCoordinatorAllowed: SITE_KINDS_WITH_OWN_COORDINATOR.includes(row.kind),
  };
}

/** A 409 for a name that is taken (the database's unique constraint says so, on either engine). */
async function unique<T>(work: () => Promise<T>, message: string): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ConflictError) throw new HttpError(409, message, 'name');
    throw error;
  }
}

export class SiteService {
  constructor(private readonly ctx: ConsoleContext) {}

  async list(s: Session): Promise<SiteView[]> {
    return (await this.ctx.store.listSites(s.centreId, siteScope(s))).map(siteView);
  }

  /** A site of the centre the session sees, or 404. */
  async load(s: Session, id: string): Promise<SiteRow> {
    const site = await this.ctx.store.getSite(id);
    if (!site || site.centreId !== s.centreId || !inScope(s, site.id))
      throw new HttpError(404, 'No such site.');
    return site;
  }

  /** The site a session names for something new: its own when it has one, else the one named (or the lead site's, undefined). */
  async siteFor(s: Session, asked: string | undefined, field = 'siteId'): Promise<string | undefined> {
    if (asked) {
      const site = await this.ctx.store.getSite(asked);
      if (!site || site.centreId !== s.centreId || !inScope(s, site.id))
        throw new HttpError(400, `${field}: not a site of this centre`, field);
      return site.id;
    }
    return s.siteId ?? undefined;
  }

  async ref(siteId: string | null | undefined): Promise<SiteRef | null> {
    if (!siteId) return null;
    const site = await this.ctx.store.getSite(siteId);
    return site ? siteRef(site) : null;
  }

  async create(
    s: Session,
    body: { name: string; kind: SiteKind; rooms: readonly string[] },
  ): Promise<SiteView> {
    const id = await unique(
      () => this.ctx.store.createSite(actorOf(s), body),
      'A site of this centre already has that name.',
    );
    return siteView(await this.load(s, id));
  }

  async rename(s: Session, id: string, name: string): Promise<SiteView> {
    await this.load(s, id);
    await unique(
      () => this.ctx.store.renameSite(actorOf(s), id, name),
      'A site of this centre already has that name.',
    );
    return siteView(await this.load(s, id));
  }

  async addRoom(s: Session, id: string, name: string): Promise<SiteView> {
    const site = await this.load(s, id);
    if (site.rooms.some((r) => r.name.toLowerCase() === name.toLowerCase()))
      throw new HttpError(409, `${site.name} already has a room called ${name}.`, 'name');
    await unique(() => this.ctx.store.addRoom(actorOf(s), id, name), `${site.name} already has that room.`);
    return siteView(await this.load(s, id));
  }

  async renameRoom(s: Session, id: string, roomId: string, name: string): Promise<SiteView> {
    const site = await this.load(s, id);
    const room = site.rooms.find((r) => r.id === roomId);
    if (!room) throw new HttpError(404, 'No such room at this site.');
    if (site.rooms.some((r) => r.id !== roomId && r.name.toLowerCase() === name.toLowerCase()))
      throw new HttpError(409, `${site.name} already has a room called ${name}.`, 'name');
    await unique(
      () => this.ctx.store.renameRoom(actorOf(s), roomId, name),
      `${site.name} already has that room.`,
    );
    const sittings = await this.ctx.store.listSittings(s.centreId, { siteIds: [id] });
    this.ctx.live.sittingsChanged(
      s.centreId,
      sittings.filter((x) => !x.closedAt && x.room === name).map((x) => x.id),
    );
    return siteView(await this.load(s, id));
  }

  /** The centre coordinator moves a seat to another site: its dashboards follow at once. */
  async moveSeat(s: Session, seatId: string, siteId: string): Promise<SeatView | undefined> {
    const seat = this.ctx.hub.seatRow(seatId) ?? (await this.ctx.store.getSeat(seatId));
    if (!seat || seat.centreId !== s.centreId) throw new HttpError(404, 'No such seat.');
    await this.siteOrBadRequest(s, siteId);
    await this.ctx.store.moveSeat(actorOf(s), seatId, siteId);
    this.ctx.hub.setSite(seatId, siteId);
    return this.ctx.hub.view(seatId);
  }

  /**
   * The centre coordinator moves an invigilator to another site, or limits a coordinator to a
   * sub-contracted delivery site (only those may have a coordinator of their own).
   */
  async moveInvigilator(s: Session, invigilatorId: string, siteId: string): Promise<InvigilatorView> {
    const inv = await this.ctx.store.getInvigilator(invigilatorId);
    if (!inv || inv.centreId !== s.centreId) throw new HttpError(404, 'No such invigilator.');
    const site = await this.siteOrBadRequest(s, siteId);
    if (inv.role === 'coordinator') ownCoordinatorAllowed(site.kind);
    if (inv.id === s.invigilatorId)
      throw new HttpError(
        409,
        'You cannot limit yourself to one site: another centre coordinator must do it.',
      );
    await this.ctx.store.moveInvigilator(actorOf(s), inv.id, site.id);
    const moved = await this.ctx.store.getInvigilator(inv.id);
    if (!moved) throw new HttpError(404, 'No such invigilator.');
    return invigilatorView(moved);
  }

  private async siteOrBadRequest(s: Session, siteId: string): Promise<SiteRow> {
    const site = await this.ctx.store.getSite(siteId);
    if (!site || site.centreId !== s.centreId)
      throw new HttpError(400, 'siteId: not a site of this centre', 'siteId');
    return site;
  }
}

/** 400 unless a site of this kind may have a coordinator of its own. */
export function ownCoordinatorAllowed(kind: SiteKind, field = 'siteId'): void {
  if (!SITE_KINDS_WITH_OWN_COORDINATOR.includes(kind))
    throw new HttpError(
      400,
      `${field}: only a ${SITE_KINDS['sub-contracted'].label.toLowerCase()} can have a coordinator of its own; a ${SITE_KINDS[kind].label.toLowerCase()} answers to the centre coordinator`,
      field,
    );
}
