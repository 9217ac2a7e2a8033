import { useEffect, useState } from 'preact/hooks';
import type { SittingView } from '../../../shared/schemas/console-api.ts';
import { call } from '../api.ts';
import { ErrorLine, PageHeader } from '../components.tsx';
import { sittingDate, sittingTime } from '../format.ts';
import { useLive } from '../live.ts';
import { SiteFilter, siteQuery, useSites } from '../sites/site-context.tsx';

export function SittingsPage() {
  const live = useLive();
  const sites = useSites();
  const [sittings, setSittings] = useState<SittingView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call('listSittings', { query: siteQuery(sites) }).then(
      (r) => setSittings(r.sittings),
      (e: Error) => setError(e.message),
    );
  }, [live.sittingsVersion, sites.siteId]);
  return (
    <section>
      <PageHeader title="Sittings">
        <SiteFilter />
        <a class="button primary" href="#/sittings/new" id="new-sitting">
          New sitting
        </a>
      </PageHeader>
      <ErrorLine error={error} />
      {sittings && sittings.length === 0 ? (
        <div class="empty">
          <h2>No sittings yet</h2>
          <p>
            A sitting is one room at one time: its invigilators, candidates, assessments and seating plan.
          </p>
        </div>
      ) : null}
      {sittings && sittings.length > 0 ? (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Time</th>
              {sites.centreWide ? <th scope="col">Site</th> : null}
              <th scope="col">Room</th>
              <th scope="col">Candidates</th>
              <th scope="col">Invigilators</th>
              <th scope="col">Identity checked</th>
              <th scope="col">Warnings</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {sittings.map((s) => (
              <tr key={s.id}>
                <td>
                  <a href={`#/sittings/${s.id}`}>{sittingDate(s.startsAt)}</a>
                </td>
                <td>{sittingTime(s.startsAt)}</td>
                {sites.centreWide ? <td>{sites.nameOf(s.siteId)}</td> : null}
                <td>{s.room}</td>
                <td>{s.entries.length}</td>
                <td>{s.invigilators.map((i) => i.name).join(', ') || <span class="warn-text">None</span>}</td>
                <td>
                  {s.entries.filter((e) => e.identity).length} of {s.entries.length}
                </td>
                <td>
                  {s.warnings.length > 0 ? (
                    <span class="warn-text">⚠ {s.warnings.length}</span>
                  ) : (
                    <span class="muted">None</span>
                  )}
                </td>
                <td>{s.closedAt ? 'Closed' : 'Open'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
