import { createLogger, createPool, type Pool } from '@shaman/platform';
import { createTestDatabase, createTestTenant, type TestDatabase, type TestTenant } from '@shaman/testing';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGqlServer, type GqlServer } from '../index.js';
import { postGql } from '../testing/http.fixture.js';
import { withAdmin } from '../testing/seed.fixture.js';
import { insertRow, seedRun, seedStep, seedToolCall, seedUsage } from './run-seed.fixture.js';

const RUN_DAG = `query ($id: ID!) { run(id: $id) {
  id durationMs cost { micros usd } usage { calls inputTokens outputTokens totalTokens }
  nodes { id depth status agent model createdAt startedAt completedAt durationMs initiator { kind id } cost { micros usd } }
  edges { from to } } }`;

const STEP = `query ($id: ID!) { step(id: $id) {
  id runId
  messages { role text at }
  toolCalls { toolCallId name arguments iteration calledAt completed completedAt latencyMs isError result error }
  llmCalls { iteration provider model content finishReason toolCallCount inputTokens outputTokens latencyMs cost { micros usd } priceTable respondedAt }
  inputRequests { toolCallId question requestedAt answered answerText answeredBy { kind id } answeredAt } } }`;

const USAGE = `query ($period: UsagePeriod!, $from: DateTime!, $to: DateTime!, $groupBy: UsageGroupBy, $agent: String) {
  usage(period: $period, from: $from, to: $to, groupBy: $groupBy, agent: $agent) {
    buckets { start key calls inputTokens outputTokens totalTokens cost { micros usd } }
    total { calls totalTokens cost { micros usd } } } }`;

const RUN_DATA = `query ($runId: ID!, $prefix: String, $tag: String) { runData(runId: $runId, prefix: $prefix, tag: $tag) { key value tags agent stepId version writtenAt } }`;
const HISTORY = `query ($runId: ID!, $key: String!) { runDataHistory(runId: $runId, key: $key) { key value version } }`;

