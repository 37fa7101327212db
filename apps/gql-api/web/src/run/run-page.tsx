import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { describeUserErrors, gql, type UserError } from '../api/graphql';
import { subscribe } from '../api/live';
import { CANCEL_RUN, isTerminal, RUN_DAG, RUN_DETAIL, type Money, type RunDagData, type RunDetailData } from '../api/operations';
import { formatDuration, formatTokens, formatUsd, shortId } from '../format';
import { navigate } from '../route';
import { DagModel, type GraphState } from './dag-model';
import { DagView } from './dag-view';
import { StepPanel } from './step-panel';

// The read model trails the stream by a moment: its tool calls and costs are fetched at most this often while
// the run changes, and again until they agree with the stream's counters.
const DETAIL_INTERVAL_MS = 1000;
const DETAIL_RETRIES = 8;

const useRunGraph = (runId: string) => {
  const model = useRef(new DagModel());
  const [graph, setGraph] = useState<GraphState>(model.current.current());
  const [runCost, setRunCost] = useState<Money | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [missing, setMissing] = useState(false);

  useEffect(() => {
    const m = new DagModel();
    model.current = m;
    setGraph(m.current());
    setMissing(false);
    setError(null);
    let frame = 0;
    let detailTimer: ReturnType<typeof setTimeout> | undefined;
    let detailRuns = 0;
    let detailBusy = false;
    let closed = false;

    // Every event waits for the next animation frame; all that arrived by then is applied at once.
    const scheduleFlush = () => {
      if (frame === 0) {
        frame = requestAnimationFrame(() => {
          frame = 0;
          const next = m.flush();
          if (next) setGraph(next);
        });
      }
    };
    const fetchDetail = async () => {
      detailTimer = undefined;
      if (detailBusy || closed) return;
      detailBusy = true;
      try {
        const data = await gql<RunDetailData>(RUN_DETAIL, { id: runId });
        if (closed) return;
        if (!data.run) {
          // Not projected yet (a run seconds old): look again.
          if (detailRuns < DETAIL_RETRIES) requestDetail(true);
          return;
        }
        m.setDetail(data.run.nodes);
        setRunCost(data.run.cost);
        scheduleFlush();
        // Caught up when every step's tool calls are in the read model; else look again shortly.
        const counts = m.toolCallCounts();
        const behind = data.run.nodes.length < counts.size || data.run.nodes.some((n) => n.toolCalls.length < (counts.get(n.id) ?? 0));
        if (behind && detailRuns < DETAIL_RETRIES) requestDetail(true);
      } catch (e) {
        if (!closed) setError((e as Error).message);
      } finally {
        detailBusy = false;
      }
    };
    const requestDetail = (retry = false) => {
      detailRuns = retry ? detailRuns + 1 : 0;
      detailTimer ??= setTimeout(() => void fetchDetail(), DETAIL_INTERVAL_MS);
    };

    void fetchDetail();
    const stop = subscribe<RunDagData>(RUN_DAG, { runId }, {
      next: (data) => {
        m.push(data.runDag);
        scheduleFlush();
        requestDetail();
      },
      error: ({ code, message }) => {
        // Another organization's run is NOT_FOUND exactly like one that does not exist; a malformed id is
        // BAD_USER_INPUT: to the reader both are "no such run".
        if (code === 'NOT_FOUND' || code === 'BAD_USER_INPUT') setMissing(true);
        else setError(message);
      },
    });
    return () => {
      closed = true;
      stop();
      cancelAnimationFrame(frame);
      clearTimeout(detailTimer);
    };
  }, [runId]);

  return { graph, runCost, error, missing };
};

