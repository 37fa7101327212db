import { useEffect, useState } from 'preact/hooks';
import { gql } from './api/graphql';
import { VIEWER, type ViewerData } from './api/operations';
import { session } from './api/session';
import { useRoute } from './route';
import { RunPage } from './run/run-page';
import { RunsPage } from './runs/runs-page';
import { SignIn } from './sign-in/sign-in';

const useSignedIn = (): boolean => {
  const [signedIn, setSignedIn] = useState(() => session.apiKey() !== null);
  useEffect(() => session.onChange(setSignedIn), []);
  return signedIn;
};

const Header = () => {
  const [viewer, setViewer] = useState<ViewerData['viewer'] | null>(null);
  useEffect(() => {
    gql<ViewerData>(VIEWER)
      .then((d) => setViewer(d.viewer))
      .catch(() => setViewer(null));
  }, []);
  return (
    <header class="top">
      <a href="#/runs" class="brand">
        Shaman
      </a>
      <span class="muted" data-testid="organization">
        {viewer?.organization?.name ?? viewer?.organizationId ?? ''}
        {viewer?.role ? ` · ${viewer.role.toLowerCase()}` : ''}
      </span>
      <span class="spacer" />
      <button type="button" class="secondary" onClick={() => session.signOut()}>
        Sign out
      </button>
    </header>
  );
};

export const App = () => {
  const signedIn = useSignedIn();
  const route = useRoute();
  const [wasSignedIn, setWasSignedIn] = useState(signedIn);
  useEffect(() => {
    if (signedIn) setWasSignedIn(true);
  }, [signedIn]);
  if (!signedIn) return <SignIn reason={wasSignedIn ? 'Signed out: the API key was refused or you signed out.' : null} />;
  return (
    <>
      <Header />
      {route.page === 'run' ? <RunPage key={route.runId} runId={route.runId} selected={route.selected} /> : <RunsPage query={route.query} />}
    </>
  );
};
