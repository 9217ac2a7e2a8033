/**
 * The invigilation records of a range of days (issue 12), one site's or the whole centre's: every
 * sitting's record, print-ready one after the other, and the same as one CSV. The heading and the file
 * name say which site (or the whole centre).
 */
import { useEffect, useState } from 'preact/hooks';
import type { RecordsExport } from '../../../shared/schemas/console-api.ts';
import { call, pathFor } from '../api.ts';
import { ErrorLine, PageHeader } from '../components.tsx';
import { RecordSheet } from '../pages/record.tsx';
import { SiteFilter, siteQuery, useSites } from './site-context.tsx';

function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export function RecordsPage() {
  const sites = useSites();
  const [from, setFrom] = useState(today());
  const [to, setTo] = useState(today());
  const [range, setRange] = useState({ from, to });
  const [records, setRecords] = useState<RecordsExport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const query = { ...range, ...siteQuery(sites) };
  useEffect(() => {
    setRecords(null);
    setError(null);
    call('getRecords', { query }).then(setRecords, (e: Error) => setError(e.message));
  }, [range.from, range.to, sites.siteId]);
  const where = records?.site ? `${records.site.name} (${records.site.kindLabel})` : 'All sites';
  return (
    <section class="records" id="records-page">
      <div class="no-print">
        <PageHeader title="Invigilation records">
          <a class="button ghost" href={pathFor('getRecordsCsv', { query })} download id="records-csv">
            Download CSV
          </a>
          <button type="button" class="button primary" onClick={() => window.print()} disabled={!records}>
            Print or save as PDF
          </button>
        </PageHeader>
        <form
          class="card report-controls"
          onSubmit={(e) => {
            e.preventDefault();
            setRange({ from, to });
          }}
        >
          <label class="field">
            <span class="field-label">From</span>
            <input
              type="date"
              id="records-from"
              value={from}
              onInput={(e) => setFrom(e.currentTarget.value)}
            />
          </label>
          <label class="field">
            <span class="field-label">To</span>
            <input type="date" id="records-to" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
          </label>
          <SiteFilter />
          <button type="submit" class="button">
            Show
          </button>
        </form>
      </div>
      <ErrorLine error={error} />
      {records ? (
        <>
          <header class="records-head">
            <p class="record-kicker">Invigilation records: online assessments</p>
            <h1 id="records-heading">
              {records.centre.name}: {where}
            </h1>
            <p>
              Sittings from {records.from} to {records.to}: {records.records.length}.
            </p>
          </header>
          {records.records.length === 0 ? <p class="empty">No sittings in this range.</p> : null}
          {records.records.map((r) => (
            <RecordSheet key={r.sitting.id} record={r} />
          ))}
        </>
      ) : error ? null : (
        <p class="loading">Loading…</p>
      )}
    </section>
  );
}
