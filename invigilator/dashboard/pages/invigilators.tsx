/**
 * The centre's invigilators: name, PIN (printed on every record) and role. Coordinators add them,
 * and can make a one-time sign-in link for any of them.
 */
import { useEffect, useState } from 'preact/hooks';
import type { InvigilatorView, MeResponse, SignInLinkView } from '../../../shared/schemas/console-api.ts';
import { call } from '../api.ts';
import { ErrorLine, Field, PageHeader } from '../components.tsx';
import { clock } from '../format.ts';
import { SiteSelect, useSites } from '../sites/site-context.tsx';

export function InvigilatorsPage({ me }: { me: MeResponse }) {
  const [siteId, setSiteId] = useState('');
  const [list, setList] = useState<InvigilatorView[]>([]);
  const [form, setForm] = useState<{
    name: string;
    pin: string;
    password: string;
    role: InvigilatorView['role'];
  }>({
    name: '',
    pin: '',
    password: '',
    role: 'invigilator',
  });
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [link, setLink] = useState<SignInLinkView | null>(null);
  const [linkError, setLinkError] = useState<string | null>(null);
  const load = () => call('listInvigilators').then((r) => setList(r.invigilators));
  useEffect(() => {
    void load();
  }, []);
  const coordinator = me.invigilator.role === 'coordinator';
  const sites = useSites();
  const several = sites.sites.length > 1;
  return (
    <section>
      <PageHeader title="Invigilators" />
      <table class="table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">PIN</th>
            <th scope="col">Role</th>
            {several ? <th scope="col">Site</th> : null}
            {coordinator ? (
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {list.map((i) => (
            <tr key={i.id}>
              <td>{i.name}</td>
              <td>{i.pin}</td>
              <td>
                {i.role === 'coordinator'
                  ? i.siteId
                    ? 'Site coordinator'
                    : 'Centre coordinator'
                  : 'Invigilator'}
              </td>
              {several ? (
                <td>
                  {sites.centreWide &&
                  i.id !== me.invigilator.id &&
                  (i.role === 'invigilator' || i.siteId) ? (
                    <select
                      aria-label={`Site of ${i.name}`}
                      data-move-invigilator={i.id}
                      value={i.siteId ?? ''}
                      onChange={async (e) => {
                        setLinkError(null);
                        try {
                          await call('moveInvigilator', {
                            params: { id: i.id },
                            body: { siteId: e.currentTarget.value },
                          });
                        } catch (err) {
                          setLinkError((err as Error).message);
                        }
                        await load();
                      }}
                    >
                      {sites.sites.map((site) => (
                        <option key={site.id} value={site.id}>
                          {site.name}
                        </option>
                      ))}
                    </select>
                  ) : (
                    sites.nameOf(i.siteId) || 'All sites'
                  )}
                </td>
              ) : null}
              {coordinator ? (
                <td class="nowrap">
                  <button
                    type="button"
                    class="button ghost small"
                    data-sign-in-link={i.id}
                    aria-label={`Make a one-time sign-in link for ${i.name}`}
                    onClick={async () => {
                      setLinkError(null);
                      try {
                        setLink(await call('createSignInLink', { params: { id: i.id }, body: {} }));
                      } catch (err) {
                        setLink(null);
                        setLinkError((err as Error).message);
                      }
                    }}
                  >
                    Sign-in link
                  </button>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
      <ErrorLine error={linkError} />
      {link ? (
        <div class="card" id="sign-in-link">
          <h2>Sign-in link for {link.invigilator.name}</h2>
          <p class="muted">
            It signs {link.invigilator.name} in once, until {clock(link.expiresAt).slice(0, 5)}. Give it to
            them only: anyone who opens it first is signed in as them.
          </p>
          <input
            class="link-box"
            readOnly
            aria-label={`One-time sign-in link for ${link.invigilator.name}`}
            value={link.url}
            onFocus={(e) => e.currentTarget.select()}
          />
          <p>
            <button
              type="button"
              class="button small"
              onClick={() => void navigator.clipboard?.writeText(link.url)}
            >
              Copy link
            </button>
          </p>
        </div>
      ) : null}
      {coordinator ? (
        <div class="card">
          <h2>Add an invigilator</h2>
          <form
            class="form-grid"
            onSubmit={async (e) => {
              e.preventDefault();
              setError(null);
              setDone(null);
              try {
                await call('createInvigilator', { body: { ...form, ...(siteId ? { siteId } : {}) } });
                setDone(`${form.name} can now sign in.`);
                setForm({ name: '', pin: '', password: '', role: 'invigilator' });
                await load();
              } catch (err) {
                setError((err as Error).message);
              }
            }}
          >
            <Field label="Name">
              <input
                required
                value={form.name}
                onInput={(e) => setForm({ ...form, name: e.currentTarget.value })}
              />
            </Field>
            <Field label="Invigilator PIN">
              <input
                required
                value={form.pin}
                onInput={(e) => setForm({ ...form, pin: e.currentTarget.value })}
              />
            </Field>
            <Field label="First password" hint="At least 10 characters; give it to them in person.">
              <input
                type="password"
                autoComplete="new-password"
                required
                value={form.password}
                onInput={(e) => setForm({ ...form, password: e.currentTarget.value })}
              />
            </Field>
            <Field label="Role">
              <select
                value={form.role}
                onChange={(e) => setForm({ ...form, role: e.currentTarget.value as InvigilatorView['role'] })}
              >
                <option value="invigilator">Invigilator</option>
                <option value="coordinator">Coordinator</option>
              </select>
            </Field>
            <SiteSelect
              id="invigilator-site"
              value={siteId}
              onChange={setSiteId}
              emptyLabel={form.role === 'coordinator' ? 'All sites (centre coordinator)' : 'Lead site'}
              hint={
                form.role === 'coordinator'
                  ? 'A coordinator limited to a sub-contracted delivery site has coordinator powers there only.'
                  : 'They see only this site’s seats, sittings and incidents.'
              }
            />
            <div class="span-all">
              <ErrorLine error={error} />
              {done ? <p class="ok-text">{done}</p> : null}
              <button type="submit" class="button primary">
                Add invigilator
              </button>
            </div>
          </form>
        </div>
      ) : (
        <p class="muted">Only a centre coordinator can add invigilators.</p>
      )}
    </section>
  );
}
