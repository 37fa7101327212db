import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { ShamanEvent } from '@shaman/events';
import { createLogger, createPool, withOrg, withTransaction, type Pool } from '@shaman/platform';
import { createTestDatabase, createTestNats, type TestDatabase, type TestNats } from '@shaman/testing';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProjector } from '../projector.js';
import { appendCommit, createClock, newStep, stepEvents, type StepAddress } from '../step-events.fixtures.js';
import { applyEvents } from './apply-batch.js';
import type { SequencedEvent } from './fold-steps.js';

type Json = Record<string, unknown>;
/** How to_jsonb renders a timestamptz: UTC offset, trailing zeros of the fraction dropped. */
const pgTime = (iso: string | undefined) => iso?.replace(/\.?0*Z$/, '+00:00');
const TABLES = ['step_tool_calls', 'step_llm_calls', 'step_input_requests'] as const;

describe('step activity read models (real nats-server and PostgreSQL)', () => {
  let nats: TestNats;
  let db: TestDatabase;
  let store: JetStreamEventStore;
  let pool: Pool;
  const orgId = randomUUID();
  const clock = createClock(Date.UTC(2026, 2, 1));
  const root = newStep({ orgId, runId: randomUUID() });
  const child = newStep(root);
  let lastSeq = 0;
  const at: Record<string, string> = {};
  const e = (step: StepAddress, type: ShamanEvent['type'], data: object): ShamanEvent =>
    ShamanEvent.parse({ type, data, metadata: { ...step, eventId: randomUUID(), at: clock() } });

  const project = async () => {
    const projector = createProjector({ pool, nc: nats.nc, layout: nats.layout, logger: createLogger({ name: 't', level: 'silent' }), batchMax: 3, batchWaitMs: 5 });
    await projector.start();
    await projector.waitFor(lastSeq);
    await projector.stop();
  };
  const rows = async (table: (typeof TABLES)[number]): Promise<Json[]> =>
    (await pool.query<{ r: Json }>(`SELECT to_jsonb(t) - 'seq' AS r FROM ${table} t ORDER BY seq, event_id`)).rows.map((x) => x.r);
  const snapshot = async () => Object.fromEntries(await Promise.all(TABLES.map(async (t) => [t, await rows(t)] as const)));

  beforeAll(async () => {
    [nats, db] = await Promise.all([createTestNats(), createTestDatabase()]);
    store = await createJetStreamEventStore({ nc: nats.nc, ...nats.layout });
    pool = createPool(db.projectorUrl, { max: 2 });
    const [r, c] = [stepEvents(root, clock), stepEvents(child, clock)];
    await appendCommit(store, r.requested('Planner'));
    await appendCommit(store, r.started('Planner'));
    // One commit: the model's answer, its price and the tool call it asked for, as the executor records them.
    const llm = r.llm(0, { inputTokens: 100, outputTokens: 20 }, { id: 'call-1', name: 'lookup' });
    at['llm'] = llm.metadata.at;
    await appendCommit(store, llm, r.usage(0, 'Planner', { inputTokens: 100, outputTokens: 20, costMicros: 450 }), e(root, 'ToolCalled', { iteration: 0, toolCallId: 'call-1', name: 'lookup', arguments: { q: 'x' } }));
    const result = e(root, 'ToolResulted', { toolCallId: 'call-1', name: 'lookup', output: { error: 'nope' }, isError: true, latencyMs: 7 });
    at['result'] = result.metadata.at;
    await appendCommit(store, result, r.llm(1, { inputTokens: 5, outputTokens: 1 }, { id: 'ask-1', name: 'request_user_input' }));
    const asked = e(root, 'StepInputRequired', { toolCallId: 'ask-1', prompt: 'Which city?' });
    at['asked'] = asked.metadata.at;
    await appendCommit(store, e(root, 'ToolCalled', { iteration: 1, toolCallId: 'ask-1', name: 'request_user_input', arguments: { prompt: 'Which city?' } }), asked);
    const answer = { messageId: 'm2', role: 'user', parts: [{ kind: 'text', text: 'Paris' }] };
    const provided = e(root, 'StepInputProvided', { message: answer, providedBy: { kind: 'user', id: 'u-7' } });
    at['answered'] = provided.metadata.at;
    await appendCommit(store, provided);
    await appendCommit(store, e(root, 'ToolResulted', { toolCallId: 'ask-1', name: 'request_user_input', output: 'Paris', isError: false, latencyMs: 0 }));
    await appendCommit(store, c.requested('Researcher', { parentStepId: root.stepId, depth: 1 }));
    lastSeq = await appendCommit(store, e(root, 'StepInputRequired', { toolCallId: 'ask-2', prompt: 'Anything else?' }));
    await project();
  });
  afterAll(async () => {
    await pool?.end();
    await nats?.cleanup();
    await db?.cleanup();
  });

  it('records tool calls with their results, model calls with their price, and questions with their answers', async () => {
    const snap = await snapshot();
    expect(snap['step_tool_calls']).toMatchObject([
      { step_id: root.stepId, run_id: root.runId, org_id: orgId, tool_call_id: 'call-1', iteration: 0, name: 'lookup', arguments: { q: 'x' },
        output: { error: 'nope' }, is_error: true, latency_ms: 7, resulted_at: pgTime(at['result']) },
      { tool_call_id: 'ask-1', name: 'request_user_input', output: 'Paris', is_error: false },
    ]);
    expect(snap['step_llm_calls']).toMatchObject([
      { iteration: 0, model: 'scripted', input_tokens: 100, output_tokens: 20, latency_ms: 12, cost_micros: 450, price_table: '2026-11-01',
        finish_reason: 'tool_calls', tool_call_count: 1, content: null, responded_at: pgTime(at['llm']) },
      { iteration: 1, cost_micros: null, price_table: null },
    ]);
    expect(snap['step_input_requests']).toMatchObject([
      { tool_call_id: 'ask-1', prompt: 'Which city?', answer: { parts: [{ kind: 'text', text: 'Paris' }] }, answered_by_kind: 'user', answered_by_id: 'u-7',
        answered_at: pgTime(at['answered']) },
      // The later question is still open: the earlier answer does not fill it.
      { tool_call_id: 'ask-2', prompt: 'Anything else?', answer: null, answer_event_id: null, answered_at: null },
    ]);
  });

  it('records who asked for each step and for the run (its root step)', async () => {
    const steps = await pool.query('SELECT id, initiator_kind, initiator_id FROM steps ORDER BY depth');
    expect(steps.rows).toEqual([
      { id: root.stepId, initiator_kind: 'api_key', initiator_id: 'key-1' },
      { id: child.stepId, initiator_kind: 'agent', initiator_id: root.stepId },
    ]);
    const runs = await pool.query('SELECT initiator_kind, initiator_id FROM runs WHERE id = $1', [root.runId]);
    expect(runs.rows).toEqual([{ initiator_kind: 'api_key', initiator_id: 'key-1' }]);
  });

  it('changes nothing when the whole log is applied again, and rebuilds the same rows from scratch', async () => {
    const before = await snapshot();
    const events: SequencedEvent[] = [];
    for await (const stored of store.readFilter('>')) {
      for (const raw of stored.commit.events) events.push({ seq: stored.seq, event: ShamanEvent.parse(raw) });
    }
    await withTransaction(pool, (client) => applyEvents(client, { events }));
    expect(await snapshot()).toEqual(before);
    await pool.query(`DELETE FROM ${TABLES.join('; DELETE FROM ')}; DELETE FROM projection_checkpoints`);
    await project();
    expect(await snapshot()).toEqual(before);
  });

  it('shows the rows only to their organization under the application role', async () => {
    const app = createPool(db.appUrl, { max: 1 });
    try {
      const counts = (org: string) =>
        withOrg(app, org, async (c) => {
          const { rows } = await c.query<{ n: number[] }>(`SELECT ARRAY[${TABLES.map((t) => `(SELECT count(*)::int FROM ${t})`).join(', ')}] AS n`);
          return rows[0]?.n;
        });
      expect(await counts(orgId)).toEqual([2, 2, 2]);
      expect(await counts(randomUUID())).toEqual([0, 0, 0]);
      // Without a tenant bound, nothing at all.
      expect((await app.query('SELECT count(*)::int AS n FROM step_tool_calls')).rows).toEqual([{ n: 0 }]);
    } finally {
      await app.end();
    }
  });
});
