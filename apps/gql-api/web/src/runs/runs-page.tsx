import { useEffect, useRef, useState } from 'preact/hooks';
import { gql } from '../api/graphql';
import { subscribe } from '../api/live';
import { RUN_STATUSES, RUNS, RUNS_UPDATED, type RunRow, type RunsData, type RunStatus } from '../api/operations';
import { formatDuration, formatTime, formatTokens, formatUsd, shortId } from '../format';
import { navigate, type RunsQuery } from '../route';

const PAGE = 50;
const MAX_PAGE = 100;
// runsUpdated can fire for every run of a busy organization: refresh the list at most this often.
const REFRESH_MS = 750;
const TRAILING_REFRESH_MS = 3000;

/** `datetime-local` value (the browser's time zone) → ISO instant, or undefined when empty or invalid. */
const instant = (local: string): string | undefined => {
  if (!local) return undefined;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
};

export const filterOf = (query: RunsQuery): Record<string, unknown> => ({
  ...(query.status.length ? { status: query.status } : {}),
  ...(query.agent.trim() ? { agent: query.agent.trim() } : {}),
  ...(instant(query.createdAfter) ? { createdAfter: instant(query.createdAfter) } : {}),
  ...(instant(query.createdBefore) ? { createdBefore: instant(query.createdBefore) } : {}),
});

const Filters = ({ query }: { query: RunsQuery }) => {
  const [agent, setAgent] = useState(query.agent);
  useEffect(() => setAgent(query.agent), [query.agent]);
  const set = (patch: Partial<RunsQuery>) => navigate({ page: 'runs', query: { ...query, ...patch } });
  const toggle = (status: RunStatus) => set({ status: query.status.includes(status) ? query.status.filter((s) => s !== status) : [...query.status, status] });
  return (
    <form
      class="filters"
      data-testid="filters"
      onSubmit={(e) => {
        e.preventDefault();
        set({ agent });
      }}
    >
      <fieldset>
        <legend>Status</legend>
        {RUN_STATUSES.map((s) => (
          <label key={s} class={`chip status-${s}`}>
            <input type="checkbox" name="status" value={s} checked={query.status.includes(s)} onChange={() => toggle(s)} />
            {s.toLowerCase().replace('_', ' ')}
          </label>
        ))}
      </fieldset>
      <label>
        Agent
        <input name="agent" value={agent} onInput={(e) => setAgent((e.currentTarget as HTMLInputElement).value)} onBlur={() => agent !== query.agent && set({ agent })} placeholder="root agent, exact" />
      </label>
      <label>
        Created after
        <input type="datetime-local" name="after" value={query.createdAfter} onChange={(e) => set({ createdAfter: (e.currentTarget as HTMLInputElement).value })} />
      </label>
      <label>
        before
        <input type="datetime-local" name="before" value={query.createdBefore} onChange={(e) => set({ createdBefore: (e.currentTarget as HTMLInputElement).value })} />
      </label>
      <button type="button" class="secondary" onClick={() => navigate({ page: 'runs', query: { status: [], agent: '', createdAfter: '', createdBefore: '' } })}>
        Clear
      </button>
    </form>
  );
};

/** The organization's runs, newest first, filtered, refreshed live as runs appear and change status. */
export const RunsPage = ({ query }: { query: RunsQuery }) => {
  const [rows, setRows] = useState<RunRow[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const loaded = useRef(PAGE);
  const key = JSON.stringify(filterOf(query));

  useEffect(() => {
    let stale = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let trailing: ReturnType<typeof setTimeout> | undefined;
    loaded.current = PAGE;
    const load = async () => {
      try {
        const data = await gql<RunsData>(RUNS, { first: Math.min(MAX_PAGE, loaded.current), filter: filterOf(query) });
        if (stale) return;
        setRows(data.runs.edges.map((e) => e.node));
        setTotal(data.runs.totalCount);
        setNext(data.runs.pageInfo.hasNextPage ? data.runs.pageInfo.endCursor : null);
        setError(null);
      } catch (e) {
        if (!stale) setError((e as Error).message);
      } finally {
        if (!stale) setLoading(false);
      }
    };
    setLoading(true);
    void load();
    const stop = subscribe(RUNS_UPDATED, {}, {
      next: () => {
        timer ??= setTimeout(() => {
          timer = undefined;
          void load();
        }, REFRESH_MS);
        // The event comes from the stream, the list from the read model, which may not have it yet: look
        // once more when the events have stopped for a while.
        clearTimeout(trailing);
        trailing = setTimeout(() => void load(), TRAILING_REFRESH_MS);
      },
      error: ({ message }) => setError(message),
    });
    return () => {
      stale = true;
      stop();
      clearTimeout(timer);
      clearTimeout(trailing);
    };
    // The filter's JSON is the dependency: a new but equal query object does not reload.
  }, [key]);

  const more = async () => {
    if (!next) return;
    try {
      const data = await gql<RunsData>(RUNS, { first: PAGE, after: next, filter: filterOf(query) });
      setRows((r) => [...r, ...data.runs.edges.map((e) => e.node)]);
      setNext(data.runs.pageInfo.hasNextPage ? data.runs.pageInfo.endCursor : null);
      loaded.current += PAGE;
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <main class="page">
      <h1>Runs {total !== null && <span class="muted" data-testid="runs-total">({total})</span>}</h1>
      <Filters query={query} />
      {error && <div class="error" role="alert">{error}</div>}
      <table class="runs" data-testid="runs">
        <thead>
          <tr>
            <th>Run</th>
            <th>Root agent</th>
            <th>Status</th>
            <th>Steps</th>
            <th>Tokens</th>
            <th>Cost</th>
            <th>Created</th>
            <th>Duration</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} data-testid="run-row" data-run-id={r.id} data-status={r.status} data-agent={r.rootAgent} onClick={() => navigate({ page: 'run', runId: r.id, selected: null })}>
              <td>
                <a href={`#/runs/${r.id}`}>
                  <code>{shortId(r.id)}</code>
                </a>
              </td>
              <td>{r.rootAgent || '–'}</td>
              <td>
                <span class={`badge status-${r.status}`}>{r.status}</span>
              </td>
              <td>{r.stepCount}</td>
              <td>{formatTokens(r.inputTokens, r.outputTokens)}</td>
              <td>{formatUsd(r.cost.usd)}</td>
              <td>{formatTime(r.createdAt)}</td>
              <td>{formatDuration(r.durationMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {!loading && rows.length === 0 && <p class="muted">No runs match.</p>}
      {next && (
        <button type="button" class="secondary" onClick={() => void more()}>
          Load more
        </button>
      )}
    </main>
  );
};
