import { connect, type NatsConnection } from '@nats-io/transport-node';
import { TEST_NATS_URL, countSocketWrites } from '@shaman/testing';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectNats } from './nats-connect.js';
import { COALESCE_FLUSH_BYTES } from './turn-cork.js';

/** The client's socket, to count what reaches the kernel: one `_write`/`_writev` is one write(2). */
const socketOf = (nc: NatsConnection): Socket => (nc as unknown as { protocol: { transport: { socket: Socket } } }).protocol.transport.socket;

/** Publishes `n` messages, each from its own microtask, as continuations that publish do; all within one turn. */
const publishAcrossMicrotasks = async (nc: NatsConnection, subject: string, n: number, size = 8): Promise<void> => {
  for (let i = 0; i < n; i += 1) {
    nc.publish(subject, `${i}`.padEnd(size, '.'));
    await Promise.resolve();
  }
};

describe('connectNats: one write per event-loop turn', () => {
  const open: NatsConnection[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((nc) => nc.close()));
  });
  const subject = () => `coalesce.${randomBytes(4).toString('hex')}`;

  it('sends what several microtasks publish in one turn as one write, and delivers all of it in order', async () => {
    const [publisher, listener] = await Promise.all([connectNats(TEST_NATS_URL, 'coalesce-pub'), connectNats(TEST_NATS_URL, 'coalesce-sub')]);
    open.push(publisher, listener);
    const s = subject();
    const received: string[] = [];
    const sub = listener.subscribe(s, { callback: (_err, msg) => void received.push(msg.string()) });
    await listener.flush();
    const writes = countSocketWrites(socketOf(publisher));

    await publishAcrossMicrotasks(publisher, s, 20);
    expect(writes.count()).toBe(0); // still this turn: held
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes.count()).toBe(1);

    await publisher.flush();
    for (const until = Date.now() + 5000; received.length < 20 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 10));
    expect(received.map((m) => Number.parseInt(m, 10))).toEqual([...Array(20).keys()]);
    sub.unsubscribe();
  });

  it('would have written once per microtask with the stock transport (what the test above guards)', async () => {
    const stock = await connect({ servers: TEST_NATS_URL, name: 'coalesce-stock' });
    open.push(stock);
    const writes = countSocketWrites(socketOf(stock));
    await publishAcrossMicrotasks(stock, subject(), 20);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes.count()).toBe(20);
  });

  it('writes a burst as soon as it passes the flush threshold instead of holding it to the end of the turn', async () => {
    const publisher = await connectNats(TEST_NATS_URL, 'coalesce-burst');
    open.push(publisher);
    const socket = socketOf(publisher);
    const writes = countSocketWrites(socket);
    const size = 1024;
    const n = Math.ceil((3 * COALESCE_FLUSH_BYTES) / size);
    let held = 0;
    for (let i = 0; i < n; i += 1) {
      publisher.publish(subject(), 'x'.repeat(size));
      await Promise.resolve();
      held = Math.max(held, socket.writableLength);
    }
    expect(writes.count()).toBeGreaterThanOrEqual(2); // released mid-turn, more than once
    expect(held).toBeLessThan(COALESCE_FLUSH_BYTES + 2 * size);
    await publisher.flush(); // and the connection still answers a PING after the releases
  });
});
