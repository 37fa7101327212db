import { stepEventStream, stepRequestStream, type StepEvent } from '@shaman/events';
import { newId } from '@shaman/platform';
import { createTestTenant, runRequested, type TestTenant } from '@shaman/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayFixture, type GatewayFixture } from '../testing/gateway.fixture.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- wire JSON, asserted field by field
type Wire = any;

/**
 * Listing reads the projector's read model; no projector runs here, so the rows are written as it would write
 * them (through the admin role), which also lets the spec pin timestamps and states.
 */
describe('ListTasks / REST list (real PostgreSQL read model)', () => {
  let gateway: GatewayFixture;
  let tenant: TestTenant;
  let other: TestTenant;
  const runA = newId();
  const runB = newId();
  const ids: string[] = []; // newest first
  let foreignId = '';

  const insertStep = async (client: pg.Client, input: { orgId: string; runId: string; status: string; at: string; output?: unknown; id?: string }) => {
    const id = input.id ?? newId();
    const message = { messageId: newId(), role: 'user', parts: [{ kind: 'text', text: `task ${input.at}` }] };
    await client.query(
      `INSERT INTO steps (org_id, id, run_id, depth, agent, status, input, output, created_at, updated_at, last_seq) VALUES ($1, $2, $3, 0, 'Echo', $4, $5, $6, $7, $7, 1)`,
      [input.orgId, id, input.runId, input.status, JSON.stringify(message), input.output ? JSON.stringify(input.output) : null, input.at],
    );
    return id;
  };

  beforeAll(async () => {
    gateway = await startGatewayFixture();
    tenant = await createTestTenant(gateway.db.adminUrl, { agentsRepository: '/nonexistent' });
    other = await createTestTenant(gateway.db.adminUrl, { agentsRepository: '/nonexistent' });
    const client = new pg.Client({ connectionString: gateway.db.adminUrl });
    await client.connect();
    try {
      const output = { parts: [{ kind: 'text', text: 'done' }] };
      // Five tasks, one second apart; the newest last. Microseconds make keyset pagination honest.
      for (let i = 0; i < 5; i++) {
        const at = `2026-01-01T00:00:0${i}.123456Z`;
        ids.unshift(await insertStep(client, { orgId: tenant.orgId, runId: i < 3 ? runA : runB, status: i % 2 === 0 ? 'completed' : 'working', at, output: i % 2 === 0 ? output : undefined }));
      }
      foreignId = await insertStep(client, { orgId: other.orgId, runId: newId(), status: 'completed', at: '2026-01-01T00:00:09Z', output });
    } finally {
      await client.end();
    }
  });
  afterAll(async () => gateway.close());

  const rpc = async (params: unknown, key = tenant.apiKey) => {
    const res = await fetch(`${gateway.url}/a2a/v1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0', 'x-api-key': key },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ListTasks', params }),
    });
    return (await res.json()) as Wire;
  };
  const rest = async (path: string, key = tenant.apiKey) => {
    const res = await fetch(`${gateway.url}/a2a/rest${path}`, { headers: { 'x-api-key': key } });
    return { status: res.status, body: (await res.json()) as Wire };
  };

  it('lists newest first with the page envelope, artifacts omitted unless asked', async () => {
    const { result } = await rpc({});
    expect(result.tasks.map((t: Wire) => t.id)).toEqual(ids);
    expect(result).toMatchObject({ nextPageToken: '', pageSize: 50, totalSize: 5 });
    expect(result.tasks[0].status.state).toBe('TASK_STATE_COMPLETED');
    expect(result.tasks[0].artifacts).toBeUndefined();
    const withArtifacts = await rpc({ includeArtifacts: true, historyLength: 0 });
    expect(withArtifacts.result.tasks[0]).toMatchObject({ artifacts: [{ parts: [{ text: 'done' }] }], history: [] });
  });

  it('pages with an opaque cursor, no gap and no duplicate', async () => {
    const seen: string[] = [];
    let token = '';
    do {
      const { result } = await rpc({ pageSize: 2, ...(token ? { pageToken: token } : {}) });
      expect(result.totalSize).toBe(5);
      seen.push(...result.tasks.map((t: Wire) => t.id));
      token = result.nextPageToken;
    } while (token !== '');
    expect(seen).toEqual(ids);
  });

  it('filters by contextId, status and statusTimestampAfter', async () => {
    expect((await rpc({ contextId: runB })).result.tasks.map((t: Wire) => t.id)).toEqual(ids.slice(0, 2));
    expect((await rpc({ status: 'TASK_STATE_WORKING' })).result.tasks.map((t: Wire) => t.id)).toEqual([ids[1], ids[3]]);
    const after = await rpc({ statusTimestampAfter: '2026-01-01T00:00:02.5Z' });
    expect(after.result).toMatchObject({ totalSize: 2 });
    expect((await rpc({ contextId: 'not-a-run' })).result).toMatchObject({ tasks: [], totalSize: 0 });
  });

  it('never lists another organization\'s tasks', async () => {
    expect((await rpc({})).result.tasks.map((t: Wire) => t.id)).not.toContain(foreignId);
    expect((await rpc({}, other.apiKey)).result.tasks.map((t: Wire) => t.id)).toEqual([foreignId]);
  });

  it('shows an input-required task\'s question, which only the log holds', async () => {
    const asker = await createTestTenant(gateway.db.adminUrl, { agentsRepository: '/nonexistent' });
    const request = runRequested({ orgId: asker.orgId, agent: 'Echo', repository: '/nonexistent', text: 'weather?' });
    const meta = { ...request.metadata, at: new Date().toISOString() };
    await gateway.store.appendToStream(stepRequestStream(request.metadata), [request]);
    const asked: StepEvent[] = [
      { type: 'StepStarted', data: { agent: request.data.agent, model: 'scripted', executorId: 'fake', attempt: 1 }, metadata: { ...meta, eventId: newId() } as StepEvent['metadata'] },
      { type: 'StepInputRequired', data: { toolCallId: 'call_0', prompt: 'Which city?' }, metadata: { ...meta, eventId: newId() } as StepEvent['metadata'] },
    ];
    await gateway.store.appendToStream(stepEventStream(request.metadata), asked);
    const client = new pg.Client({ connectionString: gateway.db.adminUrl });
    await client.connect();
    await insertStep(client, { orgId: asker.orgId, runId: request.metadata.runId, status: 'input-required', at: meta.at, id: request.metadata.stepId }).finally(() => client.end());
    const { result } = await rpc({}, asker.apiKey);
    expect(result.tasks).toHaveLength(1);
    expect(result.tasks[0].status).toMatchObject({ state: 'TASK_STATE_INPUT_REQUIRED', message: { role: 'ROLE_AGENT', parts: [{ text: 'Which city?' }] } });
  });

  it.each([[{ pageSize: 0 }], [{ pageSize: 101 }], [{ historyLength: -1 }], [{ pageToken: 'garbage' }], [{ status: 'completed' }], [{ statusTimestampAfter: 'yesterday' }]])('refuses %j with -32602', async (params) => {
    expect((await rpc(params)).error.code).toBe(-32602);
  });

  it('lists over REST in both versions with the same filters', async () => {
    const v1 = await rest(`/tasks?status=TASK_STATE_COMPLETED&pageSize=2&includeArtifacts=true`);
    expect(v1.status).toBe(200);
    expect(v1.body).toMatchObject({ pageSize: 2, totalSize: 3, tasks: [{ id: ids[0], status: { state: 'TASK_STATE_COMPLETED' }, artifacts: [{ parts: [{ text: 'done' }] }] }, { id: ids[2] }] });
    expect(v1.body.nextPageToken).not.toBe('');
    const v03 = await rest(`/v1/tasks?contextId=${runA}&status=completed`);
    expect(v03.body.tasks.map((t: Wire) => t.id)).toEqual([ids[2], ids[4]]);
    expect(v03.body.tasks[0]).toMatchObject({ status: { state: 'TASK_STATE_COMPLETED' } });
    expect(v03.body.tasks[0].history[0]).toMatchObject({ role: 'ROLE_USER', content: [{ text: expect.any(String) }] });
    const bad = await rest('/tasks?pageSize=lots');
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 400, status: 'INVALID_ARGUMENT' } } });
  });
});
