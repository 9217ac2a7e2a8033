/** Incidents: automatic ones from seats and the ones invigilators record, newest first, live. */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { MANUAL_INCIDENT_KINDS } from '../../../shared/catalogs/incidents.ts';
import type { IncidentView, SittingView } from '../../../shared/schemas/console-api.ts';
import { call } from '../api.ts';
import { Dialog, DialogActions, ErrorLine, Field, PageHeader } from '../components.tsx';
import { dateTime, repeats, sittingDate, sittingTime } from '../format.ts';
import { useLive } from '../live.ts';
import { SiteFilter, siteQuery, useSites } from '../sites/site-context.tsx';

export function IncidentsPage() {
  const live = useLive();
  const sites = useSites();
  const [loaded, setLoaded] = useState<IncidentView[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [recording, setRecording] = useState(false);
  const [refresh, setRefresh] = useState(0);
  useEffect(() => {
    call('listIncidents', { query: { limit: 500, ...siteQuery(sites) } }).then(
      (r) => setLoaded(r.incidents),
      (e: Error) => setError(e.message),
    );
  }, [refresh, sites.siteId]);
  const incidents = useMemo(() => {
    const byId = new Map<string, IncidentView>();
    const live_ = sites.siteId ? live.incidents.filter((i) => i.siteId === sites.siteId) : live.incidents;
    for (const i of [...live_, ...loaded]) if (!byId.has(i.id)) byId.set(i.id, i);
    return [...byId.values()].sort((a, b) => b.at.localeCompare(a.at));
  }, [live.incidents, loaded, sites.siteId]);
  return (
    <section>
      <PageHeader title="Incidents">
        <SiteFilter />
        <button type="button" class="button primary" id="record-incident" onClick={() => setRecording(true)}>
          Record an incident
        </button>
      </PageHeader>
      <ErrorLine error={error} />
      {incidents.length === 0 ? (
        <div class="empty">
          <h2>No incidents</h2>
          <p>
            Seats report blocked sites, lost focus, extra displays and forbidden programs here as they happen.
          </p>
        </div>
      ) : (
        <IncidentTable incidents={incidents} />
      )}
      {recording ? (
        <IncidentForm
          sitting={null}
          onClose={() => {
            setRecording(false);
            setRefresh(refresh + 1);
          }}
        />
      ) : null}
    </section>
  );
}

export function IncidentTable({ incidents }: { incidents: IncidentView[] }) {
  return (
    <table class="table" id="incident-table">
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
        {incidents.map((i) => (
          <tr key={i.id} data-kind={i.kind}>
            <td class="nowrap">{dateTime(i.at)}</td>
            <td>
              <span class={`tag tag-${i.source}`}>{i.kindLabel}</span>
            </td>
            <td class="nowrap">{i.pcName ?? '—'}</td>
            <td>
              {i.candidateName ?? '—'}
              {i.registrationNumber ? <div class="muted small">{i.registrationNumber}</div> : null}
            </td>
            <td class="wrap">
              {i.description}
              {repeats(i) ? <div class="repeats">{repeats(i)}</div> : null}
            </td>
            <td>{i.recordedBy ?? <span class="muted">Automatic</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function IncidentForm({ sitting, onClose }: { sitting: SittingView | null; onClose: () => void }) {
  const [sittings, setSittings] = useState<SittingView[]>(sitting ? [sitting] : []);
  const [sittingId, setSittingId] = useState(sitting?.id ?? '');
  const [entryId, setEntryId] = useState('');
  const [kind, setKind] = useState<keyof typeof MANUAL_INCIDENT_KINDS>('it-issue');
  const [description, setDescription] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (sitting) return;
    call('listSittings').then((r) => {
      const open = r.sittings.filter((s) => !s.closedAt);
      setSittings(open);
      if (open[0]) setSittingId(open[0].id);
    });
  }, [sitting]);
  const current = sittings.find((s) => s.id === sittingId);
  return (
    <Dialog title="Record an incident" onClose={onClose}>
      <form
        id="incident-form"
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            await call('createIncident', {
              body: { kind, description, sittingId: sittingId || null, entryId: entryId || null },
            });
            onClose();
          } catch (err) {
            setError((err as Error).message);
          }
        }}
      >
        <Field label="Type">
          <select name="kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as typeof kind)}>
            {Object.entries(MANUAL_INCIDENT_KINDS).map(([k, label]) => (
              <option key={k} value={k}>
                {label}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Sitting">
          <select name="sittingId" value={sittingId} onChange={(e) => setSittingId(e.currentTarget.value)}>
            <option value="">No sitting</option>
            {sittings.map((s) => (
              <option key={s.id} value={s.id}>
                {s.room}, {sittingDate(s.startsAt)} {sittingTime(s.startsAt)}
              </option>
            ))}
          </select>
        </Field>
        {current ? (
          <Field label="Candidate (optional)">
            <select name="entryId" value={entryId} onChange={(e) => setEntryId(e.currentTarget.value)}>
              <option value="">The whole room</option>
              {current.entries.map((en) => (
                <option key={en.id} value={en.id}>
                  {en.candidateName} ({en.registrationNumber})
                </option>
              ))}
            </select>
          </Field>
        ) : null}
        <Field label="What happened">
          <textarea
            name="description"
            rows={4}
            required
            maxLength={2000}
            value={description}
            onInput={(e) => setDescription(e.currentTarget.value)}
          />
        </Field>
        <ErrorLine error={error} />
        <DialogActions onCancel={onClose} submit="Record" />
      </form>
    </Dialog>
  );
}
