import { decodeCommit, type JetStreamEventStore } from '@shaman/event-store';
import { RunRequested, StepInputProvided, messageText, stepEventStream, type StepEvent } from '@shaman/events';
import { newId } from '@shaman/platform';
import { createTestTenant, type TestDatabase, type TestNats, type TestTenant } from '@shaman/testing';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayFixture, type GatewayFixture } from './testing/gateway.fixture.js';

/**
 * Stands in for an executor: a request whose text contains "ask me" records the `request_user_input` call and
 * its question in one commit; "hang" only starts; anything else completes. An answer completes the step.
 */
const respondToRequests = (nats: TestNats, store: JetStreamEventStore) =>
  nats.nc.subscribe(`${nats.layout.subjectPrefix}.req.>`, {
    callback: (_e, msg) => {
      const raw = decodeCommit(msg.data).events[0];
      void (async () => {
        const request = RunRequested.safeParse(raw);
        if (request.success) return onRequest(store, request.data);
        const input = StepInputProvided.safeParse(raw);
        if (input.success) return onInput(store, input.data);
      })().catch(() => undefined); // core subscribers also see duplicate publishes; the fence turns those away
    },
  });

const meta = (m: { orgId: string; runId: string; stepId: string }) => ({ ...m, eventId: newId(), at: new Date().toISOString() }) as StepEvent['metadata'];
const call = { toolCallId: 'call_0_0', name: 'request_user_input', arguments: { prompt: 'Which city?' } };

const onRequest = async (store: JetStreamEventStore, r: RunRequested) => {
  const stream = stepEventStream(r.metadata);
  const started: StepEvent = { type: 'StepStarted', data: { agent: r.data.agent, model: 'scripted', executorId: 'fake', attempt: 1 }, metadata: meta(r.metadata) };
  const a = await store.appendToStream(stream, [started], { expectedStreamVersion: 0n });
  const text = messageText(r.data.message);
  if (text.includes('hang')) return;
  const next: StepEvent[] = text.includes('ask me')
    ? [
        { type: 'ToolCalled', data: { iteration: 0, ...call }, metadata: meta(r.metadata) },
        { type: 'StepInputRequired', data: { toolCallId: call.toolCallId, prompt: 'Which city?' }, metadata: meta(r.metadata) },
      ]
    : [{ type: 'StepCompleted', data: { output: { parts: [{ kind: 'text', text: `Echo: ${text}` }] }, usage: { inputTokens: 1, outputTokens: 1 }, iterations: 1 }, metadata: meta(r.metadata) }];
  await store.appendToStream(stream, next, { expectedStreamVersion: a.nextExpectedStreamVersion });
};

const onInput = async (store: JetStreamEventStore, input: StepInputProvided) => {
  const stream = stepEventStream(input.metadata);
  const last = await store.lastCommit(stream);
  if (!last?.commit.events.some((e) => (e as { type?: string }).type === 'StepInputRequired')) return;
  const text = messageText(input.data.message);
  const events: StepEvent[] = [
    { type: 'ToolResulted', data: { toolCallId: call.toolCallId, name: call.name, output: text, isError: false, latencyMs: 0 }, metadata: meta(input.metadata) },
    { type: 'StepCompleted', data: { output: { parts: [{ kind: 'text', text: `Weather for ${text}` }] }, usage: { inputTokens: 1, outputTokens: 1 }, iterations: 2 }, metadata: meta(input.metadata) },
  ];
  await store.appendToStream(stream, events, { expectedStreamVersion: BigInt(last.seq) });
};

