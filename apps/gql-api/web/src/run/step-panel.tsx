import { useEffect, useMemo, useState } from 'preact/hooks';
import { describeUserErrors, gql, type UserError } from '../api/graphql';
import { CANCEL_STEP, isTerminal, PROVIDE_INPUT, SKIP_INPUT, STEP_DETAIL, type StepDetail, type StepDetailData } from '../api/operations';
import { durationBetween, formatDuration, formatTime, formatTokens, formatUsd, json, shortId } from '../format';
import type { GraphNode } from './dag-model';
import { transcriptOf, type TranscriptEntry } from './transcript';
import { VirtualList } from './virtual-list';

const BODY_LIMIT = 4000;
const DETAIL_RETRY_MS = 400;
const DETAIL_RETRIES = 25;

const Entry = ({ entry }: { entry: TranscriptEntry }) => {
  const [open, setOpen] = useState(false);
  const long = entry.body.length > BODY_LIMIT;
  return (
    <div class={`entry entry-${entry.kind}`} data-testid="transcript-entry">
      <div class="entry-title">{entry.title}</div>
      <pre class="entry-body">{long && !open ? `${entry.body.slice(0, BODY_LIMIT)}…` : entry.body}</pre>
      {long && (
        <button type="button" class="link" onClick={() => setOpen(!open)}>
          {open ? 'Show less' : `Show all (${entry.body.length.toLocaleString()} characters)`}
        </button>
      )}
    </div>
  );
};

const InputForm = ({ step, onDone }: { step: StepDetail; onDone: () => void }) => {
  const question = step.inputRequests.find((q) => !q.answered);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const send = async (skip: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const data = skip
        ? (await gql<{ skipInput: { errors: UserError[] } }>(SKIP_INPUT, { stepId: step.id, reason: text || null })).skipInput
        : (await gql<{ provideInput: { errors: UserError[] } }>(PROVIDE_INPUT, { stepId: step.id, text })).provideInput;
      if (data.errors.length > 0) setError(describeUserErrors(data.errors));
      else {
        setText('');
        onDone();
      }
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      class="input-form"
      data-testid="input-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (text.trim()) void send(false);
      }}
    >
      <div class="question">{question?.question ?? 'This step is waiting for input.'}</div>
      <textarea aria-label="Answer" value={text} onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)} rows={3} placeholder="Your answer (or a reason to skip)" />
      <div class="row">
        <button type="submit" disabled={busy || !text.trim()}>
          Send answer
        </button>
        <button type="button" class="secondary" disabled={busy} onClick={() => void send(true)}>
          Skip
        </button>
      </div>
      {error && <div class="error" role="alert">{error}</div>}
    </form>
  );
};

