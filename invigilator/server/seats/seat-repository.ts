/**
 * Seats (exam PCs): enrolment with single-use codes, replacement requests when a PC name is enrolled
 * again, notices of refused connections, places, and the last status of each seat (written in batches
 * by the seat hub, read back at start).
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Actor } from '../auth/actor.ts';
import { CONSOLE_APPLICATION_NAME, ConflictError, type Db, type Queryable } from '../db/database.ts';
import { chunks, nowIso } from '../db/rows.ts';
import { writeAudit } from '../record/audit-repository.ts';
import { type IncidentRow, incidentsById, lockSeats, recordIncident } from '../record/incident-repository.ts';

export interface SeatRow {
  id: string;
  centreId: string;
  siteId: string | null;
  pcName: string;
  place: string;
  credentialHash: string;
  enrolledAt: string;
}

export interface SeatStatusRow {
  seatId: string;
  state: string;
  /** The seat's last `SeatStatus`, as JSON. */
  statusJson: string;
  seq: number;
  at: string;
  lastSeenAt: string;
}

/** Another PC enrolled an enrolled PC's name: it may report as that seat only once a coordinator approves. */
export interface ReplacementRow {
  id: string;
  centreId: string;
  seatId: string;
  pcName: string;
  /** Where the enrolment came from: the address, and the user agent if it sent one. */
  address: string;
  userAgent: string | null;
  requestedAt: string;
  status: 'pending' | 'approved' | 'refused' | 'superseded';
  decidedAt: string | null;
  decidedBy: string | null;
}

/** Something on the dashboard that wants a person's attention until dismissed. */
export interface NoticeRow {
  id: string;
  centreId: string;
  seatId: string;
  pcName: string;
  kind: 'refused-connections';
  firstAt: string;
  lastAt: string;
  count: number;
  /** The addresses the refused connections came from (at most a few). */
  addresses: string[];
}

/** The sitting (and candidate entry) a seat is in now, for incidents about it; the console knows, the database does not. */
export type SittingOf = (seatId: string) => { sittingId: string; entryId: string } | null;

export type EnrolResult =
  | { seat: SeatRow; replacement: ReplacementRow | null; incident: IncidentRow | null }
  | { tooManyPending: SeatRow }
  | null;

const NOTICE_ADDRESSES = 5;

type SeatDb = {
  id: string;
  centre_id: string;
  site_id: string | null;
  pc_name: string;
  place: string;
  credential_hash: string;
  enrolled_at: string;
};

export function seatRow(r: SeatDb): SeatRow {
  return {
    id: r.id,
    centreId: r.centre_id,
    siteId: r.site_id,
    pcName: r.pc_name,
    place: r.place ?? '',
    credentialHash: r.credential_hash,
    enrolledAt: r.enrolled_at,
  };
}

function replacements(q: Queryable) {
  return q
    .selectFrom('seat_replacements as r')
    .leftJoin('invigilators as i', 'i.id', 'r.decided_by')
    .selectAll('r')
    .select('i.name as decided_by_name');
}

function replacementRow(
  r: Awaited<ReturnType<ReturnType<typeof replacements>['execute']>>[number],
): ReplacementRow {
  return {
    id: r.id,
    centreId: r.centre_id,
    seatId: r.seat_id,
    pcName: r.pc_name,
    address: r.address,
    userAgent: r.user_agent,
    requestedAt: r.requested_at,
    status: r.status as ReplacementRow['status'],
    decidedAt: r.decided_at,
    decidedBy: r.decided_by_name ?? null,
  };
}

function notices(q: Queryable) {
  return q
    .selectFrom('seat_notices as n')
    .innerJoin('seats as s', 's.id', 'n.seat_id')
    .selectAll('n')
    .select('s.pc_name');
}

