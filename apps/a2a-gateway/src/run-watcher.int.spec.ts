import { isExpectedVersionConflictError } from '@event-driven-io/emmett';
import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { stepEventStream, stepRequestStream, type StepAddress, type StepEvent, type StepInputProvided } from '@shaman/events';
import { newId, type Pool } from '@shaman/platform';
import { createTestNats, runRequested, type TestNats } from '@shaman/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageSendParams } from './jsonrpc/params.js';
import { createRunWatcher, WATCH_CONSUMER_PREFIX, type RunWatcher } from './run-watcher.js';
import { deliverRequest } from './tasks/send-message.js';
import { createTaskReader } from './tasks/task-reader.js';

/**
 * The run watcher against a real nats-server: what a blocking caller is told is what the stream stored, after
 * the caller's own append, and nothing stored after the watch began is missed.
 */
describe('run watcher (one ordered consumer per gateway)', () => {
  let nats: TestNats;
  let store: JetStreamEventStore;
  let watcher: RunWatcher;

  beforeAll(async () => {
    nats = await createTestNats();
    store = await createJetStreamEventStore({ nc: nats.nc, ...nats.layout });
    watcher = await createRunWatcher(nats.nc, store);
  });
  afterAll(async () => {
    await watcher.close();
    await nats.cleanup();
  });

  const step = async (): Promise<{ address: StepAddress; requestSeq: number }> => {
    const request = runRequested({ orgId: newId(), agent: 'Echo', repository: '/repo', text: 'hi' });
    const appended = await store.appendToStream(stepRequestStream(request.metadata), [request]);
    return { address: request.metadata as StepAddress, requestSeq: Number(appended.nextExpectedStreamVersion) };
  };
  const meta = (address: StepAddress) => ({ ...address, eventId: newId(), at: new Date().toISOString() }) as StepEvent['metadata'];
  const question = (address: StepAddress): StepEvent => ({ type: 'StepInputRequired', data: { toolCallId: 'c1', prompt: 'Which city?' }, metadata: meta(address) });
  const completed = (address: StepAddress, text: string): StepEvent => ({
    type: 'StepCompleted',
    data: { output: { parts: [{ kind: 'text', text }] }, usage: { inputTokens: 1, outputTokens: 1 }, iterations: 1 },
    metadata: meta(address),
  });
  const append = async (address: StepAddress, event: StepEvent, expected?: bigint) =>
    Number((await store.appendToStream(stepEventStream(address), [event], expected === undefined ? undefined : { expectedStreamVersion: expected })).nextExpectedStreamVersion);

  it('answers with the end the step stored after the watch began', async () => {
    const { address } = await step();
    const watch = watcher.watch(address.stepId);
    await append(address, completed(address, 'done'));
    const end = await watch.until(5_000);
    expect(end).toMatchObject({ type: 'StepCompleted', data: { output: { parts: [{ text: 'done' }] } } });
  });

  it('never answers with a question stored before the caller’s own append', async () => {
    const { address } = await step();
    const watch = watcher.watch(address.stepId);
    const asked = await append(address, question(address));
    // The caller's answer, on the step's request subject: the end it waits for comes after it.
    const answer = { type: 'StepInputProvided', data: { message: { messageId: newId(), role: 'user', parts: [{ kind: 'text', text: 'Paris' }] }, providedBy: { kind: 'api_key', id: newId() } }, metadata: meta(address) };
    const answeredAt = Number((await store.appendToStream(stepRequestStream(address), [answer as unknown as StepInputProvided])).nextExpectedStreamVersion);
    const until = watch.until(5_000, answeredAt);
    await append(address, completed(address, 'Paris it is'), BigInt(asked));
    expect(await until).toMatchObject({ type: 'StepCompleted', data: { output: { parts: [{ text: 'Paris it is' }] } } });
  });

  it('never answers with an append the stream refused (a fenced executor’s stale commit)', async () => {
    const { address } = await step();
    const first = await append(address, completed(address, 'the real answer'));
    const watch = watcher.watch(address.stepId);
    // Expects an empty subject: refused, as a fenced executor's append is.
    const refused = await append(address, completed(address, 'stale'), 0n).catch((error: unknown) => error);
    expect(isExpectedVersionConflictError(refused)).toBe(true);
    expect(await watch.until(500, first)).toBeNull();
  });

  it('gives up with null on timeout and after dispose, and watches of one step each get its end', async () => {
    const { address } = await step();
    expect(await watcher.watch(address.stepId).until(50)).toBeNull();
    const disposed = watcher.watch(address.stepId);
    const waiting = disposed.until(5_000);
    disposed.dispose();
    expect(await waiting).toBeNull();
    const [a, b] = [watcher.watch(address.stepId), watcher.watch(address.stepId)];
    await append(address, completed(address, 'both'));
    expect((await Promise.all([a.until(5_000), b.until(5_000)])).map((e) => e?.type)).toEqual(['StepCompleted', 'StepCompleted']);
  });

  it('keeps no watch registered once a blocking send has answered or failed', async () => {
    const { address } = await step();
    const request = runRequested({ orgId: address.orgId, agent: 'Echo', repository: '/repo', text: 'lost' });
    const params = { message: { kind: 'message', messageId: newId(), role: 'user', parts: [{ kind: 'text', text: 'lost' }] } } as unknown as MessageSendParams;
    const down: JetStreamEventStore = { ...store, appendToStream: () => Promise.reject(new Error('nats-server unavailable')) };
    const tasks = createTaskReader({ pool: undefined as unknown as Pool, store });
    await expect(deliverRequest({ store: down, tasks, watcher, blockingTimeoutMs: 5_000 }, { orgId: address.orgId, request, params })).rejects.toThrow('nats-server unavailable');
    expect(watcher.waiting()).toBe(0);
    const answered = watcher.watch(address.stepId);
    await append(address, completed(address, 'done'));
    await answered.until(5_000);
    expect(watcher.waiting()).toBe(0);
  });

  it('removes its consumer from the stream when it closes', async () => {
    const watchConsumers = async (): Promise<number> => {
      let n = 0;
      for await (const info of store.jsm.consumers.list(store.stream)) if (info.name.startsWith(WATCH_CONSUMER_PREFIX)) n += 1;
      return n;
    };
    const before = await watchConsumers();
    const another = await createRunWatcher(nats.nc, store);
    expect(await watchConsumers()).toBe(before + 1);
    await another.close();
    expect(await watchConsumers()).toBe(before);
  });
});
