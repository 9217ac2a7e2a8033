/**
 * The quality assurer's anomaly report (issue 13): what the awarding body and the EQA look for in a
 * centre's sittings (seeds/000, 003), over a date range, each flag with its reason in plain English and
 * a link to the sitting. Print-ready (A4, see styles.css) and downloadable as CSV. The centre's hours,
 * which the unusual-time rule reads, are a coordinator's setting here. There are no sites yet: a report
 * covers the whole centre.
 */
import { useEffect, useState } from 'preact/hooks';
import { localTime } from '../../../shared/rules/anomalies.ts';
import {
  ANOMALY_RULE_IDS,
  ANOMALY_RULES,
  type AnomalyFlag,
  type AnomalyRule,
  type CentreHours,
  DEFAULT_ANOMALY_THRESHOLDS,
  WEEKDAY_NAMES,
} from '../../../shared/schemas/anomalies.ts';
import type { AnomalyReport } from '../../../shared/schemas/attempts-api.ts';
import type { MeResponse } from '../../../shared/schemas/console-api.ts';
import { call, pathFor } from '../api.ts';
import { ErrorLine, PageHeader } from '../components.tsx';
import { dateTime, todayLocal } from '../format.ts';
import { SiteFilter, siteQuery, useSites } from '../sites/site-context.tsx';

/** What each rule looks for, as the report prints it under the rule's heading. */
const RULE_TEXT: Record<AnomalyRule, string> = {
  'unusual-time':
    'Sittings planned, or candidates released, outside the centre’s hours or on a day it is closed.',
  'short-attempt': `Attempts whose working time (release to finish, less pauses) is under ${Math.round(
    DEFAULT_ANOMALY_THRESHOLDS.shortShare * 100,
  )}% of the median for the same assessment (once ${DEFAULT_ANOMALY_THRESHOLDS.shortMinSample} attempts are timed).`,
  'frequent-attempts': `Candidates with ${DEFAULT_ANOMALY_THRESHOLDS.frequentAttempts} or more attempts at the same assessment, or more than their qualification allows.`,
  'retake-too-soon':
    'Retakes sooner than 48 hours (2 hours for the listed qualifications) after a failed attempt.',
  'daily-limit': 'Candidates who took more than two online assessments on one day.',
  ratio: 'Sittings with more than 15 candidates present per invigilator.',
  'extra-time':
    'Extra time over 25% of the assessment’s duration, planned or taken, with no reasonable adjustment recorded.',
  'no-identity-check':
    'Candidates released to the assessment with no identity check, or checked only after release.',
  'seat-incidents': `PCs with ${DEFAULT_ANOMALY_THRESHOLDS.seatIncidents} or more incidents in the period (raised hands and calls for help not counted).`,
};

