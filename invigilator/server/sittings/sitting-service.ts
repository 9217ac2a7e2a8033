/** Sittings: planning (with the centre rules' warnings), identity checks, outcomes, closing. */
import type { z } from 'zod';
import { sittingWarnings } from '../../../shared/rules/centre.ts';
import type {
  IdentityConfirmSchema,
  OutcomeSchema,
  RuleWarningSchema,
  SittingInput,
  SittingView,
} from '../../../shared/schemas/console-api.ts';
import { actorOf, type ConsoleContext, type Session, sameCentre } from '../context.ts';
import { endPausesOfSitting } from '../hands-and-pauses/hands-and-pauses-service.ts';
import { HttpError } from '../http-error.ts';
import { listScope } from '../sites/site-scope.ts';
import { SiteService } from '../sites/site-service.ts';
import type { SittingRow } from '../store/store.ts';

type RuleWarning = z.infer<typeof RuleWarningSchema>;
/** A sitting as the form has it before saving: its entries may not have ids yet. */
export type SittingDraft = SittingInput & { id?: string | undefined };

export class SittingService {
  constructor(private readonly ctx: ConsoleContext) {}

  async warnings(
    centreId: string,
    sitting: { id: string; startsAt: string; invigilatorCount: number; entries: SittingRow['entries'] },
  ): Promise<RuleWarning[]> {
    const history = await this.ctx.store.attemptsFor(
      centreId,
      sitting.entries.map((e) => e.registrationNumber),
    );
    return sittingWarnings(sitting, history);
  }

  async view(row: SittingRow): Promise<SittingView> {
    return {
      id: row.id,
      siteId: row.siteId,
      room: row.room,
      startsAt: row.startsAt,
      closedAt: row.closedAt,
      invigilators: row.invigilators,
      entries: row.entries.map((e) => ({
        id: e.id,
        candidateName: e.candidateName,
        registrationNumber: e.registrationNumber,
        qualificationNumber: e.qualificationNumber,
        qualificationType: e.qualificationType,
        assessment: e.assessment,
        durationMinutes: e.durationMinutes,
        extraMinutes: e.extraMinutes,
        reasonableAdjustment: e.reasonableAdjustment,
        seatId: e.seatId,
        outcome: e.outcome,
        identity: e.identity,
        releasedAt: e.releasedAt,
        finishedAt: e.finishedAt,
        finishedHow: e.finishedHow,
      })),
      warnings: await this.warnings(row.centreId, {
        id: row.id,
        startsAt: row.startsAt,
        invigilatorCount: row.invigilators.length,
        entries: row.entries,
      }),
      createdBy: row.createdBy,
      createdAt: row.createdAt,
    };
  }

  /** The sitting, or 404 (also when it is another site's than the session sees; 403 when another centre's). */
  async load(s: Session, id: string): Promise<SittingRow> {
    return sameCentre(s, await this.ctx.store.getSitting(id), 'sitting');
  }

  async get(s: Session, id: string): Promise<SittingView> {
    return this.view(await this.load(s, id));
  }

  async list(s: Session, siteId?: string): Promise<SittingView[]> {
    const scope = listScope(s, siteId);
    const rows = await this.ctx.store.listSittings(s.centreId, scope ? { siteIds: scope } : {});
    return Promise.all(rows.map((r) => this.view(r)));
  }

  async create(s: Session, input: SittingInput): Promise<SittingView> {
    const siteId = await new SiteService(this.ctx).siteFor(s, input.siteId);
    await this.checkReferences(s, input, siteId ?? (await this.leadSiteId(s)));
    const id = await this.ctx.store.createSitting(actorOf(s), input, siteId);
    await this.changed(s, id, true);
    return this.get(s, id);
  }

  /** The warnings a sitting would have, before saving it (the form shows them as you type). */
  async check(s: Session, input: SittingDraft): Promise<RuleWarning[]> {
    return this.warnings(s.centreId, {
      id: input.id ?? 'new-sitting',
      startsAt: input.startsAt,
      invigilatorCount: input.invigilatorIds.length,
      entries: input.entries.map((e, i) => ({
        ...e,
        id: e.id ?? `new-${i}`,
        sittingId: input.id ?? 'new-sitting',
        position: i,
        qualificationType: e.qualificationType ?? 'other',
        extraMinutes: e.extraMinutes ?? 0,
        reasonableAdjustment: e.reasonableAdjustment ?? null,
        seatId: e.seatId ?? null,
        outcome: 'not-known',
        identity: null,
        releasedAt: null,
        finishedAt: null,
        finishedHow: null,
      })),
    });
  }