/** What the selected node holds: summary, actions (answer, cancel) and the step's transcript. */
export const StepPanel = ({ node, onClose, onNotice }: { node: GraphNode; onClose: () => void; onNotice: (message: string) => void }) => {
  const stepId = node.step?.id ?? node.tool?.stepId ?? null;
  const [detail, setDetail] = useState<StepDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirmCancel, setConfirmCancel] = useState(false);
  // The live node's status and sequence: a change refetches the detail, so the transcript follows the DAG.
  const liveStatus = node.step?.status ?? node.tool?.completed;
  const liveSequence = node.step?.sequence ?? 0;

  useEffect(() => {
    if (!stepId) return undefined;
    let stale = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let tries = 0;
    const load = () => {
      gql<StepDetailData>(STEP_DETAIL, { id: stepId })
        .then((data) => {
          if (stale) return;
          setDetail(data.step);
          setError(data.step ? null : 'This step is not in the read model yet.');
          // The read model trails the live stream: until it shows the status the DAG shows, look again.
          const behind = !data.step || (node.step !== undefined && data.step.status !== node.step.status);
          if (behind && tries < DETAIL_RETRIES) {
            tries += 1;
            timer = setTimeout(load, DETAIL_RETRY_MS);
          }
        })
        .catch((e: Error) => !stale && setError(e.message));
    };
    load();
    return () => {
      stale = true;
      clearTimeout(timer);
    };
    // node.step is read through the latest render; the status and sequence are what trigger a reload.
  }, [stepId, liveStatus, liveSequence]);
  useEffect(() => setConfirmCancel(false), [stepId]);

  const entries = useMemo(() => (detail ? transcriptOf(detail) : []), [detail]);
  const status = node.step?.status ?? detail?.status;
  const waiting = status === 'INPUT_REQUIRED' && detail?.status === 'INPUT_REQUIRED';

  const cancel = async () => {
    if (!stepId) return;
    try {
      const data = (await gql<{ cancelStep: { canceledStepIds: string[]; errors: UserError[] } }>(CANCEL_STEP, { stepId, reason: 'canceled from the web UI' })).cancelStep;
      onNotice(data.errors.length > 0 ? describeUserErrors(data.errors) : `Cancel requested for ${data.canceledStepIds.length} step(s).`);
    } catch (e) {
      onNotice((e as Error).message);
    }
    setConfirmCancel(false);
  };

  const tool = node.tool;
  return (
    <aside class="panel" data-testid="step-panel" data-step-id={stepId ?? ''}>
      <header>
        <div>
          <h2>{node.step?.agent ?? detail?.agent ?? ''}{tool ? ` · ${tool.name}` : ''}</h2>
          <div class="muted">
            {node.kind === 'external' ? 'external agent · ' : node.kind === 'tool' ? 'tool call of step ' : 'step '}
            <code title={stepId ?? ''}>{stepId ? shortId(stepId) : ''}</code>
          </div>
        </div>
        <button type="button" class="link" onClick={onClose} aria-label="Close">
          ✕
        </button>
      </header>
      {status && <span class={`badge status-${status}`} data-testid="step-status">{status}</span>}
      {detail && (
        <dl class="facts">
          <dt>Model</dt>
          <dd>{detail.model ?? '–'}</dd>
          <dt>Duration</dt>
          <dd>{formatDuration(detail.durationMs ?? durationBetween(detail.startedAt, detail.completedAt))}</dd>
          <dt>Tokens</dt>
          <dd>{formatTokens(detail.inputTokens, detail.outputTokens)}</dd>
          <dt>Cost</dt>
          <dd>{formatUsd(detail.cost.usd)}</dd>
          <dt>Started</dt>
          <dd>{formatTime(detail.startedAt ?? detail.createdAt)}</dd>
          {detail.error !== null && detail.error !== undefined && (
            <>
              <dt>Error</dt>
              <dd class="error">{json(detail.error)}</dd>
            </>
          )}
        </dl>
      )}
      {tool && (
        <div class="muted">
          {tool.completed ? `${tool.isError ? 'failed' : 'answered'} after ${formatDuration(tool.latencyMs)}` : 'running'} · called {formatTime(tool.calledAt)}
        </div>
      )}
      {detail && waiting && <InputForm step={detail} onDone={() => onNotice('Answer sent.')} />}
      {status && !isTerminal(status) && stepId && (
        <div class="row">
          {confirmCancel ? (
            <>
              <button type="button" class="danger" onClick={() => void cancel()}>
                Confirm: cancel step
              </button>
              <button type="button" class="secondary" onClick={() => setConfirmCancel(false)}>
                Keep running
              </button>
            </>
          ) : (
            <button type="button" class="danger-outline" onClick={() => setConfirmCancel(true)}>
              Cancel step
            </button>
          )}
        </div>
      )}
      {error && <div class="error">{error}</div>}
      <h3>Transcript</h3>
      <VirtualList items={entries} keyOf={(e) => e.key} render={(e) => <Entry entry={e} />} testId="transcript" />
    </aside>
  );
};
