import { MAX_ASSESSMENTS_PER_DAY, QUALIFICATION_TYPES } from '../catalogs/qualifications.ts';
import {
  type AnomalyFlag,
  type AnomalyRule,
  type AnomalyThresholds,
  type CentreHours,
  DEFAULT_ANOMALY_THRESHOLDS,
  WEEKDAY_NAMES,
} from '../schemas/anomalies.ts';
import {
  attemptCounts,
  type CandidateAttempt,
  FINISH_KIND_LABELS,
  workingMinutes,
} from '../schemas/attempts.ts';
import { attemptStart, extraTimeWarning, gapText, key, ratioWarning, retakeTooSoon } from './centre.ts';

/**
 * The quality assurer's anomaly rules, as pure functions over a centre's history: sittings (with each
 * candidate's attempt) and the incidents at its PCs. Each flag says in plain English why it was
 * raised, with the numbers, and names the sitting to open.
 *
 * The history may reach back before the range (the median, earlier fails and earlier attempts need
 * it); only what happened within the range is flagged. Days and times are the centre's own
 * (`CentreHours.timeZone`).
 */

export interface AnomalySitting {
  id: string;
  room: string;
  startsAt: string;
  invigilatorCount: number;
  attempts: readonly CandidateAttempt[];
}

export interface AnomalyIncident {
  at: string;
  kind: string;
  /** Its label, for the message ("Site blocked"). */
  kindLabel: string;
  sittingId: string | null;
  seatId: string | null;
  pcName: string | null;
}

export interface AnomalyInput {
  sittings: readonly AnomalySitting[];
  incidents: readonly AnomalyIncident[];
  hours: CentreHours;
  /** Calendar days on the centre's clock, inclusive: "2026-03-01" to "2026-03-31". */
  range: { from: string; to: string };
  thresholds?: Partial<AnomalyThresholds>;
  /** Incident kinds that say nothing about a PC (a raised hand, a pause): not counted for it. */
  notSeatTrouble?: ReadonlySet<string>;
}

// ---- the centre's clock ----

