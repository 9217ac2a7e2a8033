/**
 * Invigilator accounts, sessions, one-time sign-in links and the first coordinator's setup. Sessions
 * live in the database, so a sign-in made on one console process is valid on every other.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db, Queryable } from '../db/database.ts';
import { nowIso } from '../db/rows.ts';
import { writeAudit } from '../record/audit-repository.ts';
import type { Actor, Role } from './actor.ts';

export interface InvigilatorRow {
  id: string;
  centreId: string;
  /** The site an invigilator works at, or a coordinator is limited to; null: the whole centre. */
  siteId: string | null;
  name: string;
  pin: string;
  passwordHash: string;
  role: Role;
  createdAt: string;
}

export type NewInvigilator = Omit<InvigilatorRow, 'id' | 'centreId' | 'createdAt'>;

export interface SessionRow {
  invigilatorId: string;
  centreId: string;
  expiresAt: string;
}

/** Why a one-time sign-in link did not sign anyone in. */
export type SignInLinkRefusal = 'unknown' | 'used' | 'expired';

type InvigilatorDb = {
  id: string;
  centre_id: string;
  site_id: string | null;
  name: string;
  pin: string;
  password_hash: string;
  role: string;
  created_at: string;
};

function invigilatorRow(r: InvigilatorDb): InvigilatorRow {
  return {
    id: r.id,
    centreId: r.centre_id,
    siteId: r.site_id,
    name: r.name,
    pin: r.pin,
    passwordHash: r.password_hash,
    role: r.role as Role,
    createdAt: r.created_at,
  };
}

async function insertInvigilator(
  q: Queryable,
  centreId: string,
  inv: NewInvigilator,
): Promise<InvigilatorRow> {
  const row: InvigilatorRow = { ...inv, id: randomUUID(), centreId, createdAt: nowIso() };
  await q
    .insertInto('invigilators')
    .values({
      id: row.id,
      centre_id: centreId,
      site_id: row.siteId,
      name: row.name,
      pin: row.pin,
      password_hash: row.passwordHash,
      role: row.role,
      created_at: row.createdAt,
    })
    .execute();
  return row;
}

export class AuthRepository {
  constructor(private readonly db: Db) {}

  /** Replaces the one-time setup token (stored as a hash). */
  async setSetupToken(centreId: string, tokenHash: string): Promise<void> {
    await this.db.kysely
      .insertInto('setup_tokens')
      .values({ centre_id: centreId, token_hash: tokenHash, created_at: nowIso() })
      .onConflict((oc) =>
        oc.column('centre_id').doUpdateSet((eb) => ({
          token_hash: eb.ref('excluded.token_hash'),
          created_at: eb.ref('excluded.created_at'),
        })),
      )
      .execute();
  }

  /** Consumes the setup token and creates the first coordinator (for the whole centre), in one transaction. */
  async completeSetup(
    tokenHash: string,
    centreName: string,
    first: Omit<NewInvigilator, 'siteId' | 'role'>,
  ): Promise<InvigilatorRow | null> {
    return this.db.transaction(async (trx) => {
      // Deleting is the claim: of two processes given the same token at once, one deletes it.
      const token = await trx
        .deleteFrom('setup_tokens')
        .where('token_hash', '=', tokenHash)
        .returning('centre_id')
        .executeTakeFirst();
      if (!token) return null;
      const centreId = token.centre_id;
      if ((await countInvigilators(trx, centreId)) > 0) return null;
      await trx.updateTable('centres').set({ name: centreName }).where('id', '=', centreId).execute();
      const inv = await insertInvigilator(trx, centreId, { ...first, siteId: null, role: 'coordinator' });
      await writeAudit(trx, { centreId, invigilatorId: inv.id }, 'centre.setup', centreId, {
        centreName,
        name: inv.name,
      });
      return inv;
    });
  }

  async countInvigilators(centreId: string): Promise<number> {
    return countInvigilators(this.db.kysely, centreId);
  }

  async createInvigilator(actor: Actor, inv: NewInvigilator): Promise<InvigilatorRow> {
    return this.db.transaction(async (trx) => {
      const row = await insertInvigilator(trx, actor.centreId, inv);
      await writeAudit(trx, actor, 'invigilator.create', row.id, {
        name: row.name,
        pin: row.pin,
        role: row.role,
        ...(row.siteId ? { siteId: row.siteId } : {}),
      });
      return row;
    });
  }

  /** Accounts matching a sign-in's name and PIN (both compared case-insensitively). */
  async findInvigilators(name: string, pin: string): Promise<InvigilatorRow[]> {
    const rows = await this.db.kysely
      .selectFrom('invigilators')
      .selectAll()
      .where(sql`lower(name)`, '=', name.toLowerCase())
      .where(sql`lower(pin)`, '=', pin.toLowerCase())
      .execute();
    return rows.map(invigilatorRow);
  }

