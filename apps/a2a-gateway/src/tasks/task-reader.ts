import type { JetStreamEventStore } from '@shaman/event-store';
import { ShamanEvent, type ChatMessage, type Part } from '@shaman/events';
import { withOrg, type Pool } from '@shaman/platform';
import type { StepView, TaskState } from './task-view.js';

type StepRow = {
  org_id: string;
  id: string;
  run_id: string;
  agent: string;
  status: TaskState;
  input: ChatMessage;
  output: { parts: Part[] } | null;
  error: { code: string; message: string } | null;
  updated_at: Date;
  /** The last stream sequence folded into the row. */
  last_seq: string | number;
};

const TERMINAL: ReadonlySet<TaskState> = new Set(['completed', 'failed', 'canceled', 'rejected']);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Folds a step's raw events (both subjects, in order) into what a Task shows. */
export const viewFromEvents = (events: readonly ShamanEvent[]): StepView | null => {
  let view: StepView | null = null;
  for (const e of events) {
    if (e.type === 'RunRequested') {
      view = { ...e.metadata, agent: e.data.agent.name, status: 'submitted', input: e.data.message, output: null, error: null, question: null, updatedAt: e.metadata.at };
      continue;
    }
    if (!view || ['completed', 'failed', 'canceled'].includes(view.status)) continue;
    view = { ...view, updatedAt: e.metadata.at };
    if (e.type === 'StepStarted') view.status = 'working';
    if (e.type === 'StepInputRequired') view = { ...view, status: 'input-required', question: { id: e.metadata.eventId, prompt: e.data.prompt } };
    // Answered (only the first answer counts): the step is working again, even before an executor took it up.
    if (e.type === 'StepInputProvided' && view.status === 'input-required') view = { ...view, status: 'working', question: null };
    if (e.type === 'StepCompleted') view = { ...view, status: 'completed', output: e.data.output };
    if (e.type === 'StepFailed') view = { ...view, status: 'failed', error: e.data.error };
    if (e.type === 'StepCanceled') view.status = 'canceled';
  }
  return view;
};

/** A view moved on by the step's terminal (or `StepInputRequired`) event, as a blocking caller receives it. */
export const withTerminal = (view: StepView, end: ShamanEvent): StepView => viewFromEvents([requestOf(view), end]) ?? view;

const requestOf = (view: StepView): ShamanEvent =>
  ({
    type: 'RunRequested',
    data: { agent: { name: view.agent, repository: '-', commit: null }, message: view.input, parentStepId: null, depth: 0, initiator: { kind: 'system', id: 'view' } },
    metadata: { orgId: view.orgId, runId: view.runId, stepId: view.stepId, eventId: view.stepId, at: view.updatedAt },
  }) as ShamanEvent;

/**
 * Finds a step as a Task: from the read model (RLS-scoped to the caller's organization) when it is current, or
 * else from the event log, whose subjects carry the organization, so the fallback is tenant-scoped too. A task
 * that was accepted is therefore never "not found", and never seen going backwards: a terminal row is final,
 * and an open row is served only if the log has nothing newer for the step (one look-up of its last commit).
 */
export const createTaskReader = (deps: { pool: Pool; store: JetStreamEventStore }) => {
  /** The step's events, from both subjects, and the sequence of the last one on its request subject. */
  const log = async (orgId: string, stepId: string): Promise<{ events: ShamanEvent[]; requestVersion: bigint }> => {
    const events: ShamanEvent[] = [];
    let requestVersion = 0n;
    for await (const stored of deps.store.readFilter(`*.${orgId}.*.${stepId}`)) {
      if (stored.subject.startsWith(deps.store.subjectOf('req.'))) requestVersion = BigInt(stored.seq);
      for (const raw of stored.commit.events) {
        const parsed = ShamanEvent.safeParse(raw);
        if (parsed.success) events.push(parsed.data);
      }
    }
    return { events, requestVersion };
  };
  /** Whether the projector has folded the step's newest commit into its row. */
  const isCurrent = async (orgId: string, row: StepRow): Promise<boolean> => {
    const last = await deps.store.lastCommit(`*.${orgId}.${row.run_id}.${row.id}`);
    return last === null || last.seq <= Number(row.last_seq);
  };
  return {
    get: async (orgId: string, stepId: string): Promise<StepView | null> => {
      if (!UUID.test(stepId)) return null;
      const row = await withOrg(deps.pool, orgId, async (c) => (await c.query<StepRow>('SELECT * FROM steps WHERE id = $1', [stepId])).rows[0]);
      // The read model has no column for the question: an input-required task is read from the log.
      if (row && row.status !== 'input-required' && (TERMINAL.has(row.status) || (await isCurrent(orgId, row)))) {
        return { orgId: row.org_id, runId: row.run_id, stepId: row.id, agent: row.agent, status: row.status, input: row.input, output: row.output, error: row.error, question: null, updatedAt: row.updated_at.toISOString() };
      }
      return viewFromEvents((await log(orgId, stepId)).events);
    },
    /** A step straight from the event log (never behind, unlike the read model), for decisions that must not act on stale state. */
    fromLog: async (orgId: string, stepId: string) => {
      if (!UUID.test(stepId)) return null;
      const { events, requestVersion } = await log(orgId, stepId);
      const view = viewFromEvents(events);
      return view ? { view, events, requestVersion } : null;
    },
    /** Whether a run (A2A contextId) exists in this organization's log. */
    runExists: async (orgId: string, runId: string): Promise<boolean> =>
      UUID.test(runId) && (await deps.store.lastCommit(`*.${orgId}.${runId}.*`)) !== null,
  };
};
export type TaskReader = ReturnType<typeof createTaskReader>;