  async update(s: Session, id: string, input: SittingInput): Promise<SittingView> {
    const existing = await this.load(s, id);
    if (existing.closedAt)
      throw new HttpError(409, 'This sitting is closed; its record can no longer change.');
    if (input.siteId && input.siteId !== existing.siteId)
      throw new HttpError(400, 'siteId: a sitting keeps the site it was planned at', 'siteId');
    await this.checkReferences(s, input, existing.siteId);
    await this.ctx.store.updateSitting(actorOf(s), id, input);
    await this.changed(s, id, true);
    return this.get(s, id);
  }

  async close(s: Session, id: string): Promise<SittingView> {
    await this.load(s, id);
    const closedAt = new Date().toISOString();
    await this.ctx.store.closeSitting(actorOf(s), id, closedAt);
    // Pauses still open end with the sitting (issue 13), so the record says how long they lasted.
    await endPausesOfSitting(this.ctx, actorOf(s), s.centreId, id, closedAt);
    await this.changed(s, id, true);
    return this.get(s, id);
  }

  /** The identity check: the invigilator confirms the right candidate is at the right PC; the seat is released. */
  async confirmIdentity(
    s: Session,
    id: string,
    entryId: string,
    body: z.output<typeof IdentityConfirmSchema>,
  ): Promise<SittingView> {
    const { sitting, entry } = await this.entryOf(s, id, entryId);
    if (sitting.closedAt) throw new HttpError(409, 'This sitting is closed.');
    if (!entry.seatId)
      throw new HttpError(409, 'Give the candidate a seat first: the identity check is made at the PC.');
    const seat = this.ctx.hub.seatRow(entry.seatId);
    await this.ctx.store.confirmIdentity(actorOf(s), entry.id, {
      method: body.method,
      note: body.note ?? null,
      pcName: seat?.pcName ?? null,
      at: new Date().toISOString(),
    });
    await this.changed(s, sitting.id, true);
    return this.get(s, sitting.id);
  }

  async revokeIdentity(s: Session, id: string, entryId: string): Promise<SittingView> {
    const { sitting, entry } = await this.entryOf(s, id, entryId);
    await this.ctx.store.revokeIdentity(actorOf(s), entry.id, new Date().toISOString());
    await this.changed(s, sitting.id, true);
    return this.get(s, sitting.id);
  }

  /** The outcome is the coordinator's to enter (issue 13; the route's access says so), by hand or from the results CSV. */
  async setOutcome(
    s: Session,
    id: string,
    entryId: string,
    outcome: z.output<typeof OutcomeSchema>,
  ): Promise<SittingView> {
    const { sitting, entry } = await this.entryOf(s, id, entryId);
    await this.ctx.store.setOutcome(actorOf(s), entry.id, outcome);
    await this.changed(s, sitting.id, false);
    return this.get(s, sitting.id);
  }

  private async entryOf(s: Session, id: string, entryId: string) {
    const sitting = await this.load(s, id);
    const entry = sitting.entries.find((e) => e.id === entryId);
    if (!entry) throw new HttpError(404, 'No such candidate in this sitting.');
    return { sitting, entry };
  }

  /** Seats' candidates and gates follow the sitting (when it can change them); dashboards refetch it. */
  private async changed(s: Session, id: string, seats: boolean): Promise<void> {
    if (seats) await this.ctx.hub.refreshAssignments(actorOf(s));
    this.ctx.live.sittingsChanged(s.centreId, [id]);
  }

  private async leadSiteId(s: Session): Promise<string | null> {
    return (await this.ctx.store.listSites(s.centreId)).find((x) => x.kind === 'lead')?.id ?? null;
  }

  /**
   * Invigilators named in a sitting must be of its site (or the centre coordinators), and its seats of
   * its site: a seat elsewhere cannot be given a candidate here, nor released from here. A seat holds
   * one candidate.
   */
  private async checkReferences(s: Session, input: SittingInput, siteId: string | null): Promise<void> {
    const invigilators = new Set(
      (await this.ctx.store.listInvigilators(s.centreId))
        .filter((i) => i.siteId === null || i.siteId === siteId)
        .map((i) => i.id),
    );
    input.invigilatorIds.forEach((id, i) => {
      if (!invigilators.has(id)) {
        throw new HttpError(
          400,
          `invigilatorIds.${i}: not an invigilator of this sitting's site`,
          `invigilatorIds.${i}`,
        );
      }
    });
    const seen = new Map<string, number>();
    for (const [i, e] of input.entries.entries()) {
      if (!e.seatId) continue;
      const seat = this.ctx.hub.seatRow(e.seatId);
      if (!seat || seat.centreId !== s.centreId || seat.siteId !== siteId) {
        throw new HttpError(
          400,
          `entries.${i}.seatId: not a seat of this sitting's site`,
          `entries.${i}.seatId`,
        );
      }
      const other = seen.get(e.seatId);
      if (other !== undefined) {
        throw new HttpError(
          400,
          `entries.${i}.seatId: ${seat.pcName} is already given to candidate ${other + 1}`,
          `entries.${i}.seatId`,
        );
      }
      seen.set(e.seatId, i);
    }
  }
}