function addDays(day: string, n: number): string {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** "3 Mar 2026" */
function dayText(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return `${d} ${MONTHS[(m ?? 1) - 1]} ${y}`;
}

function hoursText(h: CentreHours): string {
  const days = [...h.days].sort((a, b) => a - b);
  const run = days.length > 2 && days.every((d, i) => i === 0 || d === (days[i - 1] ?? 0) + 1);
  const list = run
    ? `${WEEKDAY_NAMES[(days[0] ?? 1) - 1]} to ${WEEKDAY_NAMES[(days.at(-1) ?? 1) - 1]}`
    : days.map((d) => WEEKDAY_NAMES[d - 1]).join(', ');
  return `${list}, ${h.opens} to ${h.closes} (${h.timeZone})`;
}

function rangeFromRoute(route: string): { from: string; to: string } {
  const q = new URLSearchParams(route.split('?')[1] ?? '');
  const to = q.get('to') ?? todayLocal();
  const from = q.get('from') ?? addDays(to, -30);
  return { from, to };
}

export function AnomalyReportPage({ me, route }: { me: MeResponse; route: string }) {
  const range = rangeFromRoute(route);
  const [from, setFrom] = useState(range.from);
  const [to, setTo] = useState(range.to);
  const [report, setReport] = useState<AnomalyReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [hoursSet, setHoursSet] = useState(true);
  const [editing, setEditing] = useState(false);
  const [version, setVersion] = useState(0);
  const sites = useSites();
  const siteRange = { ...range, ...siteQuery(sites) };
  const query = `from=${encodeURIComponent(range.from)}&to=${encodeURIComponent(range.to)}&site=${sites.siteId ?? ''}`;
  // A preset link or the back button changes the range: the date boxes follow it.
  useEffect(() => {
    setFrom(range.from);
    setTo(range.to);
  }, [range.from, range.to]);

  useEffect(() => {
    setReport(null);
    setError(null);
    call('getAnomalyReport', { query: siteRange }).then(
      (r) => setReport(r.report),
      (e: Error) => setError(e.message),
    );
    call('getCentreHours').then(
      (r) => setHoursSet(r.setByCentre),
      () => undefined,
    );
  }, [query, version]);

  const byRule = new Map<AnomalyRule, AnomalyFlag[]>();
  for (const f of report?.flags ?? []) byRule.set(f.rule, [...(byRule.get(f.rule) ?? []), f]);
  const coordinator = me.invigilator.role === 'coordinator';

  return (
    <article class="qa-report" id="anomaly-report">
      <div class="no-print">
        <PageHeader title="Quality assurance report">
          <a
            class="button ghost"
            href={pathFor('getAnomalyReportCsv', { query: siteRange })}
            download
            id="report-csv"
          >
            Download CSV
          </a>
          <button type="button" class="button primary" onClick={() => window.print()} disabled={!report}>
            Print or save as PDF
          </button>
        </PageHeader>
        <form
          class="card report-controls"
          id="report-range"
          onSubmit={(e) => {
            e.preventDefault();
            location.hash = `/report?from=${from}&to=${to}`;
          }}
        >
          <label class="field">
            <span class="field-label">From</span>
            <input
              type="date"
              name="from"
              required
              value={from}
              onInput={(e) => setFrom(e.currentTarget.value)}
            />
          </label>
          <label class="field">
            <span class="field-label">To</span>
            <input type="date" name="to" required value={to} onInput={(e) => setTo(e.currentTarget.value)} />
          </label>
          <SiteFilter />
          <button type="submit" class="button primary">
            Show
          </button>
          <span class="muted small report-presets">
            {[7, 30, 90, 365].map((n) => (
              <a key={n} href={`#/report?from=${addDays(todayLocal(), -n)}&to=${todayLocal()}`}>
                Last {n === 365 ? 'year' : `${n} days`}
              </a>
            ))}
          </span>
        </form>
        {report ? (
          <div class={`card hours-card${hoursSet ? '' : ' unset'}`} id="centre-hours">
            {editing ? (
              <HoursForm
                hours={report.hours}
                onDone={(saved) => {
                  setEditing(false);
                  if (saved) setVersion((v) => v + 1);
                }}
              />
            ) : (
              <p>
                <strong>Centre hours:</strong> <span id="hours-text">{hoursText(report.hours)}</span>
                {hoursSet ? null : (
                  <span class="warn-text"> These are the default hours: set your centre’s own.</span>
                )}{' '}
                {coordinator ? (
                  <button type="button" class="link" id="edit-hours" onClick={() => setEditing(true)}>
                    Change
                  </button>
                ) : (
                  <span class="muted small">(a coordinator sets these)</span>
                )}
              </p>
            )}
          </div>
        ) : null}
      </div>
      <ErrorLine error={error} />
      {!report && !error ? <p class="loading">Loading…</p> : null}
      {report ? (
        <div class="report-body">
          <header class="record-head report-head">
            <div>
              <p class="record-kicker">Quality assurance: anomaly report for online assessments</p>
              <h1>
                {report.centreName}
                {report.site ? `: ${report.site.name} (${report.site.kindLabel})` : ''}
              </h1>
              <p class="report-period">
                {dayText(report.range.from)} to {dayText(report.range.to)}
              </p>
            </div>
            <dl class="record-facts">
              <dt>Sittings</dt>
              <dd id="fact-sittings">{report.sittings}</dd>
              <dt>Attempts</dt>
              <dd>{report.attempts}</dd>
              <dt>Flags</dt>
              <dd id="fact-flags">{report.flags.length}</dd>
              <dt>Centre hours</dt>
              <dd>{hoursText(report.hours)}</dd>
              <dt>Produced</dt>
              <dd>{dateTime(report.generatedAt)}</dd>
            </dl>
          </header>
          <p class="report-intro">
            The awarding body looks for strange patterns of use, unusual times, short completion times and
            frequent attempts at the same test; the external quality assurer does the same on a visit. This
            report applies those checks to this centre’s own records. A flag is a question to be ready to
            answer, not a finding of malpractice. The report covers the whole centre (the console does not
            divide a centre into sites).
          </p>
          <h2 class="visually-hidden">Summary</h2>
          <ul class="report-summary" id="report-summary">
            {ANOMALY_RULE_IDS.map((rule) => {
              const n = byRule.get(rule)?.length ?? 0;
              return (
                <li key={rule} class={n > 0 ? 'flagged' : 'clear'} data-rule={rule} data-count={n}>
                  <a
                    href={n > 0 ? `#/report?${query}` : undefined}
                    onClick={(e) => {
                      if (n === 0) return;
                      e.preventDefault();
                      document.getElementById(`rule-${rule}`)?.scrollIntoView({ behavior: 'smooth' });
                    }}
                  >
                    <span class="summary-count">
                      <span aria-hidden="true">{n > 0 ? '! ' : '✓ '}</span>
                      {n > 0 ? n : 'None'}
                    </span>
                    <span class="summary-label">{ANOMALY_RULES[rule]}</span>
                  </a>
                </li>
              );
            })}
          </ul>
          {report.flags.length === 0 ? (
            <p class="banner ok" id="report-clear">
              Nothing was flagged between {dayText(report.range.from)} and {dayText(report.range.to)}.
            </p>
          ) : null}
          {ANOMALY_RULE_IDS.filter((r) => byRule.has(r)).map((rule) => {
            const flags = byRule.get(rule) ?? [];
            return (
              <section key={rule} class="report-rule" id={`rule-${rule}`} data-rule={rule}>
                <h2>
                  {ANOMALY_RULES[rule]} <span class="rule-count">({flags.length})</span>
                </h2>
                <p class="muted small rule-text">{RULE_TEXT[rule]}</p>
                <table class="table report-table">
                  <thead>
                    <tr>
                      <th scope="col" class="col-when">
                        When
                      </th>
                      <th scope="col">Why it was flagged</th>
                      <th scope="col" class="col-sitting">
                        Sitting
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {flags.map((f, i) => {
                      const t = f.at ? localTime(f.at, report.hours.timeZone) : null;
                      return (
                        <tr key={`${f.sittingId}-${f.entryId}-${i}`} class="flag-row" data-rule={f.rule}>
                          <td class="nowrap">
                            {t ? (
                              <>
                                {dayText(t.day)}
                                <div class="muted small">{t.clock}</div>
                              </>
                            ) : null}
                          </td>
                          <td class="wrap">{f.message}</td>
                          <td>
                            {f.sittingId ? (
                              <a href={`#/sittings/${f.sittingId}`} class="sitting-link">
                                {f.room ?? 'Open'}
                                <span class="print-only"> · {t ? dayText(t.day) : ''}</span>
                                <span class="no-print"> →</span>
                              </a>
                            ) : (
                              <span class="muted">{f.pcName ?? ''}</span>
                            )}
                            {f.pcName && f.sittingId ? <div class="muted small">{f.pcName}</div> : null}
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </section>
            );
          })}
          <footer class="report-foot">
            <p class="muted small">
              Produced by Invigil on {dateTime(report.generatedAt)} from the centre’s records: sittings,
              candidate entries (release, finish, outcome, identity checks) and incidents. Times are on the
              centre’s clock ({report.hours.timeZone}).
            </p>
            <div class="signoff">
              <div>
                <span>Reviewed by (centre)</span>
              </div>
              <div>
                <span>Date</span>
              </div>
            </div>
          </footer>
        </div>
      ) : null}
    </article>
  );
}

function HoursForm({ hours, onDone }: { hours: CentreHours; onDone: (saved: boolean) => void }) {
  const [h, setH] = useState<CentreHours>(hours);
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      id="hours-form"
      class="hours-form"
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          await call('setCentreHours', { body: h });
          onDone(true);
        } catch (err) {
          setError((err as Error).message);
        }
      }}
    >
      <div class="form-row">
        <label class="field">
          <span class="field-label">Opens</span>
          <input
            type="time"
            name="opens"
            required
            value={h.opens}
            onInput={(e) => setH({ ...h, opens: e.currentTarget.value })}
          />
        </label>
        <label class="field">
          <span class="field-label">Closes</span>
          <input
            type="time"
            name="closes"
            required
            value={h.closes}
            onInput={(e) => setH({ ...h, closes: e.currentTarget.value })}
          />
        </label>
        <label class="field">
          <span class="field-label">Time zone</span>
          <input
            name="timeZone"
            required
            value={h.timeZone}
            onInput={(e) => setH({ ...h, timeZone: e.currentTarget.value })}
          />
        </label>
      </div>
      <fieldset class="choices days">
        <legend>Open on</legend>
        {WEEKDAY_NAMES.map((name, i) => {
          const day = i + 1;
          return (
            <label key={name} class="choice">
              <input
                type="checkbox"
                name={`day-${day}`}
                checked={h.days.includes(day)}
                onChange={(e) =>
                  setH({
                    ...h,
                    days: e.currentTarget.checked ? [...h.days, day].sort() : h.days.filter((d) => d !== day),
                  })
                }
              />
              {name}
            </label>
          );
        })}
      </fieldset>
      <ErrorLine error={error} />
      <div class="form-actions">
        <button type="button" class="button ghost" onClick={() => onDone(false)}>
          Cancel
        </button>
        <button type="submit" class="button primary">
          Save hours
        </button>
      </div>
    </form>
  );
}
