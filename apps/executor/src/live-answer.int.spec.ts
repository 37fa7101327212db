import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { TextDelta, stepDeltaSubject, stepRequestStream, type RunCancelRequested, type ShamanEvent, type StepAddress } from '@shaman/events';
import { createLogger, newId } from '@shaman/platform';
import { createTestNats, eventually, runRequested, stepEvents, stepEventsUntil, type TestNats } from '@shaman/testing';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExecutorOn, type Executor } from './executor.js';
import { withLatency } from './llm/latency.provider.js';
import { createProviderRegistry } from './llm/provider-registry.js';
import { createScriptedProvider } from './llm/scripted.provider.js';

const config = { EXECUTOR_ID: 'live', EXECUTOR_CONCURRENCY: 10, EXECUTOR_ACK_WAIT_MS: 5000, EXECUTOR_MAX_DELIVER: 3, EXECUTOR_MAX_ACK_PENDING: 100, STEP_MAX_ITERATIONS: 4, LLM_MAX_ATTEMPTS: 2 };
const decoder = new TextDecoder();

/** Token deltas (core NATS, never stored) and cancel while the model is mid-answer, against a real nats-server. */
describe('executor: live answer text and cancel mid-answer', () => {
  let nats: TestNats;
  let store: JetStreamEventStore;
  let repo: string;
  let executor: Executor;
  const orgId = newId();

  beforeAll(async () => {
    nats = await createTestNats({ ackWaitMs: config.EXECUTOR_ACK_WAIT_MS, maxDeliver: config.EXECUTOR_MAX_DELIVER });
    store = await createJetStreamEventStore({ nc: nats.nc, ...nats.layout });
    repo = await mkdtemp(join(tmpdir(), 'shaman-live-'));
    await writeFile(join(repo, 'Talker.md'), '---\nname: Talker\nmodel: scripted\n---\nTalk.\n');
    await writeFile(join(repo, 'Talker.script.yaml'), 'turns:\n  - reply: "one two three four five six seven eight {{input}}"\n');
    await writeFile(join(repo, 'Slow.md'), '---\nname: Slow\nmodel: slow\n---\nThink for a long time.\n');
    // A model that takes 10 s to answer: only a working abort ends the step before that.
    const providers = createProviderRegistry({ scripted: createScriptedProvider(), slow: withLatency(createScriptedProvider(), 10_000) }, [
      { pattern: 'scripted*', provider: 'scripted' },
      { pattern: 'slow', provider: 'slow' },
    ]);
    executor = await startExecutorOn({ nc: nats.nc, layout: nats.layout, logger: createLogger({ name: 't', level: 'silent' }), providers, config });
  });
  afterAll(async () => {
    await executor.stop(1000);
    await nats.cleanup();
  });

  const request = async (agent: string, text: string): Promise<StepAddress> => {
    const event = runRequested({ orgId, agent, repository: repo, text });
    await store.appendToStream(stepRequestStream(event.metadata), [event]);
    return event.metadata;
  };

  it('publishes the answer as numbered deltas on the core delta subject, which the event stream does not store', async () => {
    const deltas: TextDelta[] = [];
    const sub = nats.nc.subscribe(`${nats.layout.subjectPrefix}_delta.${orgId}.>`, { callback: (_e, m) => void deltas.push(TextDelta.parse(JSON.parse(decoder.decode(m.data)))) });
    await nats.nc.flush();
    const address = await request('Talker', 'nine');
    const events = await stepEventsUntil(store, address);
    sub.unsubscribe();
    const answer = 'one two three four five six seven eight nine';
    expect(events.at(-1)).toMatchObject({ type: 'StepCompleted', data: { output: { parts: [{ text: answer }] } } });
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((d) => d.seq)).toEqual(deltas.map((_, i) => i));
    expect(new Set(deltas.map((d) => d.call)).size).toBe(1);
    expect(deltas.every((d) => d.iteration === 0)).toBe(true);
    expect(deltas.map((d) => d.text).join('')).toBe(answer);
    // Not one of them reached the event log: the stream holds only the request and the step's own commits.
    let commits = 0;
    for await (const _ of store.readFilter(`*.${orgId}.${address.runId}.${address.stepId}`)) commits++;
    expect((await store.jsm.streams.info(nats.layout.stream)).state.messages).toBe(commits);
    expect(stepDeltaSubject(nats.layout.subjectPrefix, address).startsWith(`${nats.layout.subjectPrefix}.`)).toBe(false);
  });

  it('cancels a step while its model is mid-answer: the call is aborted, the step ends canceled, no answer is recorded', async () => {
    const address = await request('Slow', 'take your time');
    await stepEventsUntil(store, address, { until: (e) => e.type === 'StepStarted' });
    await eventually(async () => (executor.inFlight() === 1 ? true : undefined), { what: 'the step to be in flight' });
    const cancel: RunCancelRequested = {
      type: 'RunCancelRequested',
      data: { reason: 'test', requestedBy: { kind: 'user', id: 'u1' } },
      metadata: { ...address, eventId: newId(), at: new Date().toISOString() } as RunCancelRequested['metadata'],
    };
    await store.appendToStream(stepRequestStream(address), [cancel]);
    // Far below the model's 10 s: only an aborted call gets here in time.
    const events = await stepEventsUntil(store, address, { timeoutMs: 5000 });
    expect(events.map((e) => e.type)).toEqual(['StepStarted', 'StepCanceled']);
    await eventually(async () => (executor.inFlight() === 0 ? true : undefined), { what: 'the slot to be released', timeoutMs: 5000 });
    const after: ShamanEvent[] = await stepEvents(store, address);
    expect(after.some((e) => e.type === 'LlmResponded' || e.type === 'StepCompleted')).toBe(false);
  });
});