function noticeRow(r: Awaited<ReturnType<ReturnType<typeof notices>['execute']>>[number]): NoticeRow {
  const details = JSON.parse(r.details_json) as { addresses?: string[] };
  return {
    id: r.id,
    centreId: r.centre_id,
    seatId: r.seat_id,
    pcName: r.pc_name,
    kind: 'refused-connections',
    firstAt: r.first_at,
    lastAt: r.last_at,
    count: Number(r.count),
    addresses: details.addresses ?? [],
  };
}

export class SeatRepository {
  constructor(private readonly db: Db) {}

  async createEnrolmentCode(
    actor: Actor,
    code: { codeHash: string; expiresAt: string; uses: number; siteId: string; behindNat?: boolean },
  ): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx
        .insertInto('enrolment_codes')
        .values({
          code_hash: code.codeHash,
          centre_id: actor.centreId,
          site_id: code.siteId,
          created_by: actor.invigilatorId,
          created_at: nowIso(),
          expires_at: code.expiresAt,
          uses_left: code.uses,
          behind_nat: code.behindNat ? 1 : 0,
        })
        .execute();
      await writeAudit(trx, actor, 'enrolment-code.create', null, {
        expiresAt: code.expiresAt,
        uses: code.uses,
        behindNat: code.behindNat === true,
        siteId: code.siteId,
      });
    });
  }

  /** Whether this is a usable code marked for a satellite site behind NAT. */
  async enrolmentCodeBehindNat(codeHash: string, now: string): Promise<boolean> {
    const row = await this.db.kysely
      .selectFrom('enrolment_codes')
      .select('behind_nat')
      .where('code_hash', '=', codeHash)
      .where('uses_left', '>', 0)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row !== undefined && Number(row.behind_nat) === 1;
  }

  /**
   * Uses one enrolment of the code and enrols a new seat (at the code's site) with this credential hash.
   * A PC name that is already enrolled is not replaced: the credential goes into a pending replacement
   * request (and an incident on the seat) for a coordinator to approve; when `maxPending` requests
   * already wait for that seat, nothing is written and the code is not used. Null when the code is
   * unknown, expired or used up.
   */
  async enrolSeat(
    codeHash: string,
    pcName: string,
    credentialHash: string,
    now: string,
    from: { address: string; userAgent: string | null; maxPending: number },
    sittingOf: SittingOf = () => null,
  ): Promise<EnrolResult> {
    try {
      return await this.enrolOnce(codeHash, pcName, credentialHash, now, from, sittingOf);
    } catch (error) {
      // Another process enrolled the same new name at the same moment: this one is a replacement request.
      if (error instanceof ConflictError)
        return this.enrolOnce(codeHash, pcName, credentialHash, now, from, sittingOf);
      throw error;
    }
  }

  private async enrolOnce(
    codeHash: string,
    pcName: string,
    credentialHash: string,
    now: string,
    from: { address: string; userAgent: string | null; maxPending: number },
    sittingOf: SittingOf,
  ): Promise<EnrolResult> {
    const result = await this.db.transaction(async (trx) => {
      const code = await trx
        .selectFrom('enrolment_codes')
        .select(['centre_id', 'site_id'])
        .where('code_hash', '=', codeHash)
        .where('uses_left', '>', 0)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      if (!code) return null;
      const centreId = code.centre_id;
      const existingRaw = await trx
        .selectFrom('seats')
        .selectAll()
        .where('centre_id', '=', centreId)
        .where('pc_name', '=', pcName)
        .executeTakeFirst();
      if (existingRaw) {
        await lockSeats(trx, this.db, [existingRaw.id]);
        const pending = await trx
          .selectFrom('seat_replacements')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('seat_id', '=', existingRaw.id)
          .where('status', '=', 'pending')
          .executeTakeFirst();
        if (Number(pending?.n ?? 0) >= from.maxPending) return { tooManyPending: seatRow(existingRaw) };
      }
      // The use is one conditional UPDATE: two processes cannot both take the last use of a code.
      const used = await trx
        .updateTable('enrolment_codes')
        .set((eb) => ({ uses_left: eb('uses_left', '-', 1) }))
        .where('code_hash', '=', codeHash)
        .where('uses_left', '>', 0)
        .returning('uses_left')
        .executeTakeFirst();
      if (!used) return null;
      const actor = { centreId, invigilatorId: null };
      if (existingRaw) {
        // A PC name already enrolled (a re-imaged PC, or another PC posing as it): the new credential
        // waits for a coordinator; the seat keeps its own until then.
        const seat = seatRow(existingRaw);
        const replacement: ReplacementRow = {
          id: randomUUID(),
          centreId,
          seatId: seat.id,
          pcName,
          address: from.address,
          userAgent: from.userAgent,
          requestedAt: now,
          status: 'pending',
          decidedAt: null,
          decidedBy: null,
        };
        await trx
          .insertInto('seat_replacements')
          .values({
            id: replacement.id,
            centre_id: centreId,
            seat_id: seat.id,
            credential_hash: credentialHash,
            pc_name: pcName,
            address: from.address,
            user_agent: from.userAgent,
            requested_at: now,
            status: 'pending',
            decided_at: null,
            decided_by: null,
          })
          .execute();
        await writeAudit(trx, actor, 'seat.replacement-request', seat.id, {
          pcName,
          address: from.address,
          userAgent: from.userAgent,
          request: replacement.id,
        });
        const where = sittingOf(seat.id);
        const incidentId = await recordIncident(
          trx,
          centreId,
          {
            kind: 'seat-replacement',
            description: `Another PC enrolled as ${pcName} (from ${from.address}${from.userAgent ? `, ${from.userAgent}` : ''}). It cannot report as this seat unless a coordinator approves the replacement; ${pcName} keeps reporting meanwhile.`,
            at: now,
            seatId: seat.id,
            sittingId: where?.sittingId ?? null,
            entryId: where?.entryId ?? null,
          },
          null,
        );
        return { seat, replacement, incidentId };
      }
      const seat: SeatRow = {
        id: randomUUID(),
        centreId,
        siteId: code.site_id,
        pcName,
        place: '',
        credentialHash,
        enrolledAt: now,
      };
      await trx
        .insertInto('seats')
        .values({
          id: seat.id,
          centre_id: centreId,
          site_id: seat.siteId,
          pc_name: pcName,
          place: seat.place,
          credential_hash: credentialHash,
          enrolled_at: now,
        })
        .execute();
      await writeAudit(trx, actor, 'seat.enrol', seat.id, { pcName, address: from.address });
      return { seat, replacement: null, incidentId: null };
    });
    if (!result) return null;
    if (result.tooManyPending) return { tooManyPending: result.tooManyPending };
    return {
      seat: result.seat,
      replacement: result.replacement,
      incident: result.incidentId
        ? ((await incidentsById(this.db.kysely, [result.incidentId]))[0] ?? null)
        : null,
    };
  }

  /** A replacement request by its credential's hash (what a seat connection presents). */
  async replacementByCredential(credentialHash: string): Promise<ReplacementRow | undefined> {
    const row = await replacements(this.db.kysely)
      .where('r.credential_hash', '=', credentialHash)
      .executeTakeFirst();
    return row && replacementRow(row);
  }

  async getReplacement(id: string): Promise<ReplacementRow | undefined> {
    const row = await replacements(this.db.kysely).where('r.id', '=', id).executeTakeFirst();
    return row && replacementRow(row);
  }

  async listReplacements(
    centreId: string,
    query: { pendingOnly: boolean; limit: number; siteIds?: readonly string[] },
  ): Promise<ReplacementRow[]> {
    if (query.siteIds && query.siteIds.length === 0) return [];
    let q = replacements(this.db.kysely).where('r.centre_id', '=', centreId);
    if (query.pendingOnly) q = q.where('r.status', '=', 'pending');
    if (query.siteIds) {
      const siteIds = [...query.siteIds];
      q = q.where('r.seat_id', 'in', (eb) =>
        eb.selectFrom('seats').select('id').where('site_id', 'in', siteIds),
      );
    }
    return (await q.orderBy('r.requested_at', 'desc').limit(query.limit).execute()).map(replacementRow);
  }

  /**
   * Approves (the seat's credential becomes the request's; other pending requests for the seat are
   * superseded) or refuses a pending request, audited, with an incident on the seat. Null when it was
   * no longer pending.
   */
  async decideReplacement(
    actor: Actor,
    id: string,
    decision: 'approved' | 'refused',
    now: string,
    sittingOf: SittingOf = () => null,
  ): Promise<{ replacement: ReplacementRow; seat: SeatRow; incident: IncidentRow } | null> {
    const result = await this.db.transaction(async (trx) => {
      // The claim: only a request still pending changes, once, whichever process gets there first.
      const row = await trx
        .updateTable('seat_replacements')
        .set({ status: decision, decided_at: now, decided_by: actor.invigilatorId })
        .where('id', '=', id)
        .where('centre_id', '=', actor.centreId)
        .where('status', '=', 'pending')
        .returningAll()
        .executeTakeFirst();
      if (!row) return null;
      const seatRaw = await trx
        .selectFrom('seats')
        .selectAll()
        .where('id', '=', row.seat_id)
        .executeTakeFirst();
      if (!seatRaw) throw new Error('seat of a replacement request vanished');
      await lockSeats(trx, this.db, [seatRaw.id]);
      let seat = seatRow(seatRaw);
      const by = actor.invigilatorId
        ? ((
            await trx
              .selectFrom('invigilators')
              .select('name')
              .where('id', '=', actor.invigilatorId)
              .executeTakeFirst()
          )?.name ?? 'A coordinator')
        : 'The console';
      const from = `${row.address}${row.user_agent ? `, ${row.user_agent}` : ''}`;
      if (decision === 'approved') {
        await trx
          .updateTable('seats')
          .set({ credential_hash: row.credential_hash, enrolled_at: now })
          .where('id', '=', seat.id)
          .execute();
        await trx
          .updateTable('seat_replacements')
          .set({ status: 'superseded', decided_at: now, decided_by: actor.invigilatorId })
          .where('seat_id', '=', seat.id)
          .where('status', '=', 'pending')
          .execute();
        seat = { ...seat, credentialHash: row.credential_hash, enrolledAt: now };
      }
      await writeAudit(
        trx,
        actor,
        decision === 'approved' ? 'seat.replacement-approve' : 'seat.replacement-refuse',
        seat.id,
        { request: id, address: row.address },
      );
      const where = sittingOf(seat.id);
      const incidentId = await recordIncident(
        trx,
        actor.centreId,
        {
          kind: 'seat-replacement',
          description:
            decision === 'approved'
              ? `${by} approved the PC that enrolled as ${seat.pcName} from ${from}: it reports as this seat from now on, and the previous PC's credential no longer works.`
              : `${by} refused the PC that enrolled as ${seat.pcName} from ${from}: its credential never works.`,
          at: now,
          seatId: seat.id,
          sittingId: where?.sittingId ?? null,
          entryId: where?.entryId ?? null,
        },
        null,
      );
      const decided = await replacements(trx).where('r.id', '=', id).executeTakeFirstOrThrow();
      return { replacement: replacementRow(decided), seat, incidentId };
    });
    if (!result) return null;
    const [incident] = await incidentsById(this.db.kysely, [result.incidentId]);
    if (!incident) throw new Error('incident vanished after insert');
    return { replacement: result.replacement, seat: result.seat, incident };
  }

  /** Opens a notice of refused connections for a seat, or adds to the open one. */
  async noteRefusedConnections(
    centreId: string,
    seatId: string,
    refusals: { firstAt: string; lastAt: string; count: number; addresses: string[] },
  ): Promise<NoticeRow> {
    const id = await this.db.transaction(async (trx) => {
      await lockSeats(trx, this.db, [seatId]);
      const open = await trx
        .selectFrom('seat_notices')
        .selectAll()
        .where('seat_id', '=', seatId)
        .where('kind', '=', 'refused-connections')
        .where('dismissed_at', 'is', null)
        .executeTakeFirst();
      if (open) {
        const known = JSON.parse(open.details_json) as { addresses: string[] };
        const addresses = [...new Set([...known.addresses, ...refusals.addresses])].slice(
          0,
          NOTICE_ADDRESSES,
        );
        await trx
          .updateTable('seat_notices')
          .set((eb) => ({
            last_at: refusals.lastAt,
            count: eb('count', '+', refusals.count),
            details_json: JSON.stringify({ addresses }),
          }))
          .where('id', '=', open.id)
          .execute();
        return open.id;
      }
      const noticeId = randomUUID();
      await trx
        .insertInto('seat_notices')
        .values({
          id: noticeId,
          centre_id: centreId,
          seat_id: seatId,
          kind: 'refused-connections',
          first_at: refusals.firstAt,
          last_at: refusals.lastAt,
          count: refusals.count,
          details_json: JSON.stringify({ addresses: refusals.addresses.slice(0, NOTICE_ADDRESSES) }),
          dismissed_at: null,
          dismissed_by: null,
        })
        .execute();
      return noticeId;
    });
    return noticeRow(await notices(this.db.kysely).where('n.id', '=', id).executeTakeFirstOrThrow());
  }

  async listNotices(centreId: string, siteIds?: readonly string[]): Promise<NoticeRow[]> {
    if (siteIds && siteIds.length === 0) return [];
    let q = notices(this.db.kysely).where('n.centre_id', '=', centreId).where('n.dismissed_at', 'is', null);
    if (siteIds) q = q.where('s.site_id', 'in', [...siteIds]);
    return (await q.orderBy('n.last_at', 'desc').limit(500).execute()).map(noticeRow);
  }

  async getNotice(id: string): Promise<NoticeRow | undefined> {
    const row = await notices(this.db.kysely).where('n.id', '=', id).executeTakeFirst();
    return row && noticeRow(row);
  }

  /** False when there is no such open notice in the actor's centre. */
  async dismissNotice(actor: Actor, id: string): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      const r = await trx
        .updateTable('seat_notices')
        .set({ dismissed_at: nowIso(), dismissed_by: actor.invigilatorId })
        .where('id', '=', id)
        .where('centre_id', '=', actor.centreId)
        .where('dismissed_at', 'is', null)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return false;
      await writeAudit(trx, actor, 'notice.dismiss', id);
      return true;
    });
  }

  async getSeat(id: string): Promise<SeatRow | undefined> {
    const row = await this.db.kysely.selectFrom('seats').selectAll().where('id', '=', id).executeTakeFirst();
    return row && seatRow(row);
  }

  /** Seats by PC name: every seat, the centre's, or those of some of its sites. */
  async listSeats(centreId?: string, siteIds?: readonly string[]): Promise<SeatRow[]> {
    if (siteIds && siteIds.length === 0) return [];
    let q = this.db.kysely.selectFrom('seats').selectAll();
    if (centreId) q = q.where('centre_id', '=', centreId);
    if (siteIds) q = q.where('site_id', 'in', [...siteIds]);
    return (await q.orderBy('pc_name').execute()).map(seatRow);
  }

  async updateSeatPlace(actor: Actor, seatId: string, place: string): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx
        .updateTable('seats')
        .set({ place })
        .where('id', '=', seatId)
        .where('centre_id', '=', actor.centreId)
        .execute();
      await writeAudit(trx, actor, 'seat.place', seatId, { place });
    });
  }

  /** Moves a seat to another site of the centre. */
  async moveSeat(actor: Actor, seatId: string, siteId: string): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx
        .updateTable('seats')
        .set({ site_id: siteId })
        .where('id', '=', seatId)
        .where('centre_id', '=', actor.centreId)
        .execute();
      await writeAudit(trx, actor, 'seat.site', seatId, { siteId });
    });
  }

  /** Batched: the console writes statuses at most once a second, all in one (relaxed) transaction. */
  async saveSeatStatuses(rows: readonly SeatStatusRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.transaction(
      async (trx) => {
        for (const slice of chunks(rows, 500)) {
          await trx
            .insertInto('seat_status')
            .values(
              slice.map((r) => ({
                seat_id: r.seatId,
                state: r.state,
                status_json: r.statusJson,
                seq: r.seq,
                at: r.at,
                last_seen_at: r.lastSeenAt,
              })),
            )
            .onConflict((oc) =>
              oc.column('seat_id').doUpdateSet((eb) => ({
                state: eb.ref('excluded.state'),
                status_json: eb.ref('excluded.status_json'),
                seq: eb.ref('excluded.seq'),
                at: eb.ref('excluded.at'),
                last_seen_at: eb.ref('excluded.last_seen_at'),
              })),
            )
            .execute();
        }
      },
      { relaxed: true },
    );
  }

  /**
   * The console is alive at `at`, with these seats online (null: the same seats as last noted). Read
   * after a restart to record Seat offline incidents for seats that do not come back.
   */
  async noteConsoleAlive(at: string, onlineSeatIds: readonly string[] | null): Promise<void> {
    await this.db.transaction(
      async (trx) => {
        const instance_id = this.db.instanceId;
        if (onlineSeatIds === null) {
          await trx.updateTable('console_alive').set({ at, instance_id }).where('id', '=', 1).execute();
          return;
        }
        await trx
          .insertInto('console_alive')
          .values({ id: 1, at, online_json: JSON.stringify(onlineSeatIds), instance_id })
          .onConflict((oc) =>
            oc.column('id').doUpdateSet((eb) => ({
              at: eb.ref('excluded.at'),
              online_json: eb.ref('excluded.online_json'),
              instance_id: eb.ref('excluded.instance_id'),
            })),
          )
          .execute();
      },
      { relaxed: true },
    );
  }

  /**
   * The last note. `writerAlive`: the console process that wrote it is still connected to this
   * (PostgreSQL) database, so its seats are its own and online, not seats waiting after a restart.
   */
  async lastConsoleAlive(): Promise<{ at: string; onlineSeatIds: string[]; writerAlive: boolean } | null> {
    const row = await this.db.kysely
      .selectFrom('console_alive')
      .select(['at', 'online_json', 'instance_id'])
      .where('id', '=', 1)
      .executeTakeFirst();
    if (!row) return null;
    let writerAlive = false;
    if (this.db.engine === 'postgres' && row.instance_id && row.instance_id !== this.db.instanceId) {
      const r = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = ${`${CONSOLE_APPLICATION_NAME} ${row.instance_id}`}`.execute(
        this.db.kysely,
      );
      writerAlive = Number(r.rows[0]?.n ?? 0) > 0;
    }
    let ids: unknown;
    try {
      ids = JSON.parse(row.online_json);
    } catch {
      ids = [];
    }
    return {
      at: row.at,
      onlineSeatIds: Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : [],
      writerAlive,
    };
  }

  async loadSeatStatuses(seatIds?: readonly string[]): Promise<SeatStatusRow[]> {
    let q = this.db.kysely.selectFrom('seat_status').selectAll();
    if (seatIds) {
      if (seatIds.length === 0) return [];
      q = q.where('seat_id', 'in', [...seatIds]);
    }
    return (await q.execute()).map((r) => ({
      seatId: r.seat_id,
      state: r.state,
      statusJson: r.status_json,
      seq: Number(r.seq),
      at: r.at,
      lastSeenAt: r.last_seen_at,
    }));
  }
}
