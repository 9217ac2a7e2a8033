import { useEffect, useRef, useState } from 'preact/hooks';
import { call } from '../api.ts';
import { ErrorLine, Field } from '../components.tsx';

function Shell({
  title,
  intro,
  children,
}: {
  title: string;
  intro: string;
  children: preact.ComponentChildren;
}) {
  return (
    <div class="auth">
      <div class="auth-card">
        <div class="brand auth-brand">
          <span class="brand-mark" aria-hidden="true">
            IV
          </span>
          <strong>Invigil console</strong>
        </div>
        <h1>{title}</h1>
        <p class="muted">{intro}</p>
        {children}
      </div>
    </div>
  );
}

export function SignInPage({ onSignedIn }: { onSignedIn: () => void }) {
  const [name, setName] = useState('');
  const [pin, setPin] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <Shell title="Sign in" intro="Use your invigilator name, your PIN and your password.">
      <form
        id="sign-in"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          try {
            await call('signIn', { body: { name, pin, password } });
            onSignedIn();
          } catch (err) {
            setError((err as Error).message);
          } finally {
            setBusy(false);
          }
        }}
      >
        <Field label="Name">
          <input
            name="name"
            autoComplete="username"
            required
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </Field>
        <Field label="Invigilator PIN">
          <input
            name="pin"
            inputMode="numeric"
            autoComplete="off"
            required
            value={pin}
            onInput={(e) => setPin(e.currentTarget.value)}
          />
        </Field>
        <Field label="Password">
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </Field>
        <ErrorLine error={error} />
        <button type="submit" class="button primary wide" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </Shell>
  );
}

export function SetupPage({ token, onDone }: { token: string; onDone: () => void }) {
  const [form, setForm] = useState({ centreName: '', name: '', pin: '', password: '', confirm: '' });
  const [error, setError] = useState<string | null>(null);
  const set = (k: keyof typeof form) => (e: { currentTarget: HTMLInputElement }) =>
    setForm({ ...form, [k]: e.currentTarget.value });
  return (
    <Shell
      title="Set up your centre"
      intro="This one-time page creates the first invigilator account, a centre coordinator who can add the others."
    >
      <form
        id="setup"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          if (form.password !== form.confirm) {
            setError('The two passwords are different.');
            return;
          }
          try {
            const { confirm: _confirm, ...rest } = form;
            await call('completeSetup', { body: { token, ...rest } });
            onDone();
          } catch (err) {
            setError((err as Error).message);
          }
        }}
      >
        <Field label="Centre name">
          <input name="centreName" required value={form.centreName} onInput={set('centreName')} />
        </Field>
        <Field label="Your name">
          <input name="name" autoComplete="username" required value={form.name} onInput={set('name')} />
        </Field>
        <Field
          label="Your invigilator PIN"
          hint="As issued by the awarding body: it goes on every invigilation record."
        >
          <input name="pin" required value={form.pin} onInput={set('pin')} />
        </Field>
        <Field label="Password" hint="At least 10 characters.">
          <input
            name="password"
            type="password"
            autoComplete="new-password"
            required
            value={form.password}
            onInput={set('password')}
          />
        </Field>
        <Field label="Password again">
          <input
            name="confirm"
            type="password"
            autoComplete="new-password"
            required
            value={form.confirm}
            onInput={set('confirm')}
          />
        </Field>
        <ErrorLine error={error} />
        <button type="submit" class="button primary wide">
          Create account and sign in
        </button>
      </form>
    </Shell>
  );
}

/**
 * `#/link/<token>`: a one-time sign-in link made by a coordinator. The token leaves the address bar
 * (and so the history) before it is used; the console answers with the usual session cookie.
 */
export function SignInLinkPage({ token, onSignedIn }: { token: string; onSignedIn: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    history.replaceState(null, '', `${location.pathname}${location.search}`);
    call('useSignInLink', { body: { token } }).then(onSignedIn, (err: Error) => setError(err.message));
  }, [token, onSignedIn]);
  if (!error) return <p class="loading">Signing you in…</p>;
  return (
    <Shell title="This sign-in link cannot be used" intro="Sign-in links work once, for a short time.">
      <div id="sign-in-link-refused">
        <p class="error" role="alert">
          {error}
        </p>
        <a class="button primary wide" href="#/">
          Sign in with name, PIN and password
        </a>
      </div>
    </Shell>
  );
}
