import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { stepEventStream, stepRequestStream, type StepAddress, type StepEvent } from '@shaman/events';
import { EXECUTOR_CONSUMER } from '@shaman/nats-infra';
import { createLogger, deterministicId, newId } from '@shaman/platform';
import { createTestNats, runRequested, stepEvents, stepEventsUntil, type TestNats } from '@shaman/testing';
import type { Subscription } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenForMaxDeliveries } from './max-deliveries-listener.js';

const MAX_DELIVER = 2;

/**
 * A request whose every delivery timed out (no executor lived to fail it) would leave its step "working"
 * forever; the max-deliveries advisory dead-letters it. Real nats-server, a consumer that never acks.
 */
describe('a request that runs out of deliveries', () => {
  let nats: TestNats;
  let store: JetStreamEventStore;
  let listener: Subscription;

  beforeAll(async () => {
    nats = await createTestNats({ ackWaitMs: 1000, maxDeliver: MAX_DELIVER });
    store = await createJetStreamEventStore({ nc: nats.nc, ...nats.layout });
    listener = listenForMaxDeliveries({ nc: nats.nc, store, consumer: EXECUTOR_CONSUMER, clock: () => new Date(), logger: createLogger({ name: 'test', level: 'silent' }) });
  });
  afterAll(async () => {
    listener.unsubscribe();
    await nats.cleanup();
  });

  /** Takes every delivery of the consumer and never acks, as executors that die mid-step would. */
  const dieOnEveryDelivery = async (): Promise<void> => {
    const consumer = await store.js.consumers.get(nats.layout.stream, EXECUTOR_CONSUMER);
    for (let i = 0; i < MAX_DELIVER; i++) expect(await consumer.next({ expires: 5000 })).not.toBeNull();
    // A waiting pull is what makes the server notice the last delivery's ack wait ran out.
    expect(await consumer.next({ expires: 3000 })).toBeNull();
  };

  it('dead-letters its step behind the fence, saying why', async () => {
    const request = runRequested({ orgId: newId(), agent: 'A', repository: '/r', text: 'x' });
    const address = request.metadata as StepAddress;
    await store.appendToStream(stepRequestStream(address), [request]);
    const started = { type: 'StepStarted', data: { agent: request.data.agent, model: 'm', executorId: 'gone', attempt: 1 }, metadata: { ...address, eventId: deterministicId(address.stepId, 0), at: new Date().toISOString() } } as StepEvent;
    await store.appendToStream(stepEventStream(address), [started], { expectedStreamVersion: 0n });
    await dieOnEveryDelivery();
    const events = await stepEventsUntil(store, address, { timeoutMs: 10_000 });
    expect(events.map((e) => e.type)).toEqual(['StepStarted', 'StepDeadLettered', 'StepFailed']);
    expect(events[1]).toMatchObject({ data: { attempts: MAX_DELIVER, kind: 'internal' } });
    expect(events[2]).toMatchObject({ data: { error: { code: 'internal', message: expect.stringContaining(`no executor finished an attempt in ${MAX_DELIVER} deliveries of its RunRequested`) } } });
    expect(await stepEvents(store, address)).toHaveLength(3);
  });
});