  async getInvigilator(id: string): Promise<InvigilatorRow | undefined> {
    const row = await this.db.kysely
      .selectFrom('invigilators')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && invigilatorRow(row);
  }

  /** The centre's accounts by name; with `siteIds`, those of these sites (and none of the centre-wide ones). */
  async listInvigilators(centreId: string, siteIds?: readonly string[]): Promise<InvigilatorRow[]> {
    if (siteIds && siteIds.length === 0) return [];
    let q = this.db.kysely.selectFrom('invigilators').selectAll().where('centre_id', '=', centreId);
    if (siteIds) q = q.where('site_id', 'in', [...siteIds]);
    return (await q.orderBy('name').execute()).map(invigilatorRow);
  }

  /** Moves an account to another site (null: the whole centre, for a coordinator), audited. */
  async moveInvigilator(actor: Actor, invigilatorId: string, siteId: string | null): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx
        .updateTable('invigilators')
        .set({ site_id: siteId })
        .where('id', '=', invigilatorId)
        .where('centre_id', '=', actor.centreId)
        .execute();
      await writeAudit(trx, actor, 'invigilator.site', invigilatorId, { siteId });
    });
  }

  async createSession(tokenHash: string, invigilatorId: string, expiresAt: string): Promise<void> {
    const now = nowIso();
    await this.db.kysely.deleteFrom('sessions').where('expires_at', '<', now).execute();
    await this.db.kysely
      .insertInto('sessions')
      .values({
        token_hash: tokenHash,
        invigilator_id: invigilatorId,
        created_at: now,
        expires_at: expiresAt,
      })
      .execute();
  }

  async getSession(tokenHash: string): Promise<SessionRow | undefined> {
    const row = await this.db.kysely
      .selectFrom('sessions as s')
      .innerJoin('invigilators as i', 'i.id', 's.invigilator_id')
      .select(['s.invigilator_id', 's.expires_at', 'i.centre_id'])
      .where('s.token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row
      ? { invigilatorId: row.invigilator_id, centreId: row.centre_id, expiresAt: row.expires_at }
      : undefined;
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.db.kysely.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
  }

  /** Stores a single-use link (its token as a hash) for an invigilator of the actor's centre, audited. */
  async createSignInLink(
    actor: Actor,
    link: { tokenHash: string; invigilatorId: string; expiresAt: string },
  ): Promise<void> {
    await this.db.transaction(async (trx) => {
      // Links a day past their expiry are no longer worth explaining: forget them.
      await trx
        .deleteFrom('sign_in_links')
        .where('expires_at', '<', new Date(Date.now() - 86_400_000).toISOString())
        .execute();
      await trx
        .insertInto('sign_in_links')
        .values({
          token_hash: link.tokenHash,
          invigilator_id: link.invigilatorId,
          centre_id: actor.centreId,
          created_by: actor.invigilatorId ?? '',
          created_at: nowIso(),
          expires_at: link.expiresAt,
          used_at: null,
        })
        .execute();
      await writeAudit(trx, actor, 'sign-in-link.create', link.invigilatorId, { expiresAt: link.expiresAt });
    });
  }

  /**
   * Uses a link once, in one transaction: the invigilator it signs in, or why it cannot. The use is
   * audited; a used or expired link is kept (for a day) so that its page can say which it was. The
   * claim is one conditional UPDATE, so two processes given the same link sign in once between them.
   */
  async useSignInLink(
    tokenHash: string,
    now: string,
  ): Promise<{ invigilator: InvigilatorRow } | { refused: SignInLinkRefusal; expiresAt?: string }> {
    return this.db.transaction(async (trx) => {
      const claimed = await trx
        .updateTable('sign_in_links')
        .set({ used_at: now })
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .returning('invigilator_id')
        .executeTakeFirst();
      if (!claimed) {
        const link = await trx
          .selectFrom('sign_in_links')
          .select(['used_at', 'expires_at'])
          .where('token_hash', '=', tokenHash)
          .executeTakeFirst();
        if (!link) return { refused: 'unknown' as const };
        if (link.used_at !== null) return { refused: 'used' as const, expiresAt: link.expires_at };
        return { refused: 'expired' as const, expiresAt: link.expires_at };
      }
      const row = await trx
        .selectFrom('invigilators')
        .selectAll()
        .where('id', '=', claimed.invigilator_id)
        .executeTakeFirst();
      if (!row) return { refused: 'unknown' as const };
      const invigilator = invigilatorRow(row);
      await writeAudit(
        trx,
        { centreId: invigilator.centreId, invigilatorId: invigilator.id },
        'sign-in-link.use',
        invigilator.id,
      );
      return { invigilator };
    });
  }
}

async function countInvigilators(q: Queryable, centreId: string): Promise<number> {
  const row = await q
    .selectFrom('invigilators')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('centre_id', '=', centreId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