describe('gql-api run DAG, step detail, usage and run data (real PostgreSQL, RLS-bound role)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let server: GqlServer;
  let url: string;
  let a: TestTenant;
  let b: TestTenant;
  const ids = { run: '', root: '', child: '', otherRun: '', otherStep: '' };

  const gql = async (tenant: TestTenant, query: string, variables: Record<string, unknown>) => {
    const res = await postGql(url, { apiKey: tenant.apiKey, query, variables });
    return res.body;
  };
  const data = async (tenant: TestTenant, query: string, variables: Record<string, unknown>) => {
    const body = await gql(tenant, query, variables);
    expect(body.errors).toBeUndefined();
    return body.data as Record<string, unknown>;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    a = await createTestTenant(db.adminUrl, { agentsRepository: '/tmp/a' });
    b = await createTestTenant(db.adminUrl, { agentsRepository: '/tmp/b' });
    await withAdmin(db.adminUrl, async (c) => {
      const orgId = a.orgId;
      ids.run = await seedRun(c, { orgId, status: 'input-required', createdAt: '2026-02-01T10:00:00Z', completedAt: null, initiator: { kind: 'api_key', id: 'k1' } });
      ids.root = await seedStep(c, {
        orgId, runId: ids.run, status: 'input-required', createdAt: '2026-02-01T10:00:00Z', startedAt: '2026-02-01T10:00:01Z',
        input: { messageId: 'm1', role: 'user', parts: [{ kind: 'text', text: 'plan a trip' }] }, initiator: { kind: 'api_key', id: 'k1' },
      });
      ids.child = await seedStep(c, {
        orgId, runId: ids.run, parentStepId: ids.root, depth: 1, agent: 'Researcher', createdAt: '2026-02-01T10:00:02Z', startedAt: '2026-02-01T10:00:02Z',
        completedAt: '2026-02-01T10:00:04.5Z', output: { parts: [{ kind: 'text', text: 'found' }] }, initiator: { kind: 'agent', id: ids.root },
      });
      const [run, root, child] = [ids.run, ids.root, ids.child];
      await seedUsage(c, { orgId, runId: run, stepId: root, agent: 'Planner', costMicros: 450, tokens: [100, 20], at: '2026-02-01T10:00:01Z' });
      await seedUsage(c, { orgId, runId: run, stepId: root, agent: 'Planner', model: 'gpt-4o-mini', costMicros: 50, tokens: [10, 5], at: '2026-02-09T10:00:01Z' });
      await seedUsage(c, { orgId, runId: run, stepId: child, agent: 'Researcher', costMicros: 1_000_225, tokens: [50, 10], at: '2026-02-01T10:00:03Z' });
      await seedToolCall(c, { orgId, runId: run, stepId: root, toolCallId: 'call-1', name: 'call_agent', arguments: { agent: 'Researcher' }, calledAt: '2026-02-01T10:00:01.5Z', seq: 3,
        result: { output: 'found', isError: false, latencyMs: 3000, at: '2026-02-01T10:00:04.5Z' } });
      await seedToolCall(c, { orgId, runId: run, stepId: root, toolCallId: 'call-2', calledAt: '2026-02-01T10:00:05Z', seq: 5,
        result: { output: { message: 'timeout' }, isError: true, latencyMs: 12.5, at: '2026-02-01T10:00:05.1Z' } });
      await seedToolCall(c, { orgId, runId: run, stepId: root, toolCallId: 'ask-1', name: 'request_user_input', calledAt: '2026-02-01T10:00:06Z', seq: 6 });
      const llm = { org_id: orgId, run_id: run, step_id: root, provider: 'openai', model: 'gpt-4o', finish_reason: 'tool_calls', tool_call_count: 1, latency_ms: 800 };
      await insertRow(c, 'step_llm_calls', { ...llm, event_id: randomUUID(), iteration: 0, content: null, input_tokens: 100, output_tokens: 20, cost_micros: 450, price_table: '2026-11-01', responded_at: '2026-02-01T10:00:01.4Z', seq: 3 });
      await insertRow(c, 'step_llm_calls', { ...llm, event_id: randomUUID(), iteration: 1, content: 'Let me ask.', model: 'local', input_tokens: 5, output_tokens: 1, responded_at: '2026-02-01T10:00:05.9Z', seq: 6 });
      const request = { org_id: orgId, run_id: run, step_id: root };
      await insertRow(c, 'step_input_requests', { ...request, event_id: randomUUID(), tool_call_id: 'ask-0', prompt: 'Which city?', requested_at: '2026-02-01T10:00:00.5Z', seq: 2,
        answer_event_id: randomUUID(), answer: { messageId: 'm2', role: 'user', parts: [{ kind: 'text', text: 'Paris' }] }, answered_by_kind: 'user', answered_by_id: 'u-7', answered_at: '2026-02-01T10:00:00.8Z' });
      await insertRow(c, 'step_input_requests', { ...request, event_id: randomUUID(), tool_call_id: 'ask-1', prompt: 'How many days?', requested_at: '2026-02-01T10:00:06Z', seq: 6 });
      const write = { org_id: orgId, run_id: run, step_id: child, agent: 'Researcher' };
      await insertRow(c, 'run_data', { ...write, event_id: randomUUID(), key: 'report/draft', value: '"v1"', tags: ['draft'], version: 4, written_at: '2026-02-01T10:00:03Z' });
      await insertRow(c, 'run_data', { ...write, event_id: randomUUID(), key: 'report/draft', value: '"v2"', tags: ['final'], version: 7, written_at: '2026-02-01T10:00:04Z' });
      await insertRow(c, 'run_data', { ...write, event_id: randomUUID(), key: 'notes', value: { n: 1 }, tags: ['final'], version: 5, written_at: '2026-02-01T10:00:03.5Z' });
      // Organization B: a run with usage and data in the same period, which A must never see (and vice versa).
      ids.otherRun = await seedRun(c, { orgId: b.orgId, createdAt: '2026-02-01T10:00:00Z' });
      ids.otherStep = await seedStep(c, { orgId: b.orgId, runId: ids.otherRun, createdAt: '2026-02-01T10:00:00Z' });
      await seedUsage(c, { orgId: b.orgId, runId: ids.otherRun, stepId: ids.otherStep, agent: 'Planner', costMicros: 7, at: '2026-02-01T11:00:00Z' });
      await seedToolCall(c, { orgId: b.orgId, runId: ids.otherRun, stepId: ids.otherStep, toolCallId: 'b-call', calledAt: '2026-02-01T10:00:01Z', seq: 1 });
      await insertRow(c, 'run_data', { org_id: b.orgId, run_id: ids.otherRun, step_id: ids.otherStep, agent: 'Planner', event_id: randomUUID(), key: 'report/x', value: '1', tags: [], version: 1, written_at: '2026-02-01T10:00:00Z' });
    });
    pool = createPool(db.appUrl);
    server = await createGqlServer({ pool, logger: createLogger({ name: 'gql-api-test', level: 'silent' }), maxDepth: 10 });
    url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await pool?.end();
    await db?.cleanup();
  });

  it('returns a run as a DAG: nodes with depth, timings, initiator and cost, and parent → child edges', async () => {
    expect(await data(a, RUN_DAG, { id: ids.run })).toEqual({
      run: {
        id: ids.run, durationMs: null, cost: { micros: 1_000_725, usd: '1.000725' }, usage: { calls: 3, inputTokens: 160, outputTokens: 35, totalTokens: 195 },
        nodes: [
          { id: ids.root, depth: 0, status: 'INPUT_REQUIRED', agent: 'Planner', model: 'gpt-4o', createdAt: '2026-02-01T10:00:00.000Z', startedAt: '2026-02-01T10:00:01.000Z',
            completedAt: null, durationMs: null, initiator: { kind: 'API_KEY', id: 'k1' }, cost: { micros: 500, usd: '0.000500' } },
          { id: ids.child, depth: 1, status: 'COMPLETED', agent: 'Researcher', model: 'gpt-4o', createdAt: '2026-02-01T10:00:02.000Z', startedAt: '2026-02-01T10:00:02.000Z',
            completedAt: '2026-02-01T10:00:04.500Z', durationMs: 2500, initiator: { kind: 'AGENT', id: ids.root }, cost: { micros: 1_000_225, usd: '1.000225' } },
        ],
        edges: [{ from: ids.root, to: ids.child }],
      },
    });
  });

  it('returns a step with its messages, tool calls, model calls and questions', async () => {
    const { step } = (await data(a, STEP, { id: ids.root })) as { step: Record<string, unknown> };
    expect(step['messages']).toEqual([
      { role: 'USER', text: 'plan a trip', at: '2026-02-01T10:00:00.000Z' },
      { role: 'USER', text: 'Paris', at: '2026-02-01T10:00:00.800Z' },
    ]);
    expect(step['toolCalls']).toEqual([
      { toolCallId: 'call-1', name: 'call_agent', arguments: { agent: 'Researcher' }, iteration: 0, calledAt: '2026-02-01T10:00:01.500Z', completed: true,
        completedAt: '2026-02-01T10:00:04.500Z', latencyMs: 3000, isError: false, result: 'found', error: null },
      { toolCallId: 'call-2', name: 'lookup', arguments: {}, iteration: 0, calledAt: '2026-02-01T10:00:05.000Z', completed: true,
        completedAt: '2026-02-01T10:00:05.100Z', latencyMs: 12.5, isError: true, result: null, error: { message: 'timeout' } },
      { toolCallId: 'ask-1', name: 'request_user_input', arguments: {}, iteration: 0, calledAt: '2026-02-01T10:00:06.000Z', completed: false,
        completedAt: null, latencyMs: null, isError: null, result: null, error: null },
    ]);
    expect(step['llmCalls']).toEqual([
      { iteration: 0, provider: 'openai', model: 'gpt-4o', content: null, finishReason: 'tool_calls', toolCallCount: 1, inputTokens: 100, outputTokens: 20, latencyMs: 800,
        cost: { micros: 450, usd: '0.000450' }, priceTable: '2026-11-01', respondedAt: '2026-02-01T10:00:01.400Z' },
      { iteration: 1, provider: 'openai', model: 'local', content: 'Let me ask.', finishReason: 'tool_calls', toolCallCount: 1, inputTokens: 5, outputTokens: 1, latencyMs: 800,
        cost: null, priceTable: null, respondedAt: '2026-02-01T10:00:05.900Z' },
    ]);
    expect(step['inputRequests']).toEqual([
      { toolCallId: 'ask-0', question: 'Which city?', requestedAt: '2026-02-01T10:00:00.500Z', answered: true, answerText: 'Paris', answeredBy: { kind: 'USER', id: 'u-7' },
        answeredAt: '2026-02-01T10:00:00.800Z' },
      { toolCallId: 'ask-1', question: 'How many days?', requestedAt: '2026-02-01T10:00:06.000Z', answered: false, answerText: null, answeredBy: null, answeredAt: null },
    ]);
    const child = (await data(a, STEP, { id: ids.child })) as { step: { messages: unknown[]; toolCalls: unknown[] } };
    expect(child.step.messages).toEqual([
      { role: 'USER', text: 'go', at: '2026-02-01T10:00:02.000Z' },
      { role: 'AGENT', text: 'found', at: '2026-02-01T10:00:04.500Z' },
    ]);
    expect(child.step.toolCalls).toEqual([]);
  });

  it('reports usage per period, grouped by agent or model, within [from, to)', async () => {
    const feb = { from: '2026-02-01T00:00:00Z', to: '2026-03-01T00:00:00Z' };
    expect(await data(a, USAGE, { period: 'MONTH', ...feb })).toEqual({
      usage: {
        buckets: [{ start: '2026-02-01T00:00:00.000Z', key: null, calls: 3, inputTokens: 160, outputTokens: 35, totalTokens: 195, cost: { micros: 1_000_725, usd: '1.000725' } }],
        total: { calls: 3, totalTokens: 195, cost: { micros: 1_000_725, usd: '1.000725' } },
      },
    });
    const byAgent = (await data(a, USAGE, { period: 'WEEK', ...feb, groupBy: 'AGENT' })) as { usage: { buckets: { start: string; key: string; calls: number }[] } };
    // 2026-02-01 is a Sunday: its ISO week starts on Monday 2026-01-26.
    expect(byAgent.usage.buckets.map(({ start, key, calls }) => ({ start, key, calls }))).toEqual([
      { start: '2026-01-26T00:00:00.000Z', key: 'Planner', calls: 1 },
      { start: '2026-01-26T00:00:00.000Z', key: 'Researcher', calls: 1 },
      { start: '2026-02-09T00:00:00.000Z', key: 'Planner', calls: 1 },
    ]);
    const byModel = (await data(a, USAGE, { period: 'DAY', from: '2026-02-01T10:00:02Z', to: '2026-02-10T00:00:00Z', groupBy: 'MODEL' })) as {
      usage: { buckets: { start: string; key: string; cost: { micros: number } }[] };
    };
    expect(byModel.usage.buckets.map(({ start, key, cost }) => [start, key, cost.micros])).toEqual([
      ['2026-02-01T00:00:00.000Z', 'gpt-4o', 1_000_225],
      ['2026-02-09T00:00:00.000Z', 'gpt-4o-mini', 50],
    ]);
    const planner = (await data(a, USAGE, { period: 'MONTH', ...feb, agent: 'Planner' })) as { usage: { total: { calls: number } } };
    expect(planner.usage.total.calls).toBe(2);
  });

  it('lists the latest run data by prefix and tag, and the history of a key', async () => {
    const latest = (await data(a, RUN_DATA, { runId: ids.run })) as { runData: { key: string; value: unknown; version: number }[] };
    expect(latest.runData.map(({ key, value, version }) => ({ key, value, version }))).toEqual([
      { key: 'notes', value: { n: 1 }, version: 5 },
      { key: 'report/draft', value: 'v2', version: 7 },
    ]);
    expect(latest.runData[1]).toMatchObject({ tags: ['final'], agent: 'Researcher', stepId: ids.child, writtenAt: '2026-02-01T10:00:04.000Z' });
    expect(await data(a, RUN_DATA, { runId: ids.run, prefix: 'report/' })).toMatchObject({ runData: [{ key: 'report/draft' }] });
    // The tag filter applies to the latest version: report/draft's old 'draft' tag no longer matches.
    expect(await data(a, RUN_DATA, { runId: ids.run, tag: 'draft' })).toEqual({ runData: [] });
    expect(await data(a, RUN_DATA, { runId: ids.run, prefix: 'r%', tag: 'final' })).toEqual({ runData: [] });
    expect(await data(a, HISTORY, { runId: ids.run, key: 'report/draft' })).toEqual({
      runDataHistory: [{ key: 'report/draft', value: 'v2', version: 7 }, { key: 'report/draft', value: 'v1', version: 4 }],
    });
  });

  it("gives nothing of another organization's runs, steps, usage or data", async () => {
    expect(await data(b, RUN_DAG, { id: ids.run })).toEqual({ run: null });
    expect(await data(b, STEP, { id: ids.root })).toEqual({ step: null });
    expect(await data(a, STEP, { id: ids.otherStep })).toEqual({ step: null });
    expect(await data(b, RUN_DATA, { runId: ids.run })).toEqual({ runData: [] });
    expect(await data(b, HISTORY, { runId: ids.run, key: 'report/draft' })).toEqual({ runDataHistory: [] });
    expect(await data(a, RUN_DATA, { runId: ids.otherRun })).toEqual({ runData: [] });
    const usageOfB = (await data(b, USAGE, { period: 'MONTH', from: '2026-01-01T00:00:00Z', to: '2026-03-01T00:00:00Z' })) as { usage: { total: unknown } };
    expect(usageOfB.usage.total).toEqual({ calls: 1, totalTokens: 12, cost: { micros: 7, usd: '0.000007' } });
    // B's own run shows B's cost only, and A's tool calls never join B's steps.
    const otherDag = (await data(b, RUN_DAG, { id: ids.otherRun })) as { run: { cost: { micros: number } } };
    expect(otherDag.run.cost.micros).toBe(7);
  });

  it('refuses malformed ids and ranges with BAD_USER_INPUT, before reading', async () => {
    const codes = async (query: string, variables: Record<string, unknown>) => (await gql(a, query, variables)).errors?.map((e) => e.extensions?.code);
    expect(await codes(STEP, { id: 'not-a-uuid' })).toEqual(['BAD_USER_INPUT']);
    expect(await codes(RUN_DATA, { runId: 'x' })).toEqual(['BAD_USER_INPUT']);
    expect(await codes(RUN_DATA, { runId: ids.run, prefix: '' })).toEqual(['BAD_USER_INPUT']);
    expect(await codes(USAGE, { period: 'DAY', from: '2026-02-02T00:00:00Z', to: '2026-02-01T00:00:00Z' })).toEqual(['BAD_USER_INPUT']);
    expect(await codes(USAGE, { period: 'DAY', from: '2025-01-01T00:00:00Z', to: '2026-03-01T00:00:00Z' })).toEqual(['BAD_USER_INPUT']);
  });
});
