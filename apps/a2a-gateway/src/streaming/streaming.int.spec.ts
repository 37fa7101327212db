import { createJetStreamEventStore, decodeCommit, type JetStreamEventStore } from '@shaman/event-store';
import { RunRequested, StepInputProvided, messageText, stepDeltaSubject, stepEventStream, type StepAddress, type StepEvent, type TextDelta } from '@shaman/events';
import { createPool, newId, type ApiKeyPrincipal, type Pool } from '@shaman/platform';
import { createTestDatabase, createTestNats, createTestTenant, eventually, type TestDatabase, type TestNats, type TestTenant } from '@shaman/testing';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { A2AError } from '../errors.js';
import type { V03StreamEvent } from '../protocol/methods.js';
import { createRunWatcher, type RunWatcher } from '../run-watcher.js';
import { createTaskReader } from '../tasks/task-reader.js';
import { createTenantDirectory } from '../tenants.js';
import { createStreamMethods } from './index.js';
import { STREAM_CONSUMER_PREFIX } from './step-feed.js';

type Methods = ReturnType<typeof createStreamMethods>;
const meta = (m: StepAddress) => ({ ...m, eventId: newId(), at: new Date().toISOString() }) as StepEvent['metadata'];
const call = { toolCallId: 'call_0_0', name: 'request_user_input', arguments: { prompt: 'Which city?' } };
const encoder = new TextEncoder();

/**
 * Stands in for an executor, including the core NATS text deltas a streaming model produces. "ask me" asks for
 * input; "hang" only starts; anything else streams its answer in three deltas and completes — for "gated …"
 * only once the test opens the gate, so the test decides what a subscriber has already missed; for "eager …" the
 * deltas go out the moment the request is seen, before anything is appended (the tightest race a subscriber
 * can face).
 */
const fakeExecutor = (nats: TestNats, store: JetStreamEventStore) => {
  const gates = new Map<string, () => void>();
  const waiters = new Map<string, Promise<void>>();
  const gate = (stepId: string) => waiters.get(stepId) ?? waiters.set(stepId, new Promise<void>((r) => gates.set(stepId, r))).get(stepId)!;
  const publishDeltas = async (address: StepAddress, text: string) => {
    const chunks = [text.slice(0, 3), text.slice(3, 6), text.slice(6)];
    const callId = newId();
    chunks.forEach((t, seq) => nats.nc.publish(stepDeltaSubject(nats.layout.subjectPrefix, address), encoder.encode(JSON.stringify({ v: 1, iteration: 0, call: callId, seq, text: t } satisfies TextDelta))));
    await nats.nc.flush();
  };
  const answer = async (address: StepAddress, text: string, expected: bigint, streamed = false) => {
    if (!streamed) await publishDeltas(address, text);
    const llm: StepEvent = { type: 'LlmResponded', data: { iteration: 0, provider: 'fake', model: 'fake', requestHash: '0'.repeat(64), response: { content: text, toolCalls: [], finishReason: 'stop' }, usage: { inputTokens: 1, outputTokens: 1 }, latencyMs: 1 }, metadata: meta(address) };
    const done: StepEvent = { type: 'StepCompleted', data: { output: { parts: [{ kind: 'text', text }] }, usage: { inputTokens: 1, outputTokens: 1 }, iterations: 1 }, metadata: meta(address) };
    await store.appendToStream(stepEventStream(address), [llm, done], { expectedStreamVersion: expected });
  };
  const onRequest = async (r: RunRequested) => {
    const eager = messageText(r.data.message).includes('eager');
    if (eager) await publishDeltas(r.metadata, `Echo: ${messageText(r.data.message)}`);
    const started: StepEvent = { type: 'StepStarted', data: { agent: r.data.agent, model: 'fake', executorId: 'fake', attempt: 1 }, metadata: meta(r.metadata) };
    const a = await store.appendToStream(stepEventStream(r.metadata), [started], { expectedStreamVersion: 0n });
    const text = messageText(r.data.message);
    if (text.includes('hang')) return;
    if (text.includes('gated')) await gate(r.metadata.stepId);
    if (!text.includes('ask me')) return answer(r.metadata, `Echo: ${text}`, a.nextExpectedStreamVersion, eager);
    const asked: StepEvent[] = [
      { type: 'ToolCalled', data: { iteration: 0, ...call }, metadata: meta(r.metadata) },
      { type: 'StepInputRequired', data: { toolCallId: call.toolCallId, prompt: 'Which city?' }, metadata: meta(r.metadata) },
    ];
    await store.appendToStream(stepEventStream(r.metadata), asked, { expectedStreamVersion: a.nextExpectedStreamVersion });
  };
  const onInput = async (input: StepInputProvided) => {
    const last = await store.lastCommit(stepEventStream(input.metadata));
    if (!last?.commit.events.some((e) => (e as { type?: string }).type === 'StepInputRequired')) return;
    await answer(input.metadata, `Weather for ${messageText(input.data.message)}`, BigInt(last.seq));
  };
  nats.nc.subscribe(`${nats.layout.subjectPrefix}.req.>`, {
    callback: (_e, msg) => {
      const raw = decodeCommit(msg.data).events[0];
      void (async () => {
        const request = RunRequested.safeParse(raw);
        if (request.success) return onRequest(request.data);
        const input = StepInputProvided.safeParse(raw);
        if (input.success) return onInput(input.data);
      })().catch(() => undefined); // duplicate publishes are fenced away
    },
  });
  return { open: (stepId: string) => (gate(stepId), gates.get(stepId)?.()) };
};