export interface LocalTime {
  /** YYYY-MM-DD */
  day: string;
  /** 1 Monday ... 7 Sunday */
  weekday: number;
  /** Minutes since midnight. */
  minutes: number;
  /** "09:30" */
  clock: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** An instant on the centre's clock. */
export function localTime(iso: string, timeZone: string): LocalTime {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'short',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(iso))) parts[p.type] = p.value;
  const hour = Number(parts.hour);
  const minute = Number(parts.minute);
  return {
    day: `${parts.year}-${parts.month}-${parts.day}`,
    weekday: WEEKDAYS[parts.weekday ?? ''] ?? 0,
    minutes: hour * 60 + minute,
    clock: `${parts.hour}:${parts.minute}`,
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** "Tuesday 3 Mar 2026" */
function dayText(t: LocalTime): string {
  const [y, m, d] = t.day.split('-').map(Number);
  return `${WEEKDAY_NAMES[t.weekday - 1] ?? ''} ${d} ${MONTHS[(m ?? 1) - 1]} ${y}`;
}

function clockMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

function daysText(days: readonly number[]): string {
  const sorted = [...days].sort((a, b) => a - b);
  const run = sorted.every((d, i) => i === 0 || d === (sorted[i - 1] ?? 0) + 1);
  if (run && sorted.length > 2) {
    return `${WEEKDAY_NAMES[(sorted[0] ?? 1) - 1]} to ${WEEKDAY_NAMES[(sorted.at(-1) ?? 1) - 1]}`;
  }
  return sorted.map((d) => WEEKDAY_NAMES[d - 1]).join(', ');
}

function hoursText(h: CentreHours): string {
  return `${daysText(h.days)}, ${h.opens} to ${h.closes}`;
}

/** Why a time is outside the centre's hours, or null when it is within them. */
function outsideHours(t: LocalTime, h: CentreHours): string | null {
  if (!h.days.includes(t.weekday)) return `on a ${WEEKDAY_NAMES[t.weekday - 1]}`;
  if (t.minutes < clockMinutes(h.opens)) return `at ${t.clock}, before the centre opens at ${h.opens}`;
  if (t.minutes >= clockMinutes(h.closes)) return `at ${t.clock}, after the centre closes at ${h.closes}`;
  return null;
}

function minutesText(m: number): string {
  const r = Math.round(m);
  return `${r} minute${r === 1 ? '' : 's'}`;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

function assessmentKey(a: Pick<CandidateAttempt, 'qualificationNumber' | 'assessment'>): string {
  return `${key(a.qualificationNumber).toUpperCase()}|${key(a.assessment)}`;
}

function candidateKey(a: Pick<CandidateAttempt, 'registrationNumber'>): string {
  return key(a.registrationNumber);
}

// ---- the rules ----

interface Context {
  hours: CentreHours;
  range: { from: string; to: string };
  t: AnomalyThresholds;
  sittings: Map<string, AnomalySitting>;
  /** Every attempt, with its sitting. */
  attempts: { a: CandidateAttempt; s: AnomalySitting; local: LocalTime }[];
  inRange(day: string): boolean;
}

function flag(
  rule: AnomalyRule,
  message: string,
  at: string,
  s: AnomalySitting | null,
  extra: Partial<AnomalyFlag> = {},
): AnomalyFlag {
  return {
    rule,
    message,
    at,
    sittingId: s?.id ?? null,
    sittingIds: s ? [s.id] : [],
    room: s?.room ?? null,
    entryId: null,
    candidateName: null,
    registrationNumber: null,
    seatId: null,
    pcName: null,
    ...extra,
  };
}

function about(a: CandidateAttempt): Partial<AnomalyFlag> {
  return {
    entryId: a.entryId,
    candidateName: a.candidateName,
    registrationNumber: a.registrationNumber,
    seatId: a.seatId,
    pcName: a.pcName,
  };
}

function who(a: CandidateAttempt): string {
  return `${a.candidateName} (${a.registrationNumber})`;
}

/** Sittings at unusual times: starting outside the centre's hours or on a closed day, or candidates released outside them. */
function unusualTimeFlags(c: Context): AnomalyFlag[] {
  const out: AnomalyFlag[] = [];
  for (const s of c.sittings.values()) {
    const start = localTime(s.startsAt, c.hours.timeZone);
    if (!c.inRange(start.day)) continue;
    const reasons: string[] = [];
    const planned = outsideHours(start, c.hours);
    if (planned) reasons.push(`It was planned to start ${planned}.`);
    const late: string[] = [];
    for (const a of s.attempts) {
      if (!a.releasedAt) continue;
      const r = localTime(a.releasedAt, c.hours.timeZone);
      const why = outsideHours(r, c.hours);
      // Released on the planned (already flagged) day says nothing new; another day does.
      if (why && (!planned || r.day !== start.day)) {
        late.push(`${a.candidateName} ${why}${r.day !== start.day ? ` (${dayText(r)})` : ''}`);
      }
    }
    if (late.length > 0) {
      const shown = late.slice(0, 5).join('; ');
      const more = late.length > 5 ? `; and ${late.length - 5} more` : '';
      reasons.push(`Released to the assessment outside the centre's hours: ${shown}${more}.`);
    }
    if (reasons.length === 0) continue;
    out.push(
      flag(
        'unusual-time',
        `Sitting in ${s.room} on ${dayText(start)} at ${start.clock}. ${reasons.join(' ')} The centre's hours are ${hoursText(c.hours)}.`,
        s.startsAt,
        s,
      ),
    );
  }
  return out;
}

/** Attempts much shorter than the median working time for that assessment (pauses not counted). */
function shortAttemptFlags(c: Context): AnomalyFlag[] {
  const timed = new Map<string, number[]>();
  for (const { a } of c.attempts) {
    const m = workingMinutes(a);
    if (m === null || !attemptCounts(a)) continue;
    const k = assessmentKey(a);
    timed.set(k, [...(timed.get(k) ?? []), m]);
  }
  const out: AnomalyFlag[] = [];
  for (const { a, s, local } of c.attempts) {
    if (!c.inRange(local.day) || !attemptCounts(a)) continue;
    const m = workingMinutes(a);
    const all = timed.get(assessmentKey(a)) ?? [];
    if (m === null || all.length < c.t.shortMinSample) continue;
    const mid = median(all);
    if (mid <= 0 || m >= mid * c.t.shortShare) continue;
    const how = a.finishedHow ? ` Finish: ${FINISH_KIND_LABELS[a.finishedHow].toLowerCase()}.` : '';
    out.push(
      flag(
        'short-attempt',
        `${who(a)} finished "${a.assessment}" in ${minutesText(m)}, ${Math.round((m / mid) * 100)}% of the median of ${minutesText(mid)} over ${all.length} timed attempts (flagged below ${Math.round(c.t.shortShare * 100)}%).${how}`,
        a.finishedAt ?? s.startsAt,
        s,
        about(a),
      ),
    );
  }
  return out;
}

/** Candidates with frequent attempts at the same assessment (and attempt limits for key stage 4 and 5). */
function frequentAttemptFlags(c: Context): AnomalyFlag[] {
  const groups = new Map<string, Context['attempts']>();
  for (const x of c.attempts) {
    if (!attemptCounts(x.a) || x.local.day > c.range.to) continue;
    const k = `${candidateKey(x.a)}|${assessmentKey(x.a)}`;
    groups.set(k, [...(groups.get(k) ?? []), x]);
  }
  const out: AnomalyFlag[] = [];
  for (const group of groups.values()) {
    const sorted = [...group].sort((x, y) => attemptStart(x.a) - attemptStart(y.a));
    const latest = [...sorted].reverse().find((x) => c.inRange(x.local.day));
    const first = sorted[0];
    if (!latest || !first) continue;
    const max = QUALIFICATION_TYPES[first.a.qualificationType].maxAttempts;
    const overLimit = max !== null && sorted.length > max;
    if (sorted.length < c.t.frequentAttempts && !overLimit) continue;
    const dates = sorted.map((x) => dayText(x.local)).join('; ');
    const limit = overLimit
      ? ` A ${QUALIFICATION_TYPES[first.a.qualificationType].label} allows ${max} attempts.`
      : '';
    out.push(
      flag(
        'frequent-attempts',
        `${who(latest.a)} has made ${sorted.length} attempts at "${latest.a.assessment}" (${latest.a.qualificationNumber}): ${dates}.${limit}`,
        latest.a.releasedAt ?? latest.s.startsAt,
        latest.s,
        { ...about(latest.a), sittingIds: [...new Set(sorted.map((x) => x.s.id))] },
      ),
    );
  }
  return out;
}

/** Retakes sooner than the wait after a failed attempt: 48 hours, or 2 for the qualifications the manual lists. */
function retakeFlags(c: Context): AnomalyFlag[] {
  const history = c.attempts.map((x) => x.a);
  const out: AnomalyFlag[] = [];
  for (const { a, s, local } of c.attempts) {
    if (!c.inRange(local.day) || !attemptCounts(a)) continue;
    const soon = retakeTooSoon(a, attemptStart(a), history);
    if (!soon) continue;
    const failedSitting = c.sittings.get(soon.failed.sittingId);
    const failedAt = localTime(
      soon.failed.finishedAt ?? soon.failed.releasedAt ?? soon.failed.startsAt,
      c.hours.timeZone,
    );
    out.push(
      flag(
        'retake-too-soon',
        `${who(a)} retook "${a.assessment}" ${gapText(soon.hours)} after failing it (${dayText(failedAt)} at ${failedAt.clock}); the wait for ${a.qualificationNumber} is ${soon.wait} hours.`,
        a.releasedAt ?? s.startsAt,
        s,
        { ...about(a), sittingIds: [s.id, ...(failedSitting ? [failedSitting.id] : [])] },
      ),
    );
  }
  return out;
}

/** More than two online assessments for one candidate on one day. */
function dailyLimitFlags(c: Context): AnomalyFlag[] {
  const days = new Map<string, Context['attempts']>();
  for (const x of c.attempts) {
    if (!attemptCounts(x.a) || !c.inRange(x.local.day)) continue;
    const k = `${candidateKey(x.a)}|${x.local.day}`;
    days.set(k, [...(days.get(k) ?? []), x]);
  }
  const out: AnomalyFlag[] = [];
  for (const group of days.values()) {
    if (group.length <= MAX_ASSESSMENTS_PER_DAY) continue;
    const sorted = [...group].sort((x, y) => attemptStart(x.a) - attemptStart(y.a));
    const over = sorted[MAX_ASSESSMENTS_PER_DAY] ?? sorted[0];
    const first = sorted[0];
    if (!over || !first) continue;
    const list = sorted
      .map(
        (x) => `"${x.a.assessment}" at ${localTime(x.a.releasedAt ?? x.s.startsAt, c.hours.timeZone).clock}`,
      )
      .join(', ');
    out.push(
      flag(
        'daily-limit',
        `${who(first.a)} took ${sorted.length} online assessments on ${dayText(first.local)}: ${list}. The limit is ${MAX_ASSESSMENTS_PER_DAY} a day.`,
        over.a.releasedAt ?? over.s.startsAt,
        over.s,
        { ...about(over.a), sittingIds: [...new Set(sorted.map((x) => x.s.id))] },
      ),
    );
  }
  return out;
}

/** More than 15 candidates per invigilator (candidates marked absent are not in the room). */
function ratioFlags(c: Context): AnomalyFlag[] {
  const out: AnomalyFlag[] = [];
  for (const s of c.sittings.values()) {
    const start = localTime(s.startsAt, c.hours.timeZone);
    if (!c.inRange(start.day)) continue;
    const present = s.attempts.filter(attemptCounts).length;
    const w = ratioWarning(present, s.invigilatorCount);
    if (!w) continue;
    out.push(
      flag(
        'ratio',
        `Sitting in ${s.room} on ${dayText(start)} at ${start.clock}: ${w.message}`,
        s.startsAt,
        s,
      ),
    );
  }
  return out;
}

/**
 * Extra time over 25% without a recorded reasonable adjustment: planned that way, or taken (working
 * time from release to finish, less recorded pauses, beyond both the time allowed and 125%).
 */
function extraTimeFlags(c: Context): AnomalyFlag[] {
  const out: AnomalyFlag[] = [];
  for (const { a, s, local } of c.attempts) {
    if (!c.inRange(local.day) || !attemptCounts(a)) continue;
    const planned = extraTimeWarning({ ...a, id: a.entryId });
    if (planned) {
      out.push(flag('extra-time', planned.message, s.startsAt, s, about(a)));
      continue;
    }
    if (a.reasonableAdjustment?.trim() || a.durationMinutes <= 0) continue;
    const m = workingMinutes(a);
    const allowed = a.durationMinutes + a.extraMinutes;
    if (m === null || m <= allowed || m <= a.durationMinutes * 1.25) continue;
    const paused =
      a.pausedMs > 0 ? `, less ${minutesText(a.pausedMs / 60_000)} paused` : ', with no pause recorded';
    out.push(
      flag(
        'extra-time',
        `${who(a)} worked on "${a.assessment}" for ${minutesText(m)} (release to finish${paused}); ${minutesText(allowed)} were allowed, and more than 25% over ${minutesText(a.durationMinutes)} needs a recorded reasonable adjustment.`,
        a.finishedAt ?? s.startsAt,
        s,
        about(a),
      ),
    );
  }
  return out;
}

/** Candidates released to the assessment (or with a result) with no identity check before the release. */
function identityFlags(c: Context): AnomalyFlag[] {
  const out: AnomalyFlag[] = [];
  for (const { a, s, local } of c.attempts) {
    if (!c.inRange(local.day) || !attemptCounts(a)) continue;
    const sat =
      a.releasedAt !== null || a.finishedAt !== null || a.outcome === 'passed' || a.outcome === 'failed';
    if (!sat) continue;
    const at = a.pcName ? ` at ${a.pcName}` : '';
    let message: string | null = null;
    if (!a.identityCheckedAt) {
      message = a.releasedAt
        ? `${who(a)} was released to "${a.assessment}"${at} at ${localTime(a.releasedAt, c.hours.timeZone).clock} without an identity check.`
        : `${who(a)} has ${a.outcome === 'not-known' ? 'a finish' : `a result (${a.outcome})`} for "${a.assessment}" but no identity check was recorded.`;
    } else if (a.releasedAt && Date.parse(a.identityCheckedAt) > Date.parse(a.releasedAt) + 60_000) {
      const late = (Date.parse(a.identityCheckedAt) - Date.parse(a.releasedAt)) / 60_000;
      message = `${who(a)} was released to "${a.assessment}"${at} at ${localTime(a.releasedAt, c.hours.timeZone).clock}, ${minutesText(late)} before the identity check.`;
    }
    if (message) out.push(flag('no-identity-check', message, a.releasedAt ?? s.startsAt, s, about(a)));
  }
  return out;
}

/** PCs with many incidents over the range (raised hands, pauses and the like say nothing about a PC). */
function seatIncidentFlags(
  c: Context,
  incidents: readonly AnomalyIncident[],
  ignore: ReadonlySet<string>,
): AnomalyFlag[] {
  const bySeat = new Map<string, AnomalyIncident[]>();
  for (const i of incidents) {
    if (!i.seatId || ignore.has(i.kind) || !c.inRange(localTime(i.at, c.hours.timeZone).day)) continue;
    bySeat.set(i.seatId, [...(bySeat.get(i.seatId) ?? []), i]);
  }
  const out: AnomalyFlag[] = [];
  for (const [seatId, list] of bySeat) {
    if (list.length < c.t.seatIncidents) continue;
    const kinds = new Map<string, number>();
    const sittings = new Map<string, number>();
    for (const i of list) {
      kinds.set(i.kindLabel, (kinds.get(i.kindLabel) ?? 0) + 1);
      if (i.sittingId) sittings.set(i.sittingId, (sittings.get(i.sittingId) ?? 0) + 1);
    }
    const breakdown = [...kinds]
      .sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))
      .map(([label, n]) => `${n} × ${label}`)
      .join(', ');
    const busiest = [...sittings].sort((x, y) => y[1] - x[1])[0]?.[0];
    const s = busiest ? (c.sittings.get(busiest) ?? null) : null;
    const pcName = list.find((i) => i.pcName)?.pcName ?? seatId;
    const sorted = [...list].sort((x, y) => Date.parse(x.at) - Date.parse(y.at));
    const where = sittings.size > 0 ? `, in ${sittings.size} sitting(s)` : '';
    out.push(
      flag(
        'seat-incidents',
        `${pcName} had ${list.length} incidents between ${c.range.from} and ${c.range.to}${where}: ${breakdown} (flagged from ${c.t.seatIncidents}).`,
        sorted[0]?.at ?? '',
        s,
        { seatId, pcName, sittingIds: [...sittings.keys()], ...(s ? {} : { room: null }) },
      ),
    );
  }
  return out;
}

/** Every flag over the range, oldest first. */
export function anomalyReport(input: AnomalyInput): AnomalyFlag[] {
  const tz = input.hours.timeZone;
  const sittings = new Map(input.sittings.map((s) => [s.id, s]));
  const c: Context = {
    hours: input.hours,
    range: input.range,
    t: { ...DEFAULT_ANOMALY_THRESHOLDS, ...input.thresholds },
    sittings,
    attempts: input.sittings.flatMap((s) =>
      s.attempts.map((a) => ({ a, s, local: localTime(a.releasedAt ?? s.startsAt, tz) })),
    ),
    inRange: (day) => day >= input.range.from && day <= input.range.to,
  };
  const flags = [
    ...unusualTimeFlags(c),
    ...shortAttemptFlags(c),
    ...frequentAttemptFlags(c),
    ...retakeFlags(c),
    ...dailyLimitFlags(c),
    ...ratioFlags(c),
    ...extraTimeFlags(c),
    ...identityFlags(c),
    ...seatIncidentFlags(c, input.incidents, input.notSeatTrouble ?? new Set()),
  ];
  return flags.sort((x, y) => Date.parse(x.at) - Date.parse(y.at) || x.rule.localeCompare(y.rule));
}
