import { useState } from 'preact/hooks';
import { gql } from '../api/graphql';
import { VIEWER, type ViewerData } from '../api/operations';
import { session } from '../api/session';

/** Asks for an API key, checks it against `viewer`, and keeps it for this tab only. */
export const SignIn = ({ reason }: { reason: string | null }) => {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    const apiKey = key.trim();
    if (!apiKey) return;
    setBusy(true);
    setError(null);
    try {
      await gql<ViewerData>(VIEWER, {}, apiKey);
      session.signIn(apiKey);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in">
      <form onSubmit={(e) => void submit(e)} data-testid="sign-in">
        <h1>Shaman</h1>
        <p class="muted">Sign in with an API key of your organization. It is kept in this tab only.</p>
        <label>
          API key
          <input type="password" autocomplete="off" value={key} onInput={(e) => setKey((e.currentTarget as HTMLInputElement).value)} placeholder="sk_live_…" />
        </label>
        <button type="submit" disabled={busy || !key.trim()}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        {(error ?? reason) && <div class="error" role="alert">{error ?? reason}</div>}
      </form>
    </main>
  );
};
