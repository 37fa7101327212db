import type { JsMsg } from '@nats-io/jetstream';
import type { JetStreamEventStore } from '@shaman/event-store';
import { encodeCommit } from '@shaman/event-store';
import { createLogger, newId } from '@shaman/platform';
import { runRequested } from '@shaman/testing';
import { describe, expect, it } from 'vitest';
import { handleRequest, type RequestHandlerDeps } from './request-handler.js';

type Settled = { acked: number; naked: number; termed: number };

const delivery = (data: Uint8Array, deliveryCount: number): JsMsg & { settled: Settled } => {
  const settled: Settled = { acked: 0, naked: 0, termed: 0 };
  return {
    data,
    seq: 1,
    subject: 'req.x',
    info: { deliveryCount },
    settled,
    ack: () => void (settled.acked += 1),
    nak: () => void (settled.naked += 1),
    term: () => void (settled.termed += 1),
    working: () => undefined,
  } as unknown as JsMsg & { settled: Settled };
};

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
    const first = delivery(data, 1);
    const again = delivery(data, 2);
    const running = handle(first);
    await handle(again);
    expect(again.settled).toEqual({ acked: 0, naked: 0, termed: 0 });
    fail(new Error('append timed out'));
    await running;
    expect(again.settled.naked).toBe(1); // the newest delivery goes back for another attempt
    expect(first.settled.acked + again.settled.acked).toBe(0);
  });
});
