/** One sitting: the seating plan with each seat's live state, identity checks, outcomes, and the record. */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { QUALIFICATION_TYPES } from '../../../shared/catalogs/qualifications.ts';
import type { IncidentView, MeResponse, SittingView } from '../../../shared/schemas/console-api.ts';
import { call, pathFor } from '../api.ts';
import { ErrorLine, PageHeader, StateBadge } from '../components.tsx';
import { clock, sittingDate, sittingTime } from '../format.ts';
import { useLive } from '../live.ts';
import { AttemptCell } from './attempt-cell.tsx';
import { IncidentForm, IncidentTable } from './incidents.tsx';
import { IdentityDialog, type IdentityTarget } from './seat-actions.tsx';

export function SittingDetailPage({ id, me }: { id: string; me: MeResponse }) {
  const live = useLive();
  const [sitting, setSitting] = useState<SittingView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [identity, setIdentity] = useState<IdentityTarget | null>(null);
  const [recording, setRecording] = useState(false);
  const load = useCallback(() => {
    call('getSitting', { params: { id } }).then(
      (r) => setSitting(r.sitting),
      (e: Error) => setError(e.message),
    );
  }, [id]);
  useEffect(load, [load, live.sittingsVersion]);
  const [incidents, setIncidents] = useState<IncidentView[]>([]);
  useEffect(() => {
    call('listIncidents', { query: { sittingId: id, limit: 1000 } }).then(
      (r) => setIncidents([...r.incidents].reverse()),
      () => undefined,
    );
  }, [id, live.incidents.length, recording]);

  if (error) return <ErrorLine error={error} />;
  if (!sitting) return <p class="loading">Loading…</p>;
  const open = !sitting.closedAt;
  const checked = sitting.entries.filter((e) => e.identity).length;
  const coordinator = me.invigilator.role === 'coordinator';

  return (
    <section>
      <PageHeader title={`${sitting.room}`}>
        {open ? (
          <a class="button ghost" href={`#/sittings/${id}/edit`}>
            Edit
          </a>
        ) : null}
        <button type="button" class="button ghost" onClick={() => setRecording(true)}>
          Record an incident
        </button>
        <a class="button ghost" href={pathFor('getRecordCsv', { params: { id } })} download id="export-csv">
          Export CSV
        </a>
        <a class="button primary" href={`#/sittings/${id}/record`} id="open-record">
          Invigilation record
        </a>
      </PageHeader>
      <div class="card facts-row">
        <div>
          <span class="muted">Date</span>
          <strong>{sittingDate(sitting.startsAt)}</strong>
        </div>
        <div>
          <span class="muted">Start</span>
          <strong>{sittingTime(sitting.startsAt)}</strong>
        </div>
        <div>
          <span class="muted">Invigilators</span>
          <strong>
            {sitting.invigilators.length === 0
              ? 'None'
              : sitting.invigilators.map((i) => `${i.name} (PIN ${i.pin})`).join(', ')}
          </strong>
        </div>
        <div>
          <span class="muted">Identity checked</span>
          <strong>
            {checked} of {sitting.entries.length}
          </strong>
        </div>
        <div>
          <span class="muted">Status</span>
          <strong>{open ? 'Open' : `Closed ${clock(sitting.closedAt)}`}</strong>
        </div>
      </div>
      {sitting.warnings.length > 0 ? (
        <div class="banner warn" role="status">
          <strong>Rule warnings ({sitting.warnings.length})</strong>
          <ul>
            {sitting.warnings.map((w) => (
              <li key={`${w.rule}-${w.entryId ?? ''}`}>{w.message}</li>
            ))}
          </ul>
        </div>
      ) : null}
      <h2>Seating plan</h2>
      <table class="table" id="seating-plan">
        <thead>
          <tr>
            <th scope="col">PC</th>
            <th scope="col">Seat state</th>
            <th scope="col">Candidate</th>
            <th scope="col">Assessment</th>
            <th scope="col">Time</th>
            <th scope="col">Identity</th>
            <th scope="col">Attempt</th>
            <th scope="col">Outcome</th>
          </tr>
        </thead>
        <tbody>
          {sitting.entries.map((e) => {
            const seat = e.seatId ? live.seats.get(e.seatId) : undefined;
            return (
              <tr key={e.id} data-candidate={e.registrationNumber}>
                <td>
                  {seat ? (
                    <>
                      <strong>{seat.pcName}</strong>
                      {seat.place ? <div class="muted small">{seat.place}</div> : null}
                    </>
                  ) : (
                    <span class="warn-text">Not assigned</span>
                  )}
                </td>
                <td>
                  {seat ? <StateBadge state={seat.state} /> : null}
                  {seat && seat.reasons.length > 0 && seat.state !== 'ready' ? (
                    <div class="small">{seat.reasons[0]?.message}</div>
                  ) : null}
                </td>
                <td>
                  <strong>{e.candidateName}</strong>
                  <div class="muted small">{e.registrationNumber}</div>
                </td>
                <td>
                  {e.assessment}
                  <div class="muted small">
                    {e.qualificationNumber} · {QUALIFICATION_TYPES[e.qualificationType].label}
                  </div>
                </td>
                <td>
                  {e.durationMinutes} min
                  {e.extraMinutes > 0 ? <div class="small">+{e.extraMinutes} min extra</div> : null}
                </td>
                <td>
                  {e.identity ? (
                    <div>
                      <span class="ok-text">✓ Confirmed {clock(e.identity.confirmedAt)}</span>
                      <div class="muted small">by {e.identity.confirmedBy}</div>
                      {open ? (
                        <button
                          type="button"
                          class="link small"
                          onClick={async () => {
                            await call('revokeIdentity', { params: { id, entryId: e.id } });
                            load();
                          }}
                        >
                          Withdraw (hold the seat)
                        </button>
                      ) : null}
                    </div>
                  ) : open && e.seatId ? (
                    <button
                      type="button"
                      class="button primary small"
                      onClick={() =>
                        setIdentity({
                          sittingId: id,
                          entryId: e.id,
                          candidateName: e.candidateName,
                          registrationNumber: e.registrationNumber,
                          pcName: seat?.pcName ?? 'the PC',
                        })
                      }
                    >
                      Check identity
                    </button>
                  ) : (
                    <span class="muted">Not confirmed</span>
                  )}
                </td>
                <td>
                  <AttemptCell sittingId={id} entry={e} open={open} onChanged={load} />
                </td>
                <td>
                  <select
                    aria-label={`Outcome for ${e.candidateName}`}
                    title={coordinator ? undefined : 'A coordinator enters the outcome'}
                    disabled={!coordinator}
                    value={e.outcome}
                    onChange={async (ev) => {
                      await call('setOutcome', {
                        params: { id, entryId: e.id },
                        body: {
                          outcome: ev.currentTarget.value as SittingView['entries'][number]['outcome'],
                        },
                      });
                      load();
                    }}
                  >
                    <option value="not-known">Not known yet</option>
                    <option value="passed">Passed</option>
                    <option value="failed">Failed</option>
                    <option value="absent">Absent</option>
                  </select>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {open ? (
        <p>
          <button
            type="button"
            class="button ghost"
            onClick={async () => {
              if (!confirm('Close this sitting? Its seats are held and its record can no longer change.'))
                return;
              await call('closeSitting', { params: { id } });
              load();
            }}
          >
            Close the sitting
          </button>
        </p>
      ) : null}
      <h2>Incidents in this sitting ({incidents.length})</h2>
      {incidents.length === 0 ? <p class="muted">None so far.</p> : <IncidentTable incidents={incidents} />}
      {identity ? (
        <IdentityDialog
          target={identity}
          onClose={() => {
            setIdentity(null);
            load();
          }}
        />
      ) : null}
      {recording ? <IncidentForm sitting={sitting} onClose={() => setRecording(false)} /> : null}
    </section>
  );
}