describe('A2A input-required (real PostgreSQL and nats-server)', () => {
  let db: TestDatabase;
  let nats: TestNats;
  let store: JetStreamEventStore;
  let url: string;
  let tenant: TestTenant;
  let other: TestTenant;

  let gateway: GatewayFixture;
  beforeAll(async () => {
    gateway = await startGatewayFixture();
    ({ db, nats, store, url } = gateway);
    const repo = await mkdtemp(join(tmpdir(), 'shaman-gw-input-'));
    await writeFile(join(repo, 'Weather.md'), '---\nname: Weather\nmodel: scripted\ntools: [request_user_input]\n---\nAsk for the city.\n');
    tenant = await createTestTenant(db.adminUrl, { agentsRepository: repo });
    other = await createTestTenant(db.adminUrl, { agentsRepository: repo });
    respondToRequests(nats, store);
  });
  afterAll(async () => gateway.close());

  const post = async (body: unknown, key: string = tenant.apiKey) => {
    const res = await fetch(`${url}/a2a/v1`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- wire JSON, asserted field by field below
    return (await res.json()) as { result?: Record<string, any>; error?: { code: number; message: string } };
  };
  const message = (text: string, extra: Record<string, unknown> = {}) => ({ kind: 'message', messageId: newId(), role: 'user', parts: [{ kind: 'text', text }], ...extra });
  const send = (msg: Record<string, unknown>, key?: string) => post({ jsonrpc: '2.0', id: 1, method: 'message/send', params: { message: msg, metadata: { agent: 'Weather' } } }, key);
  const requestCount = async (taskId: string) => {
    let n = 0;
    for await (const _ of store.readFilter(`req.*.*.${taskId}`)) n++;
    return n;
  };

  it('answers a blocking send with input-required and the question, then completes with the answer sent with taskId', async () => {
    const asked = await send(message('ask me about the weather'));
    expect(asked.result).toMatchObject({ status: { state: 'input-required', message: { role: 'agent', parts: [{ kind: 'text', text: 'Which city?' }] } } });
    const taskId = asked.result?.['id'] as string;
    const got = await post({ jsonrpc: '2.0', id: 2, method: 'tasks/get', params: { id: taskId } });
    expect(got.result).toMatchObject({ status: { state: 'input-required', message: { parts: [{ text: 'Which city?' }] } } });

    const answer = message('Paris', { taskId, contextId: asked.result?.['contextId'] });
    const done = await send(answer);
    expect(done.result).toMatchObject({ id: taskId, status: { state: 'completed' }, artifacts: [{ parts: [{ kind: 'text', text: 'Weather for Paris' }] }] });

    // A retried answer (same messageId) records nothing and answers with the task as it stands.
    const before = await requestCount(taskId);
    const retried = await send(answer);
    expect(retried.result).toMatchObject({ id: taskId, status: { state: 'completed' } });
    expect(await requestCount(taskId)).toBe(before);
  });

  it('refuses taskId of a task that is not waiting for input with -32004, saying whether it is terminal or working', async () => {
    const completed = await send(message('plain'));
    expect(completed.result).toMatchObject({ status: { state: 'completed' } });
    const late = await send(message('too late', { taskId: completed.result?.['id'] }));
    expect(late.error).toMatchObject({ code: -32004, message: expect.stringContaining('completed (terminal)') });

    const working = await post({ jsonrpc: '2.0', id: 1, method: 'message/send', params: { message: message('hang'), configuration: { blocking: false }, metadata: { agent: 'Weather' } } });
    const taskId = working.result?.['id'] as string;
    await expect.poll(async () => (await post({ jsonrpc: '2.0', id: 2, method: 'tasks/get', params: { id: taskId } })).result?.['status'].state).toBe('working');
    const early = await send(message('answer', { taskId }));
    expect(early.error).toMatchObject({ code: -32004, message: expect.stringContaining('working, not waiting for input') });
    expect(await requestCount(taskId)).toBe(1);
  });

  it('answers -32001 for an unknown task and for another organization\'s input-required task', async () => {
    expect((await send(message('x', { taskId: newId() }))).error).toMatchObject({ code: -32001 });
    const asked = await send(message('ask me'));
    expect(asked.result).toMatchObject({ status: { state: 'input-required' } });
    const taskId = asked.result?.['id'] as string;
    expect((await send(message('Paris', { taskId }), other.apiKey)).error).toMatchObject({ code: -32001 });
    expect(await requestCount(taskId)).toBe(1);
  });

  it('answers a non-blocking continuation at once with the task working', async () => {
    const asked = await send(message('ask me again'));
    const taskId = asked.result?.['id'] as string;
    const res = await post({ jsonrpc: '2.0', id: 1, method: 'message/send', params: { message: message('Rome', { taskId }), configuration: { blocking: false } } });
    expect(res.result).toMatchObject({ id: taskId, status: { state: 'working' } });
    await expect.poll(async () => (await post({ jsonrpc: '2.0', id: 2, method: 'tasks/get', params: { id: taskId } })).result?.['status'].state).toBe('completed');
  });
});
