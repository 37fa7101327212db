import type { JetStreamEventStore } from '@shaman/event-store';
import { encodeCommit } from '@shaman/event-store';
import { createLogger, newId } from '@shaman/platform';
import { runRequested } from '@shaman/testing';
import { describe, expect, it } from 'vitest';
import { fakeDelivery } from './delivery.fixture.js';
import { handleRequest, type RequestHandlerDeps } from './request-handler.js';


/**
 * Regression (issue 8, found by the fault suite): across a nats-server restart the server redelivered a step's
 * request while its first attempt was still running here. The handler acked that redelivery at once; the
 * first attempt then failed (its append timed out during the outage), its nak found the message acked, and
 * the step stayed "working" forever.
 */
describe('a request redelivered while its step is still running here', () => {
  it('is not acked on arrival, and is retried when the running attempt fails', async () => {
    let fail: (error: Error) => void = () => undefined;
    const runStep = (() => new Promise((_, reject) => (fail = reject))) as unknown as RequestHandlerDeps['runStep'];
    const handle = handleRequest({
      store: {} as JetStreamEventStore,
      runStep,
      logger: createLogger({ name: 'test', level: 'silent' }),
      inFlight: new Map(),
      heartbeatMs: 60_000,
      maxDeliver: 5,
      clock: () => new Date(),
    });
    const data = encodeCommit([runRequested({ orgId: newId(), agent: 'Echo', repository: '/r', text: 'x' })]);
    const first = fakeDelivery(data, 1);
    const again = fakeDelivery(data, 2);
    const running = handle(first);
    await handle(again);
    expect(again.settled).toEqual({ acked: 0, naked: [], termed: 0 });
    fail(new Error('append timed out'));
    await running;
    expect(again.settled.naked).toHaveLength(1); // the newest delivery goes back for another attempt
    expect(first.settled.acked + again.settled.acked).toBe(0);
  });
});
