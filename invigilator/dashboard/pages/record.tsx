/** The invigilation record, print-ready (print to PDF): every field the awarding body requires. */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { QUALIFICATION_TYPES } from '../../../shared/catalogs/qualifications.ts';
import type { InvigilationRecord } from '../../../shared/schemas/console-api.ts';
import { call, pathFor } from '../api.ts';
import { ErrorLine } from '../components.tsx';
import { clock, dateTime, repeats, sittingDate, sittingTime } from '../format.ts';
import { RecordHandsAndPauses } from './record-hands-and-pauses.tsx';

const METHOD: Record<string, string> = {
  'photo-id': 'Photo ID',
  'known-to-invigilator': 'Known to invigilator',
  other: 'Other',
};

export function RecordPage({ id }: { id: string }) {
  const [record, setRecord] = useState<InvigilationRecord | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call('getRecord', { params: { id } }).then(
      (r) => setRecord(r.record),
      (e: Error) => setError(e.message),
    );
  }, [id]);
  if (error) return <ErrorLine error={error} />;
  if (!record) return <p class="loading">Loading…</p>;
  return <RecordSheet record={record} toolbar={<RecordToolbar id={id} />} />;
}

function RecordToolbar({ id }: { id: string }) {
  return (
    <div class="record-toolbar no-print">
      <a class="button ghost" href={`#/sittings/${id}`}>
        ← Back to the sitting
      </a>
      <a class="button ghost" href={pathFor('getRecordCsv', { params: { id } })} download>
        Download CSV
      </a>
      <button type="button" class="button primary" onClick={() => window.print()}>
        Print or save as PDF
      </button>
    </div>
  );
}

/** One sitting's record as printed (the Records page prints several, one after the other). */
export function RecordSheet({
  record,
  toolbar,
}: {
  record: InvigilationRecord;
  toolbar?: ComponentChildren;
}) {
  const s = record.sitting;
  const seat = (sid: string | null) => (sid ? record.seats[sid] : undefined);
  return (
    <article class="record" id={toolbar ? 'record' : undefined} data-sitting={s.id}>
      {toolbar}
      <header class="record-head">
        <div>
          <p class="record-kicker">Invigilation record: online assessments</p>
          <h1>{record.centre.name}</h1>
        </div>
        <dl class="record-facts">
          {record.site ? (
            <>
              <dt>Site</dt>
              <dd class="record-site">
                {record.site.name} ({record.site.kindLabel})
              </dd>
            </>
          ) : null}
          <dt>Room</dt>
          <dd>{s.room}</dd>
          <dt>Date</dt>
          <dd>{sittingDate(s.startsAt)}</dd>
          <dt>Start time</dt>
          <dd>{sittingTime(s.startsAt)}</dd>
          <dt>Status</dt>
          <dd>{s.closedAt ? `Closed ${dateTime(s.closedAt)}` : 'Open (in progress)'}</dd>
        </dl>
      </header>

      <h2>Invigilators</h2>
      <table class="table record-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Invigilator PIN</th>
            <th scope="col">Signature</th>
          </tr>
        </thead>
        <tbody>
          {s.invigilators.length === 0 ? (
            <tr>
              <td colSpan={3}>No invigilator recorded.</td>
            </tr>
          ) : (
            s.invigilators.map((i) => (
              <tr key={i.id}>
                <td>{i.name}</td>
                <td>{i.pin}</td>
                <td class="signature" />
              </tr>
            ))
          )}
        </tbody>
      </table>

      <h2>Candidates, assessments and seating plan</h2>
      <table class="table record-table">
        <thead>
          <tr>
            <th scope="col">PC (place)</th>
            <th scope="col">Candidate</th>
            <th scope="col">Registration no.</th>
            <th scope="col">Assessment attempted</th>
            <th scope="col">Duration</th>
            <th scope="col">Identity confirmed</th>
          </tr>
        </thead>
        <tbody>
          {s.entries.map((e) => (
            <tr key={e.id}>
              <td>
                {seat(e.seatId)?.pcName ?? 'Not assigned'}
                {seat(e.seatId)?.place ? <div class="small">{seat(e.seatId)?.place}</div> : null}
              </td>
              <td>{e.candidateName}</td>
              <td>{e.registrationNumber}</td>
              <td>
                {e.assessment}
                <div class="small">
                  {e.qualificationNumber} · {QUALIFICATION_TYPES[e.qualificationType].label}
                </div>
              </td>
              <td>
                {e.durationMinutes} min
                {e.extraMinutes > 0 ? (
                  <div class="small">
                    +{e.extraMinutes} min extra
                    {e.reasonableAdjustment ? ` (RA: ${e.reasonableAdjustment})` : ''}
                  </div>
                ) : null}
              </td>
              <td>
                {e.identity ? (
                  <>
                    ✓ {clock(e.identity.confirmedAt)} by {e.identity.confirmedBy}
                    <div class="small">
                      {METHOD[e.identity.method] ?? e.identity.method}
                      {e.identity.note ? `: ${e.identity.note}` : ''}
                    </div>
                  </>
                ) : (
                  'Not confirmed'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Incidents ({record.incidents.length})</h2>
      {record.incidents.length === 0 ? (
        <p>No incidents recorded.</p>
      ) : (
        <table class="table record-table" id="record-incidents">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Type</th>
              <th scope="col">PC</th>
              <th scope="col">Candidate</th>
              <th scope="col">What happened</th>
              <th scope="col">Recorded by</th>
            </tr>
          </thead>
          <tbody>
            {record.incidents.map((i) => (
              <tr key={i.id}>
                <td class="nowrap">{clock(i.at)}</td>
                <td>{i.kindLabel}</td>
                <td class="nowrap">{i.pcName ?? '—'}</td>
                <td>{i.candidateName ?? '—'}</td>
                <td class="wrap">
                  {i.description}
                  {repeats(i) ? <div class="repeats">{repeats(i)}</div> : null}
                </td>
                <td>{i.recordedBy ?? 'Automatic'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <RecordHandsAndPauses record={record} />

      <h2>Rule warnings</h2>
      {s.warnings.length === 0 ? (
        <p>None: ratio, daily limit, retake waits, attempt limits and extra time all within the rules.</p>
      ) : (
        <ul>
          {s.warnings.map((w) => (
            <li key={`${w.rule}-${w.entryId ?? ''}`}>{w.message}</li>
          ))}
        </ul>
      )}
      <footer class="record-foot">
        Generated by Invigil on {dateTime(record.generatedAt)} for {record.generatedBy}. Sitting created by{' '}
        {s.createdBy} on {dateTime(s.createdAt)}.
      </footer>
    </article>
  );
}
