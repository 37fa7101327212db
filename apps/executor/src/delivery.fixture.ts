import type { JsMsg } from '@nats-io/jetstream';

/** Acks and terms counted; each nak's delay (0 when none was asked for), in order. */
export type Settled = { acked: number; naked: number[]; termed: number };

/**
 * A stand-in for one JetStream delivery of a request: what the request handler needs of it (data, delivery
 * count, when the message was stored, ack/nak/working), recording how it was settled, for tests that drive the
 * handler directly.
 */
export const fakeDelivery = (data: Uint8Array, deliveryCount: number, storedAtMs = Date.now()): JsMsg & { settled: Settled } => {
  const settled: Settled = { acked: 0, naked: [], termed: 0 };
  return {
    data, seq: 1, subject: 'req.x', info: { deliveryCount, timestampNanos: storedAtMs * 1e6 }, settled,
    ack: () => void (settled.acked += 1),
    nak: (delay?: number) => void settled.naked.push(delay ?? 0),
    term: () => void (settled.termed += 1),
    working: () => undefined,
  } as unknown as JsMsg & { settled: Settled };
};
