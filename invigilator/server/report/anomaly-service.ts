/**
 * The quality assurer's anomaly report (issue 13; seeds/000 and 003): the centre sees what the
 * awarding body and the EQA will see. The rules are shared/rules/anomalies.ts; this reads the centre's
 * whole history (medians, earlier fails and attempts need it) and flags what happened in the range.
 * The centre's hours are the centre coordinator's setting. A report may be narrowed to one site (issue
 * 12; one's own site is the only one for a site's people): the rules still read the whole centre's
 * history (a retake at another site is still a retake), and the flags kept are those of the site's
 * sittings and seats.
 */
import { incidentKindLabel, NOT_SEAT_TROUBLE_KINDS } from '../../../shared/catalogs/incidents.ts';
import { type AnomalyInput, anomalyReport, localTime } from '../../../shared/rules/anomalies.ts';
import { type PauseSpan, pausedMsFor } from '../../../shared/rules/pauses.ts';
import {
  ANOMALY_RULES,
  type CentreHours,
  CentreHoursSchema,
  DEFAULT_CENTRE_HOURS,
} from '../../../shared/schemas/anomalies.ts';
import type { CandidateAttempt } from '../../../shared/schemas/attempts.ts';
import type { AnomalyReport } from '../../../shared/schemas/attempts-api.ts';
import { actorOf, type ConsoleContext, type Session } from '../context.ts';
import { csvCell } from '../record/record-csv.ts';
import { siteRef } from '../sites/site-service.ts';

export const CENTRE_HOURS_KEY = 'centre-hours';
const DAY_MS = 86_400_000;

export async function centreHours(
  ctx: ConsoleContext,
  centreId: string,
): Promise<{ hours: CentreHours; set: boolean }> {
  const stored = CentreHoursSchema.safeParse(await ctx.store.getCentreSetting(centreId, CENTRE_HOURS_KEY));
  return stored.success ? { hours: stored.data, set: true } : { hours: DEFAULT_CENTRE_HOURS, set: false };
}

/** Every sitting's recorded pauses (seat and room), for the time each attempt was given back. */
async function pausesBySitting(
  ctx: ConsoleContext,
  centreId: string,
  sittings: readonly { id: string }[],
): Promise<Map<string, PauseSpan[]>> {
  const out = new Map<string, PauseSpan[]>();
  for (const s of sittings) out.set(s.id, await ctx.store.listPauses(centreId, s.id));
  return out;
}

export async function buildAnomalyReport(
  ctx: ConsoleContext,
  centreId: string,
  range: { from: string; to: string },
  sites?: readonly string[],
): Promise<AnomalyReport> {
  const { hours } = await centreHours(ctx, centreId);
  const centre = await ctx.store.getCentre(centreId);
  const sittings = await ctx.store.listSittings(centreId);
  const pauses = await pausesBySitting(ctx, centreId, sittings);
  const now = new Date().toISOString();
  const input: AnomalyInput = {
    hours,
    range,
    notSeatTrouble: NOT_SEAT_TROUBLE_KINDS,
    sittings: sittings.map((s) => ({
      id: s.id,
      room: s.room,
      startsAt: s.startsAt,
      invigilatorCount: s.invigilators.length,
      attempts: s.entries.map(
        (e): CandidateAttempt => ({
          sittingId: s.id,
          entryId: e.id,
          candidateName: e.candidateName,
          registrationNumber: e.registrationNumber,
          qualificationNumber: e.qualificationNumber,
          qualificationType: e.qualificationType,
          assessment: e.assessment,
          startsAt: s.startsAt,
          durationMinutes: e.durationMinutes,
          extraMinutes: e.extraMinutes,
          reasonableAdjustment: e.reasonableAdjustment,
          seatId: e.seatId,
          pcName: (e.seatId && ctx.hub.seatRow(e.seatId)?.pcName) || e.identity?.pcName || null,
          identityCheckedAt: e.identity?.confirmedAt ?? null,
          releasedAt: e.releasedAt,
          finishedAt: e.finishedAt,
          finishedHow: e.finishedHow,
          // Time given back: the seat's own pauses and the room's, within release and finish.
          pausedMs: pausedMsFor(e.id, e, pauses.get(s.id) ?? [], now),
          outcome: e.outcome,
        }),
      ),
    })),
    // A day on the centre's clock is within a day of the same UTC date: the rules keep the exact range.
    incidents: (
      await ctx.store.incidentsBetween(
        centreId,
        new Date(Date.parse(range.from) - DAY_MS).toISOString(),
        new Date(Date.parse(range.to) + 2 * DAY_MS).toISOString(),
      )
    ).map((i) => ({
      at: i.at,
      kind: i.kind,
      kindLabel: incidentKindLabel(i.kind),
      sittingId: i.sittingId,
      seatId: i.seatId,
      pcName: i.pcName,
    })),
  };
  const inRange = (iso: string) => {
    const day = localTime(iso, hours.timeZone).day;
    return day >= range.from && day <= range.to;
  };
  const ofSites = (siteId: string | null | undefined) =>
    sites === undefined || (siteId != null && sites.includes(siteId));
  const looked = sittings.filter((s) => inRange(s.startsAt) && ofSites(s.siteId));
  const siteOfSitting = new Map(sittings.map((s) => [s.id, s.siteId]));
  const flags = anomalyReport(input).filter((f) =>
    f.sittingId
      ? ofSites(siteOfSitting.get(f.sittingId))
      : f.seatId
        ? ofSites(ctx.hub.seatRow(f.seatId)?.siteId)
        : sites === undefined,
  );
  const one = sites?.length === 1 ? await ctx.store.getSite(sites[0] as string) : undefined;
  return {
    centreName: centre?.name ?? '',
    site: one ? siteRef(one) : null,
    range: { from: range.from, to: range.to },
    hours,
    generatedAt: new Date().toISOString(),
    sittings: looked.length,
    attempts: looked.reduce((n, s) => n + s.entries.filter((e) => e.outcome !== 'absent').length, 0),
    flags,
  };
}

export function anomalyCsv(report: AnomalyReport, link: (id: string | null) => string): string {
  const header = [
    'When (centre time)',
    'Flag',
    'Why',
    'Room',
    'Candidate',
    'Registration number',
    'PC',
    'Sitting',
  ];
  const lines = [header.map(csvCell).join(',')];
  for (const f of report.flags) {
    const t = f.at ? localTime(f.at, report.hours.timeZone) : null;
    lines.push(
      [
        t ? `${t.day} ${t.clock}` : '',
        ANOMALY_RULES[f.rule],
        f.message,
        f.room,
        f.candidateName,
        f.registrationNumber,
        f.pcName,
        link(f.sittingId),
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** The centre's hours (what the anomaly report measures against): a coordinator's setting. */
export async function setCentreHours(
  ctx: ConsoleContext,
  s: Session,
  hours: CentreHours,
): Promise<{ hours: CentreHours; setByCentre: true }> {
  await ctx.store.setCentreSetting(actorOf(s), CENTRE_HOURS_KEY, hours);
  return { hours, setByCentre: true };
}
