/** The centre's invigilators: name, PIN (printed on every record) and role. Coordinators add them. */
import { useEffect, useState } from 'preact/hooks';
import type { InvigilatorView, MeResponse } from '../../../shared/schemas/console-api.ts';
import { get, post } from '../api.ts';
import { ErrorLine, Field, PageHeader } from '../components.tsx';

export function InvigilatorsPage({ me }: { me: MeResponse }) {
  const [list, setList] = useState<InvigilatorView[]>([]);
  const [form, setForm] = useState({ name: '', pin: '', password: '', role: 'invigilator' });
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const load = () =>
    get<{ invigilators: InvigilatorView[] }>('/api/invigilators').then((r) => setList(r.invigilators));
  useEffect(() => {
    void load();
  }, []);
  const coordinator = me.invigilator.role === 'coordinator';
  return (
    <section>
      <PageHeader title="Invigilators" />
      <table class="table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">PIN</th>
            <th scope="col">Role</th>
          </tr>
        </thead>
        <tbody>
          {list.map((i) => (
            <tr key={i.id}>
              <td>{i.name}</td>
              <td>{i.pin}</td>
              <td>{i.role === 'coordinator' ? 'Centre coordinator' : 'Invigilator'}</td>
            </tr>
          ))}
        </tbody>
      </table>
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
                await post('/api/invigilators', form);
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
              <select value={form.role} onChange={(e) => setForm({ ...form, role: e.currentTarget.value })}>
                <option value="invigilator">Invigilator</option>
                <option value="coordinator">Centre coordinator</option>
              </select>
            </Field>
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
