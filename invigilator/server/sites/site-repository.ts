/**
 * The centre and its sites (the awarding body's four kinds) with their rooms. A centre is created on
 * first start with one lead site; a PostgreSQL database shared by several console processes still gets
 * exactly one centre (the creation takes a lock).
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { FIRST_SITE_NAME, type SiteKind } from '../../../shared/catalogs/sites.ts';
import type { Actor } from '../auth/actor.ts';
import type { Db, Queryable } from '../db/database.ts';
import { nowIso } from '../db/rows.ts';
import { writeAudit } from '../record/audit-repository.ts';

export interface CentreRow {
  id: string;
  name: string;
  createdAt: string;
}

export interface SiteRow {
  id: string;
  centreId: string;
  name: string;
  kind: SiteKind;
  createdAt: string;
  rooms: RoomRow[];
}

export interface RoomRow {
  id: string;
  siteId: string;
  name: string;
}

/** pg_advisory_xact_lock key for creating the centre ("centre"). */
const CENTRE_LOCK = 0x63656e747265;

export class SiteRepository {
  constructor(private readonly db: Db) {}

  /** The centre in a single-centre database, created (with its lead site) on first start. */
  async ensureCentre(): Promise<{ centre: CentreRow; created: boolean }> {
    return this.db.transaction(async (trx) => {
      if (this.db.engine === 'postgres') await sql`SELECT pg_advisory_xact_lock(${CENTRE_LOCK})`.execute(trx);
      const row = await trx
        .selectFrom('centres')
        .selectAll()
        .orderBy('created_at')
        .limit(1)
        .executeTakeFirst();
      if (row) return { centre: { id: row.id, name: row.name, createdAt: row.created_at }, created: false };
      const centre = { id: randomUUID(), name: 'Invigil centre', createdAt: nowIso() };
      await trx
        .insertInto('centres')
        .values({ id: centre.id, name: centre.name, created_at: centre.createdAt })
        .execute();
      await writeAudit(trx, { centreId: centre.id, invigilatorId: null }, 'centre.create', centre.id);
      await insertSite(trx, { centreId: centre.id, invigilatorId: null }, FIRST_SITE_NAME, 'lead');
      return { centre, created: true };
    });
  }

  async getCentre(id: string): Promise<CentreRow | undefined> {
    const row = await this.db.kysely
      .selectFrom('centres')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && { id: row.id, name: row.name, createdAt: row.created_at };
  }