/** Reads a stream to its end (or `limit` events), as a client would. */
const collect = async (events: AsyncIterable<V03StreamEvent>, limit = Infinity): Promise<V03StreamEvent[]> => {
  const out: V03StreamEvent[] = [];
  for await (const e of events) {
    out.push(e);
    if (out.length >= limit) break;
  }
  return out;
};
const summary = (events: V03StreamEvent[]) =>
  events.map((e) => {
    if (e.kind === 'task') return `task:${(e['status'] as { state: string }).state}`;
    if (e.kind === 'status-update') return `status:${(e['status'] as { state: string }).state}${e['final'] ? ':final' : ''}`;
    return `artifact:${e['append'] ? 'append' : 'set'}${e['lastChunk'] ? ':last' : ''}`;
  });
const texts = (events: V03StreamEvent[]) => events.filter((e) => e.kind === 'artifact-update').map((e) => (e['artifact'] as { parts: { text: string }[] }).parts[0]?.text);

describe('A2A streaming methods over JetStream (real PostgreSQL and nats-server)', () => {
  let db: TestDatabase;
  let nats: TestNats;
  let store: JetStreamEventStore;
  let pool: Pool;
  let watcher: RunWatcher;
  let methods: Methods;
  let executor: ReturnType<typeof fakeExecutor>;
  let tenant: TestTenant;
  let other: TestTenant;
  let me: ApiKeyPrincipal;

  beforeAll(async () => {
    [db, nats] = await Promise.all([createTestDatabase(), createTestNats()]);
    store = await createJetStreamEventStore({ nc: nats.nc, ...nats.layout });
    pool = createPool(db.appUrl);
    watcher = await createRunWatcher(nats.nc, store);
    const repo = await mkdtemp(join(tmpdir(), 'shaman-gw-stream-'));
    await writeFile(join(repo, 'Weather.md'), '---\nname: Weather\nmodel: scripted\ntools: [request_user_input]\n---\nAsk for the city.\n');
    tenant = await createTestTenant(db.adminUrl, { agentsRepository: repo });
    other = await createTestTenant(db.adminUrl, { agentsRepository: repo });
    me = { keyId: tenant.keyId, orgId: tenant.orgId, scopes: ['*'] };
    methods = createStreamMethods({ store, nc: nats.nc, tenants: createTenantDirectory(pool), tasks: createTaskReader({ pool, store }), watcher, clock: () => new Date() });
    executor = fakeExecutor(nats, store);
  });
  afterAll(async () => {
    await watcher.close();
    await pool.end();
    await nats.cleanup();
    await db.cleanup();
  });

  const signal = () => new AbortController().signal;
  const message = (text: string, extra: Record<string, unknown> = {}) => ({ kind: 'message', messageId: newId(), role: 'user', parts: [{ kind: 'text', text }], ...extra });
  const stream = (text: string, extra: Record<string, unknown> = {}, ctx = { signal: signal() }) =>
    methods['message/stream'](me, { message: message(text, extra), metadata: { agent: 'Weather' } }, ctx);
  // Only the streams' own consumers: reads elsewhere (the task reader) leave theirs to expire.
  const consumers = async () => (await store.jsm.consumers.list(nats.layout.stream).next()).filter((c) => c.name.startsWith(STREAM_CONSUMER_PREFIX)).length;

  it('message/stream: the Task, working, the answer as it streams, the recorded answer replacing it, completed (final); then it ends', async () => {
    const events = await stream('gated hello');
    const iterator = events[Symbol.asyncIterator]();
    const first = (await iterator.next()).value as V03StreamEvent;
    expect(first).toMatchObject({ kind: 'task', status: { state: 'submitted' }, history: [{ role: 'user', parts: [{ text: 'gated hello' }] }] });
    executor.open(first['id'] as string);
    const rest = await collect({ [Symbol.asyncIterator]: () => iterator });
    expect(summary(rest)).toEqual(['status:working', 'artifact:set', 'artifact:append', 'artifact:append', 'artifact:set:last', 'status:completed:final']);
    expect(texts(rest).slice(0, 3).join('')).toBe('Echo: gated hello');
    expect(texts(rest)[3]).toBe('Echo: gated hello');
    const ids = new Set(rest.filter((e) => e.kind === 'artifact-update').map((e) => (e['artifact'] as { artifactId: string }).artifactId));
    expect([...ids]).toEqual([`${first['id'] as string}:output`]);
    expect(rest.every((e) => e['taskId'] === first['id'] && e['contextId'] === first['contextId'])).toBe(true);
    await eventually(async () => ((await consumers()) === 0 ? true : undefined), { what: 'the stream consumer to be removed' });
  });

  it('message/stream listens before the request is appended: a model that streams at once loses no token', async () => {
    const events = await collect(await stream('eager hello'));
    const chunks = events.filter((e) => e.kind === 'artifact-update' && e['lastChunk'] !== true);
    expect(texts(chunks).join('')).toBe('Echo: eager hello');
    expect(summary(events).at(-1)).toBe('status:completed:final');
  });

  it('message/stream: input-required ends the stream with the question; answering by taskId streams the resumption', async () => {
    const asked = await collect(await stream('ask me'));
    expect(summary(asked)).toEqual(['task:submitted', 'status:working', 'status:input-required:final']);
    expect(asked[2]).toMatchObject({ status: { message: { role: 'agent', parts: [{ kind: 'text', text: 'Which city?' }] } } });
    const taskId = asked[0]!['id'] as string;
    const resumed = await collect(await methods['message/stream'](me, { message: message('Paris', { taskId }) }, { signal: signal() }));
    expect(summary(resumed)).toEqual(['task:working', 'artifact:set', 'artifact:append', 'artifact:append', 'artifact:set:last', 'status:completed:final']);
    expect(resumed[0]).toMatchObject({ id: taskId });
    expect(texts(resumed).at(-1)).toBe('Weather for Paris');
  });

  it('message/stream rejects before any event: bad params -32602, an unknown or terminal task', async () => {
    await expect(methods['message/stream'](me, { message: { messageId: 'm', role: 'user', parts: [] } }, { signal: signal() })).rejects.toMatchObject({ code: 'invalid_params' });
    await expect(stream('x', { taskId: newId() })).rejects.toMatchObject({ code: 'task_not_found' });
    const done = await collect(await stream('plain'));
    await expect(stream('late', { taskId: done[0]!['id'] })).rejects.toMatchObject({ code: 'unsupported_operation' });
  });

  it('tasks/resubscribe: the current Task first, then exactly the events after it — no gap, no duplicate', async () => {
    const original = await stream('gated twice');
    const iterator = original[Symbol.asyncIterator]();
    const task = (await iterator.next()).value as V03StreamEvent;
    const taskId = task['id'] as string;
    // Wait for the claim so the snapshot is `working`; everything after it must then arrive live, once.
    await eventually(async () => ((await store.lastCommit(stepEventStream({ orgId: tenant.orgId, runId: task['contextId'], stepId: taskId } as StepAddress))) ? true : undefined));
    const again = await methods['tasks/resubscribe'](me, { id: taskId }, { signal: signal() });
    const resubscribed = again[Symbol.asyncIterator]();
    const snapshot = (await resubscribed.next()).value as V03StreamEvent;
    expect(snapshot).toMatchObject({ kind: 'task', id: taskId, status: { state: 'working' } });
    executor.open(taskId);
    const live = await collect({ [Symbol.asyncIterator]: () => resubscribed });
    expect(summary(live)).toEqual(['artifact:set', 'artifact:append', 'artifact:append', 'artifact:set:last', 'status:completed:final']);
    const first = await collect({ [Symbol.asyncIterator]: () => iterator });
    expect(summary(first)).toEqual(['status:working', ...summary(live)]);
  });

  it('tasks/resubscribe to an ended task sends its snapshot and ends', async () => {
    const done = await collect(await stream('finished'));
    const again = await collect(await methods['tasks/resubscribe'](me, { id: done[0]!['id'] }, { signal: signal() }));
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ kind: 'task', status: { state: 'completed' }, artifacts: [{ parts: [{ text: 'Echo: finished' }] }] });
  });

  it('tasks/resubscribe rejects an unknown task, another organization\'s task and bad params before any event', async () => {
    const hanging = await collect(await stream('hang'), 1);
    const resub = (principal: ApiKeyPrincipal, params: unknown) => methods['tasks/resubscribe'](principal, params, { signal: signal() });
    await expect(resub(me, { id: newId() })).rejects.toMatchObject({ code: 'task_not_found' });
    await expect(resub(me, { id: 'shaman.>' })).rejects.toMatchObject({ code: 'task_not_found' });
    await expect(resub({ keyId: other.keyId, orgId: other.orgId, scopes: ['*'] }, { id: hanging[0]!['id'] })).rejects.toBeInstanceOf(A2AError);
    await expect(resub({ keyId: other.keyId, orgId: other.orgId, scopes: ['*'] }, { id: hanging[0]!['id'] })).rejects.toMatchObject({ code: 'task_not_found' });
    await expect(resub(me, {})).rejects.toMatchObject({ code: 'invalid_params' });
  });

  it('stops reading and removes its consumer when the client goes away', async () => {
    const controller = new AbortController();
    const events = await stream('hang on', {}, { signal: controller.signal });
    const reading = collect(events);
    await eventually(async () => ((await consumers()) > 0 ? true : undefined));
    controller.abort();
    expect(summary(await reading).length).toBeGreaterThan(0);
    await eventually(async () => ((await consumers()) === 0 ? true : undefined), { what: 'the consumer to be removed' });
  });

  it('ends every open stream when the gateway shuts down', async () => {
    const shutdown = new AbortController();
    const draining = createStreamMethods({ store, nc: nats.nc, tenants: createTenantDirectory(pool), tasks: createTaskReader({ pool, store }), watcher, clock: () => new Date(), shutdown: shutdown.signal });
    const reading = collect(await draining['message/stream'](me, { message: message('hang around'), metadata: { agent: 'Weather' } }, { signal: signal() }));
    await eventually(async () => ((await consumers()) > 0 ? true : undefined));
    shutdown.abort();
    expect(summary(await reading)[0]).toBe('task:submitted');
    await eventually(async () => ((await consumers()) === 0 ? true : undefined), { what: 'the consumer to be removed' });
  });
});
