import { newId } from '@shaman/platform';
import { createTestDatabase, createTestNats, createTestTenant, eventually, startStack, type TestDatabase, type TestNats, type TestStack, type TestTenant } from '@shaman/testing';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Task = { id: string; contextId: string; status: { state: string }; artifacts?: { parts: { text: string }[] }[] };

/** GraphQL acting on runs through the event log: answering, skipping and canceling, across real processes. */
describe('run control over GraphQL (provideInput, skipInput, cancelRun), across real processes', () => {
  let db: TestDatabase;
  let nats: TestNats;
  let tenant: TestTenant;
  let stack: TestStack;

  beforeAll(async () => {
    [db, nats] = await Promise.all([createTestDatabase(), createTestNats()]);
    const repo = await mkdtemp(join(tmpdir(), 'shaman-e2e-control-'));
    await writeFile(join(repo, 'Weather.md'), '---\nname: Weather\nmodel: scripted\ntools: [request_user_input]\n---\nAsk which city.\n');
    await writeFile(join(repo, 'Weather.script.yaml'), 'turns:\n  - toolCalls: [{ name: request_user_input, arguments: { prompt: "Which city?" } }]\n  - reply: "Weather for {{lastToolResult}}"\n');
    await writeFile(join(repo, 'Echo.md'), '---\nname: Echo\nmodel: scripted\n---\nRepeat.\n');
    tenant = await createTestTenant(db.adminUrl, { agentsRepository: repo });
    stack = await startStack({ db, nats, executorEnv: { EXECUTOR_ID: 'e2e-control' } });
  });
  afterAll(async () => {
    const codes = await stack.stop();
    await nats?.cleanup();
    await db?.cleanup();
    expect(codes).toEqual([0, 0, 0, 0]);
  });

  const a2a = async (method: string, params: unknown) => {
    const res = await fetch(`${stack.gatewayUrl}/a2a/v1`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': tenant.apiKey }, body: JSON.stringify({ jsonrpc: '2.0', id: newId(), method, params }) });
    return (await res.json()) as { result?: Task; error?: { code: number } };
  };
  const gql = async <T>(query: string, variables: Record<string, unknown> = {}): Promise<T> => {
    const res = await fetch(stack.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': tenant.apiKey }, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as { data?: T; errors?: unknown[] };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data as T;
  };
  /** Asks Weather and waits until the read model shows the step parked on its question. */
  const parked = async (): Promise<Task> => {
    const asked = await a2a('message/send', { message: { kind: 'message', messageId: newId(), role: 'user', parts: [{ kind: 'text', text: 'weather?' }] }, metadata: { agent: 'Weather' } });
    expect(asked.result?.status.state).toBe('input-required');
    await eventually(async () => ((await gql<{ run: { status: string } | null }>('query($id: ID!) { run(id: $id) { status } }', { id: asked.result!.contextId })).run?.status === 'INPUT_REQUIRED' ? true : undefined), { what: 'the run to be INPUT_REQUIRED' });
    return asked.result!;
  };
  const taskState = async (id: string) => (await a2a('tasks/get', { id })).result?.status.state;

  it('provideInput answers the question; a second answer and an answer to a finished step are refused', async () => {
    const task = await parked();
    const answered = await gql<{ provideInput: { stepId: string | null; errors: unknown[] } }>('mutation($s: ID!) { provideInput(stepId: $s, text: "Oslo") { stepId errors { code field message } } }', { s: task.id });
    expect(answered.provideInput).toEqual({ stepId: task.id, errors: [] });
    await eventually(async () => ((await taskState(task.id)) === 'completed' ? true : undefined), { what: 'the answered step to complete' });
    expect((await a2a('tasks/get', { id: task.id })).result?.artifacts?.[0]?.parts[0]?.text).toBe('Weather for Oslo');
    const again = await gql<{ provideInput: { stepId: string | null; errors: { code: string }[] } }>('mutation($s: ID!) { provideInput(stepId: $s, text: "Rome") { stepId errors { code } } }', { s: task.id });
    expect(again.provideInput).toEqual({ stepId: null, errors: [{ code: 'INVALID' }] });
  });

  it('skipInput continues the step with a structured "skipped" result', async () => {
    const task = await parked();
    const skipped = await gql<{ skipInput: { stepId: string | null } }>('mutation($s: ID!) { skipInput(stepId: $s, reason: "no idea") { stepId } }', { s: task.id });
    expect(skipped.skipInput.stepId).toBe(task.id);
    await eventually(async () => ((await taskState(task.id)) === 'completed' ? true : undefined), { what: 'the skipped step to complete' });
    expect((await a2a('tasks/get', { id: task.id })).result?.artifacts?.[0]?.parts[0]?.text).toBe('Weather for {"skipped":true,"reason":"no idea"}');
  });

  it('cancelRun cancels a parked run; unknown and malformed ids are typed errors', async () => {
    const task = await parked();
    const canceled = await gql<{ cancelRun: { canceledStepIds: string[]; errors: unknown[] } }>('mutation($r: ID!) { cancelRun(runId: $r, reason: "changed my mind") { canceledStepIds errors { code } } }', { r: task.contextId });
    expect(canceled.cancelRun).toEqual({ canceledStepIds: [task.id], errors: [] });
    await eventually(async () => ((await taskState(task.id)) === 'canceled' ? true : undefined), { what: 'the run to be canceled' });
    const unknown = await gql<{ cancelRun: { errors: { code: string; field: string }[] }; cancelStep: { errors: { code: string; field: string }[] } }>(
      `mutation($r: ID!) { cancelRun(runId: $r) { errors { code field } } cancelStep(stepId: "nope") { errors { code field } } }`,
      { r: newId() },
    );
    expect(unknown).toEqual({ cancelRun: { errors: [{ code: 'NOT_FOUND', field: 'runId' }] }, cancelStep: { errors: [{ code: 'INVALID', field: 'stepId' }] } });
  });

  it('createRun opens a run that agents join as parallel roots; it completes when all roots have', async () => {
    const created = await gql<{ createRun: { runId: string; errors: unknown[] } }>('mutation { createRun(input: { label: "fan-out", idempotencyKey: "k-1" }) { runId errors { code } } }');
    const runId = created.createRun.runId;
    const again = await gql<{ createRun: { runId: string } }>('mutation { createRun(input: { idempotencyKey: "k-1" }) { runId } }');
    expect(again.createRun.runId).toBe(runId);
    // Projected before any agent joins: an open run with no steps yet.
    const empty = await eventually(async () => (await gql<{ run: { status: string; nodes: unknown[] } | null }>('query($id: ID!) { run(id: $id) { status nodes { id } } }', { id: runId })).run ?? undefined, { what: 'the created run to be projected' });
    expect(empty).toEqual({ status: 'SUBMITTED', nodes: [] });
    const send = (text: string) => a2a('message/send', { message: { kind: 'message', messageId: newId(), role: 'user', parts: [{ kind: 'text', text }], contextId: runId }, metadata: { agent: 'Echo' } });
    const [a, b] = await Promise.all([send('one'), send('two')]);
    expect([a.result?.contextId, b.result?.contextId]).toEqual([runId, runId]);
    expect([a.result?.status.state, b.result?.status.state]).toEqual(['completed', 'completed']);
    const run = await eventually(async () => {
      const r = (await gql<{ run: { status: string; nodes: { parentStepId: string | null }[]; edges: unknown[]; initiator: { kind: string } | null } | null }>(
        'query($id: ID!) { run(id: $id) { status nodes { parentStepId } edges { from } initiator { kind } } }',
        { id: runId },
      )).run;
      return r?.status === 'COMPLETED' && r.nodes.length === 2 ? r : undefined;
    }, { what: 'the created run to complete with two roots' });
    expect(run.nodes.every((n) => n.parentStepId === null)).toBe(true);
    expect(run.edges).toEqual([]);
    expect(run.initiator?.kind).toBe('API_KEY');
    const bad = await gql<{ createRun: { runId: string | null; errors: { field: string }[] } }>('mutation { createRun(input: { label: "" }) { runId errors { field } } }');
    expect(bad.createRun).toEqual({ runId: null, errors: [{ field: 'input.label' }] });
  });
});