const CancelRunButton = ({ runId, onNotice }: { runId: string; onNotice: (m: string) => void }) => {
  const [confirming, setConfirming] = useState(false);
  const cancel = async () => {
    try {
      const data = (await gql<{ cancelRun: { canceledStepIds: string[]; errors: UserError[] } }>(CANCEL_RUN, { runId, reason: 'canceled from the web UI' })).cancelRun;
      onNotice(data.errors.length > 0 ? describeUserErrors(data.errors) : `Cancel requested for ${data.canceledStepIds.length} step(s).`);
    } catch (e) {
      onNotice((e as Error).message);
    }
    setConfirming(false);
  };
  return confirming ? (
    <span class="row">
      <button type="button" class="danger" onClick={() => void cancel()}>
        Confirm: cancel run
      </button>
      <button type="button" class="secondary" onClick={() => setConfirming(false)}>
        Keep running
      </button>
    </span>
  ) : (
    <button type="button" class="danger-outline" onClick={() => setConfirming(true)}>
      Cancel run
    </button>
  );
};

/** One run: its DAG growing live, the selected node's detail, and the run's controls. */
export const RunPage = ({ runId, selected }: { runId: string; selected: string | null }) => {
  const { graph, runCost, error, missing } = useRunGraph(runId);
  const [notice, setNotice] = useState<string | null>(null);
  const select = useCallback((id: string | null) => navigate({ page: 'run', runId, selected: id }), [runId]);

  useEffect(() => {
    if (!notice) return undefined;
    const t = setTimeout(() => setNotice(null), 6000);
    return () => clearTimeout(t);
  }, [notice]);

  const run = graph.run;
  const selectedNode = selected ? (graph.byId.get(selected) ?? null) : null;
  const waiting = graph.nodes.filter((n) => n.kind === 'step' && n.status === 'INPUT_REQUIRED');

  if (missing) {
    return (
      <main class="page">
        <p class="error" data-testid="run-missing">
          No run {runId} in this organization.
        </p>
        <a href="#/runs">Back to runs</a>
      </main>
    );
  }
  return (
    <main class="run-page">
      <div class="run-header">
        <a href="#/runs" class="link">
          ← Runs
        </a>
        <h1>
          {run?.rootAgent ?? '…'} <code class="muted" title={runId}>{shortId(runId)}</code>
        </h1>
        {run && (
          <span class={`badge status-${run.status}`} data-testid="run-status">
            {run.status}
          </span>
        )}
        {run && (
          <span class="muted">
            {graph.stepCount} {graph.stepCount === 1 ? 'step' : 'steps'} · {formatTokens(run.inputTokens, run.outputTokens)}
            {runCost ? ` · ${formatUsd(runCost.usd)}` : ''}
            {run.completedAt && run.createdAt ? ` · ${formatDuration(Date.parse(run.completedAt) - Date.parse(run.createdAt))}` : ''}
          </span>
        )}
        <span class="spacer" />
        {run && !isTerminal(run.status) && <CancelRunButton runId={runId} onNotice={setNotice} />}
      </div>
      {waiting.length > 0 && (
        <div class="waiting" data-testid="waiting-inputs">
          Waiting for input:{' '}
          {waiting.map((n) => (
            <button type="button" class="link" key={n.id} onClick={() => select(n.id)}>
              {n.step?.agent} ({shortId(n.id)})
            </button>
          ))}
        </div>
      )}
      {notice && (
        <div class="notice" role="status" data-testid="notice">
          {notice}
        </div>
      )}
      {error && <div class="error" role="alert">{error}</div>}
      <div class="run-body">
        <DagView graph={graph} selectedId={selected} onSelect={select} />
        {selectedNode && <StepPanel node={selectedNode} onClose={() => select(null)} onNotice={setNotice} />}
      </div>
      <Legend />
    </main>
  );
};

const Legend = () => (
  <div class="legend">
    {['SUBMITTED', 'WORKING', 'INPUT_REQUIRED', 'COMPLETED', 'FAILED', 'CANCELED'].map((s) => (
      <span key={s} class={`legend-item status-${s}`}>
        <i /> {s.toLowerCase().replace('_', ' ')}
      </span>
    ))}
    <span class="legend-item">▭ step</span>
    <span class="legend-item">⬚ external agent</span>
    <span class="legend-item">⚙ tool call</span>
  </div>
);
