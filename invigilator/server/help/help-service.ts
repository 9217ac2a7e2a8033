/**
 * Summon help (issue 13): an invigilator asks from the dashboard without leaving the room; every
 * other member of staff signed in at that site hears it at once on the live channel (`live/help`), and
 * whoever responds acknowledges it. Each request is an incident (*Help summoned*) whose description
 * says who asked, when, and who acknowledged it when.
 *
 * Sites (issue 12): a request belongs to the asker's site when they work at one (an invigilator, or a
 * site's own coordinator), and is recorded in an open sitting of that room at that site only. When the
 * centre coordinator asks, it belongs to the site of the sitting found in that room, else to no site:
 * centre-wide. A site's request reaches that site's dashboards and the centre coordinator's, on every
 * console process (live.ts, live-notices.ts); a centre-wide one reaches everyone at the centre. The
 * list and acknowledging follow the same rule: another site's request is answered 404, as if it did
 * not exist (sites/site-scope.ts).
 */
import { HELP_REASONS } from '../../../shared/catalogs/help-reasons.ts';
import {
  HELP_RECENT_HOURS,
  type HelpRequestCreate,
  type HelpRequestView,
} from '../../../shared/schemas/help.ts';
import { actorOf, type ConsoleContext, type Session } from '../context.ts';
import { HttpError } from '../http-error.ts';
import { centreWide, inScope, siteScope } from '../sites/site-scope.ts';
import type { HelpRequestRow, SittingRow } from '../store/store.ts';

const SITTING_WINDOW_MS = 12 * 3_600_000;

/** Whether the session hears and sees this request: its site's, or a centre-wide one (of no site). */
export function seesHelp(s: Session, r: Pick<HelpRequestRow, 'siteId'>): boolean {
  return r.siteId === null || inScope(s, r.siteId);
}

export function helpView(r: HelpRequestRow): HelpRequestView {
  return {
    id: r.id,
    room: r.room,
    reason: r.reason,
    reasonLabel: HELP_REASONS[r.reason],
    note: r.note,
    askedAt: r.askedAt,
    askedBy: r.askedBy,
    acknowledgedAt: r.acknowledgedAt,
    acknowledgedBy: r.acknowledgedBy,
    incidentId: r.incidentId,
    sittingId: r.sittingId,
  };
}

function hhmmss(iso: string): string {
  return `${iso.slice(11, 19)} UTC`;
}

/** The incident's text: what was asked, by whom, and (once known) who acknowledged it and how soon. */
export function helpDescription(r: {
  room: string;
  reason: HelpRequestRow['reason'];
  note: string | null;
  askedAt: string;
  askedBy: { name: string };
  acknowledgedAt: string | null;
  acknowledgedBy: { name: string } | null;
}): string {
  const asked = `${HELP_REASONS[r.reason]}: help summoned to ${r.room} by ${r.askedBy.name} at ${hhmmss(r.askedAt)}.`;
  const note = r.note ? ` "${r.note}"` : '';
  if (!r.acknowledgedAt || !r.acknowledgedBy) return `${asked}${note} Not yet acknowledged.`;
  const seconds = Math.max(0, Math.round((Date.parse(r.acknowledgedAt) - Date.parse(r.askedAt)) / 1000));
  const after = seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
  return `${asked}${note} Acknowledged by ${r.acknowledgedBy.name} at ${hhmmss(r.acknowledgedAt)} (after ${after}).`;
}

/** The open sitting in that room nearest in time (within 12 hours), so the incident is in its record. */
function sittingInRoom(sittings: readonly SittingRow[], room: string, now: number): SittingRow | null {
  const want = room.trim().toLowerCase();
  let best: SittingRow | null = null;
  for (const s of sittings) {
    if (s.closedAt || s.room.trim().toLowerCase() !== want) continue;
    const d = Math.abs(Date.parse(s.startsAt) - now);
    if (d > SITTING_WINDOW_MS) continue;
    if (!best || d < Math.abs(Date.parse(best.startsAt) - now)) best = s;
  }
  return best;
}

export class HelpService {
  constructor(private readonly ctx: ConsoleContext) {}

  async recent(s: Session): Promise<HelpRequestView[]> {
    const since = new Date(Date.now() - HELP_RECENT_HOURS * 3_600_000).toISOString();
    return (await this.ctx.store.listHelpRequests(s.centreId, since, siteScope(s))).map(helpView);
  }

  async summon(s: Session, body: HelpRequestCreate): Promise<HelpRequestView> {
    const at = new Date().toISOString();
    // Only the sittings the asker sees: help from one site is never recorded in another's sitting.
    const scope = siteScope(s);
    const sittings = await this.ctx.store.listSittings(s.centreId, scope ? { siteIds: scope } : undefined);
    const sitting = sittingInRoom(sittings, body.room, Date.parse(at));
    const siteId = centreWide(s) ? (sitting?.siteId ?? null) : s.siteId;
    const note = body.note ? body.note : null;
    const { request, incident } = await this.ctx.store.createHelpRequest(
      { centreId: s.centreId, invigilatorId: s.invigilatorId },
      { room: body.room, reason: body.reason, note, sittingId: sitting?.id ?? null, siteId, at },
      helpDescription({
        ...body,
        note,
        askedAt: at,
        askedBy: { name: s.name },
        acknowledgedAt: null,
        acknowledgedBy: null,
      }),
    );
    const view = helpView(request);
    this.ctx.live.help(s.centreId, request.siteId, view);
    this.ctx.hub.announceIncidents([incident]);
    return view;
  }

  async acknowledge(s: Session, id: string): Promise<{ request: HelpRequestView; already: boolean }> {
    const existing = await this.ctx.store.getHelpRequest(id);
    if (!existing || existing.centreId !== s.centreId || !seesHelp(s, existing))
      throw new HttpError(404, 'No such request for help.');
    if (existing.askedBy.id === s.invigilatorId && !existing.acknowledgedAt) {
      throw new HttpError(
        409,
        'You asked for this help: someone who comes to the room acknowledges it, so that you know they are on their way.',
      );
    }
    const done = await this.ctx.store.acknowledgeHelpRequest(
      { ...actorOf(s), invigilatorId: s.invigilatorId },
      id,
      new Date().toISOString(),
      helpDescription,
    );
    if (!done) throw new HttpError(404, 'No such request for help.');
    const view = helpView(done.request);
    if (!done.already) {
      this.ctx.live.help(s.centreId, done.request.siteId, view);
      this.ctx.hub.announceIncidents([done.incident]);
    }
    return { request: view, already: done.already };
  }
}
