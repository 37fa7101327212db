import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { stepRequestStream } from '@shaman/events';
import { EXECUTOR_CONSUMER } from '@shaman/nats-infra';
import { createAppMetrics, createLogger, createRunMetrics, newId } from '@shaman/platform';
import { createTestNats, runRequested, type TestNats } from '@shaman/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeliveryEdge } from './delivery-scope.js';

/** The executor's edge around each delivery, on a real consumer: log context, timing, hand-back. */
describe('executor delivery edge', () => {
  let nats: TestNats;
  let store: JetStreamEventStore;
  const orgId = newId();

  beforeAll(async () => {
    nats = await createTestNats({ ackWaitMs: 30_000 });
    store = await createJetStreamEventStore({ nc: nats.nc, ...nats.layout });
  });
  afterAll(async () => {
    await nats.cleanup();
  });

  const setup = () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({ name: 'edge-test', destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) } });
    const metrics = createAppMetrics('executor', { defaultMetrics: false });
    const edge = createDeliveryEdge({ metrics: createRunMetrics(metrics.registry), logger });
    return { lines, logger, metrics, edge };
  };
  const next = async () => {
    const consumer = await store.js.consumers.get(nats.layout.stream, EXECUTOR_CONSUMER);
    const m = await consumer.next({ expires: 5000 });
    if (!m) throw new Error('no delivery');
    return m;
  };
  const request = async (text: string) => {
    const event = runRequested({ orgId, agent: 'Scribe', repository: '/nowhere', text });
    await store.appendToStream(stepRequestStream(event.metadata), [event]);
    return event.metadata;
  };

  it('puts the organization, run and step on every line the handler writes, and times the delivery by agent', async () => {
    const { lines, logger, metrics, edge } = setup();
    const address = await request('log me');
    const m = await next();
    await edge.wrap(async (msg) => {
      await Promise.resolve();
      logger.child({ component: 'deep' }).info('inside the step');
      msg.ack();
    })(m);
    logger.info('after the step');
    expect(lines[0]).toMatchObject({ msg: 'inside the step', orgId: address.orgId, runId: address.runId, stepId: address.stepId, component: 'deep' });
    expect(lines[1]).not.toHaveProperty('stepId');
    const count = (await metrics.registry.getSingleMetric('shaman_step_handling_duration_seconds')?.get())?.values.find((v) => (v as { metricName?: string }).metricName?.endsWith('_count') && v.labels['agent'] === 'Scribe' && v.labels['outcome'] === 'settled');
    expect(count?.value).toBe(1);
  });

  it('hands back a delivery still being handled: it is redelivered at once, not after the ack wait', async () => {
    const { edge } = setup();
    const address = await request('hand me back');
    const first = await next();
    let release = (): void => undefined;
    const running = edge.wrap(() => new Promise<void>((resolve) => (release = resolve)))(first);
    expect(edge.handBack()).toBe(1);
    const started = Date.now();
    const again = await next();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(again.info.deliveryCount).toBe(2);
    expect(again.subject).toBe(store.subjectOf(stepRequestStream(address)));
    again.ack();
    release();
    await running;
    expect(edge.handBack()).toBe(0);
  });
});
