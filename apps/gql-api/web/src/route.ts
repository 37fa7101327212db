import { useEffect, useState } from 'preact/hooks';
import type { RunStatus } from './api/operations';
import { RUN_STATUSES } from './api/operations';

// Hash routes (#/runs?…, #/runs/<id>?node=<id>): the server serves one index.html and needs no fallback route,
// and a link to a run (with its filters or selected node) can be shared.

export type RunsQuery = { status: RunStatus[]; agent: string; createdAfter: string; createdBefore: string };
export type Route = { page: 'runs'; query: RunsQuery } | { page: 'run'; runId: string; selected: string | null };

export const EMPTY_QUERY: RunsQuery = { status: [], agent: '', createdAfter: '', createdBefore: '' };

export const parseRoute = (hash: string): Route => {
  const [path = '', search = ''] = hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(search);
  const run = /^\/runs\/([^/]+)$/.exec(path);
  if (run) return { page: 'run', runId: decodeURIComponent(run[1]!), selected: params.get('node') };
  const status = (params.get('status') ?? '').split(',').filter((s): s is RunStatus => (RUN_STATUSES as string[]).includes(s));
  return { page: 'runs', query: { status, agent: params.get('agent') ?? '', createdAfter: params.get('after') ?? '', createdBefore: params.get('before') ?? '' } };
};

export const hrefOf = (route: Route): string => {
  if (route.page === 'run') return `#/runs/${encodeURIComponent(route.runId)}${route.selected ? `?node=${encodeURIComponent(route.selected)}` : ''}`;
  const params = new URLSearchParams();
  if (route.query.status.length) params.set('status', route.query.status.join(','));
  if (route.query.agent) params.set('agent', route.query.agent);
  if (route.query.createdAfter) params.set('after', route.query.createdAfter);
  if (route.query.createdBefore) params.set('before', route.query.createdBefore);
  const search = params.toString();
  return `#/runs${search ? `?${search}` : ''}`;
};

export const navigate = (route: Route): void => {
  const href = hrefOf(route);
  if (location.hash !== href) location.hash = href;
};

export const useRoute = (): Route => {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
};
