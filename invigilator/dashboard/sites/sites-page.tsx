/**
 * The Sites page (issue 12): the centre's sites with their kind in words and their rooms. The centre
 * coordinator adds and renames sites; a coordinator (the centre's, or a sub-contracted site's own, for
 * that site) adds and renames rooms. Names are rendered as text.
 */
import { useState } from 'preact/hooks';
import { SITE_KINDS, type SiteKind } from '../../../shared/catalogs/sites.ts';
import type { MeResponse } from '../../../shared/schemas/console-api.ts';
import type { SiteView } from '../../../shared/schemas/sites.ts';
import { call } from '../api.ts';
import { Dialog, DialogActions, ErrorLine, Field, PageHeader } from '../components.tsx';
import { useSites } from './site-context.tsx';

const NEW_KINDS = (Object.keys(SITE_KINDS) as SiteKind[]).filter((k) => k !== 'lead');

type Editing =
  | { what: 'site'; site: SiteView }
  | { what: 'room'; site: SiteView; room: { id: string; name: string } | null };

export function SitesPage({ me }: { me: MeResponse }) {
  const sites = useSites();
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<Editing | null>(null);
  const coordinator = me.invigilator.role === 'coordinator';
  return (
    <section id="sites-page">
      <PageHeader title="Sites">
        {sites.centreWide ? (
          <button type="button" class="button primary" id="add-site" onClick={() => setAdding(true)}>
            Add a site
          </button>
        ) : null}
      </PageHeader>
      <p class="muted">
        {sites.centreWide
          ? 'The lead site answers for every site of the centre. Seats, sittings and invigilators belong to one site; an invigilator sees only their own.'
          : 'You work at this site: you see its seats, sittings and incidents only.'}
      </p>
      <table class="table" id="sites-table">
        <thead>
          <tr>
            <th scope="col">Site</th>
            <th scope="col">Kind</th>
            <th scope="col">Rooms</th>
            {coordinator ? <th scope="col">Change</th> : null}
          </tr>
        </thead>
        <tbody>
          {sites.sites.map((site) => (
            <tr key={site.id} data-site={site.name}>
              <th scope="row">{site.name}</th>
              <td>
                {site.kindLabel}
                <span class="field-hint">{SITE_KINDS[site.kind].description}</span>
              </td>
              <td>
                {site.rooms.length === 0 ? (
                  <span class="muted">No rooms yet</span>
                ) : (
                  <ul class="plain-list">
                    {site.rooms.map((room) => (
                      <li key={room.id}>
                        {room.name}{' '}
                        {coordinator ? (
                          <button
                            type="button"
                            class="button ghost small"
                            aria-label={`Rename room ${room.name} at ${site.name}`}
                            onClick={() => setEditing({ what: 'room', site, room })}
                          >
                            Rename
                          </button>
                        ) : null}
                      </li>
                    ))}
                  </ul>
                )}
              </td>
              {coordinator ? (
                <td>
                  <button
                    type="button"
                    class="button ghost small"
                    aria-label={`Add a room to ${site.name}`}
                    onClick={() => setEditing({ what: 'room', site, room: null })}
                  >
                    Add room
                  </button>{' '}
                  {sites.centreWide ? (
                    <button
                      type="button"
                      class="button ghost small"
                      aria-label={`Rename ${site.name}`}
                      onClick={() => setEditing({ what: 'site', site })}
                    >
                      Rename site
                    </button>
                  ) : null}
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
      {adding ? <AddSiteDialog onClose={() => setAdding(false)} onDone={sites.reload} /> : null}
      {editing ? (
        <NameDialog editing={editing} onClose={() => setEditing(null)} onDone={sites.reload} />
      ) : null}
    </section>
  );
}

function AddSiteDialog({ onClose, onDone }: { onClose: () => void; onDone: () => void }) {
  const [name, setName] = useState('');
  const [kind, setKind] = useState<SiteKind>('satellite');
  const [rooms, setRooms] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <Dialog title="Add a site" onClose={onClose}>
      <form
        id="add-site-form"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          try {
            await call('createSite', {
              body: {
                name,
                kind,
                rooms: rooms
                  .split(/[\n,]/)
                  .map((r) => r.trim())
                  .filter(Boolean),
              },
            });
            onDone();
            onClose();
          } catch (err) {
            setError((err as Error).message);
          }
        }}
      >
        <Field label="Name">
          <input id="site-name" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
        </Field>
        <Field label="Kind" hint={SITE_KINDS[kind].description}>
          <select id="site-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as SiteKind)}>
            {NEW_KINDS.map((k) => (
              <option key={k} value={k}>
                {SITE_KINDS[k].label}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Rooms" hint="One a line, or separated by commas. You can add more later.">
          <textarea id="site-rooms" rows={3} value={rooms} onInput={(e) => setRooms(e.currentTarget.value)} />
        </Field>
        <ErrorLine error={error} />
        <DialogActions onCancel={onClose} submit="Add site" id="add-site-save" />
      </form>
    </Dialog>
  );
}

function NameDialog({
  editing,
  onClose,
  onDone,
}: {
  editing: Editing;
  onClose: () => void;
  onDone: () => void;
}) {
  const initial = editing.what === 'site' ? editing.site.name : (editing.room?.name ?? '');
  const [name, setName] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const title =
    editing.what === 'site'
      ? `Rename ${editing.site.name}`
      : editing.room
        ? `Rename room ${editing.room.name}`
        : `Add a room to ${editing.site.name}`;
  return (
    <Dialog title={title} onClose={onClose}>
      <form
        id="name-form"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          try {
            const params = { id: editing.site.id };
            if (editing.what === 'site') await call('renameSite', { params, body: { name } });
            else if (editing.room)
              await call('renameRoom', { params: { ...params, roomId: editing.room.id }, body: { name } });
            else await call('addRoom', { params, body: { name } });
            onDone();
            onClose();
          } catch (err) {
            setError((err as Error).message);
          }
        }}
      >
        <Field
          label="Name"
          hint={
            editing.what === 'room' && editing.room
              ? 'Sittings not yet closed in this room follow the new name; closed records keep the old one.'
              : undefined
          }
        >
          <input id="name-input" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
        </Field>
        <ErrorLine error={error} />
        <DialogActions onCancel={onClose} submit="Save" id="name-save" />
      </form>
    </Dialog>
  );
}
