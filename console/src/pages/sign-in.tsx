import { useState } from 'preact/hooks';
import { ErrorBanner } from '../components/async';
import { type Session, signIn } from '../api/session';

/**
 * Sign in with an AccessKey pair. The secret goes to the server once, in the sign-in request,
 * and is forgotten: the form's state is dropped on success and nothing is written to storage.
 */
export function SignInPage(props: { onSignedIn(s: Session): void }) {
  const [id, setId] = useState('');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  return (
    <main class="sign-in">
      <form
        class="card sign-in-card"
        aria-labelledby="sign-in-title"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(undefined);
          try {
            const s = await signIn(id.trim(), secret);
            setSecret('');
            props.onSignedIn(s);
          } catch (err) {
            setError(err);
          } finally {
            setBusy(false);
          }
        }}
      >
        <h1 id="sign-in-title">
          <span class="logo" aria-hidden="true">◆</span> Kiln console
        </h1>
        <p class="hint">Sign in with an AccessKey pair. <code>npm start</code> prints the default account's.</p>
        <label>
          AccessKey ID
          <input name="accessKeyId" autoComplete="username" required value={id} onInput={(e) => setId(e.currentTarget.value)} />
        </label>
        <label>
          AccessKey secret
          <input name="accessKeySecret" type="password" autoComplete="current-password" required value={secret} onInput={(e) => setSecret(e.currentTarget.value)} />
        </label>
        {error ? <ErrorBanner error={error} /> : null}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