  async renameCentre(actor: Actor, name: string): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx.updateTable('centres').set({ name }).where('id', '=', actor.centreId).execute();
      await writeAudit(trx, actor, 'centre.rename', actor.centreId, { name });
    });
  }

  /** Every site of the centre (or only these), with its rooms, by name. */
  async listSites(centreId: string, only?: readonly string[]): Promise<SiteRow[]> {
    if (only && only.length === 0) return [];
    let q = this.db.kysely.selectFrom('sites').selectAll().where('centre_id', '=', centreId);
    if (only) q = q.where('id', 'in', [...only]);
    const sites = await q.orderBy('name').execute();
    if (sites.length === 0) return [];
    const rooms = await this.db.kysely
      .selectFrom('rooms')
      .selectAll()
      .where(
        'site_id',
        'in',
        sites.map((s) => s.id),
      )
      .orderBy('name')
      .execute();
    return sites.map((s) => ({
      id: s.id,
      centreId: s.centre_id,
      name: s.name,
      kind: s.kind as SiteKind,
      createdAt: s.created_at,
      rooms: rooms
        .filter((r) => r.site_id === s.id)
        .map((r) => ({ id: r.id, siteId: r.site_id, name: r.name })),
    }));
  }

  async getSite(id: string): Promise<SiteRow | undefined> {
    const row = await this.db.kysely
      .selectFrom('sites')
      .select('centre_id')
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    return (await this.listSites(row.centre_id, [id]))[0];
  }

  /** The lead site (every centre has one from its first start). */
  async leadSite(centreId: string): Promise<SiteRow | undefined> {
    const row = await this.db.kysely
      .selectFrom('sites')
      .select('id')
      .where('centre_id', '=', centreId)
      .where('kind', '=', 'lead')
      .orderBy('created_at')
      .limit(1)
      .executeTakeFirst();
    return row ? this.getSite(row.id) : undefined;
  }

  async createSite(
    actor: Actor,
    input: { name: string; kind: SiteKind; rooms: readonly string[] },
  ): Promise<string> {
    return this.db.transaction(async (trx) => {
      const id = await insertSite(trx, actor, input.name, input.kind);
      for (const room of new Set(input.rooms)) await insertRoom(trx, id, room);
      return id;
    });
  }

  /** Renames a site, changes its kind, and sets its rooms (rooms not listed are removed; sittings keep their room's name). */
  async updateSite(
    actor: Actor,
    siteId: string,
    input: { name: string; kind: SiteKind; rooms: readonly string[] },
  ): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx
        .updateTable('sites')
        .set({ name: input.name, kind: input.kind })
        .where('id', '=', siteId)
        .where('centre_id', '=', actor.centreId)
        .execute();
      const wanted = new Set(input.rooms);
      const existing = await trx
        .selectFrom('rooms')
        .select(['id', 'name'])
        .where('site_id', '=', siteId)
        .execute();
      for (const r of existing) {
        if (!wanted.has(r.name)) await trx.deleteFrom('rooms').where('id', '=', r.id).execute();
        wanted.delete(r.name);
      }
      for (const name of wanted) await insertRoom(trx, siteId, name);
      await writeAudit(trx, actor, 'site.update', siteId, {
        name: input.name,
        kind: input.kind,
        rooms: input.rooms,
      });
    });
  }

  /** Renames a site, audited. */
  async renameSite(actor: Actor, siteId: string, name: string): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx
        .updateTable('sites')
        .set({ name })
        .where('id', '=', siteId)
        .where('centre_id', '=', actor.centreId)
        .execute();
      await writeAudit(trx, actor, 'site.rename', siteId, { name });
    });
  }

  async addRoom(actor: Actor, siteId: string, name: string): Promise<string> {
    return this.db.transaction(async (trx) => {
      const id = await insertRoom(trx, siteId, name);
      await writeAudit(trx, actor, 'room.create', id, { siteId, name });
      return id;
    });
  }

  /**
   * Renames a room; the site's sittings not yet closed that use the old name follow it (a closed
   * sitting's record keeps the name it was sat under).
   */
  async renameRoom(actor: Actor, roomId: string, name: string): Promise<void> {
    await this.db.transaction(async (trx) => {
      const room = await trx.selectFrom('rooms').selectAll().where('id', '=', roomId).executeTakeFirst();
      if (!room) return;
      await trx.updateTable('rooms').set({ name }).where('id', '=', roomId).execute();
      await trx
        .updateTable('sittings')
        .set({ room: name })
        .where('site_id', '=', room.site_id)
        .where('room', '=', room.name)
        .where('closed_at', 'is', null)
        .execute();
      await writeAudit(trx, actor, 'room.rename', roomId, { siteId: room.site_id, from: room.name, name });
    });
  }

  async getRoom(id: string): Promise<RoomRow | undefined> {
    const r = await this.db.kysely.selectFrom('rooms').selectAll().where('id', '=', id).executeTakeFirst();
    return r && { id: r.id, siteId: r.site_id, name: r.name };
  }

  /** How many seats, sittings and invigilators a site has (a site in use is not removed). */
  async siteUsage(siteId: string): Promise<{ seats: number; sittings: number; invigilators: number }> {
    const count = async (table: 'seats' | 'sittings' | 'invigilators') =>
      Number(
        (
          await this.db.kysely
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('site_id', '=', siteId)
            .executeTakeFirst()
        )?.n ?? 0,
      );
    return {
      seats: await count('seats'),
      sittings: await count('sittings'),
      invigilators: await count('invigilators'),
    };
  }
}

async function insertSite(q: Queryable, actor: Actor, name: string, kind: SiteKind): Promise<string> {
  const id = randomUUID();
  await q
    .insertInto('sites')
    .values({ id, centre_id: actor.centreId, name, kind, created_at: nowIso() })
    .execute();
  await writeAudit(q, actor, 'site.create', id, { name, kind });
  return id;
}

async function insertRoom(q: Queryable, siteId: string, name: string): Promise<string> {
  const id = randomUUID();
  await q.insertInto('rooms').values({ id, site_id: siteId, name, created_at: nowIso() }).execute();
  return id;
}
