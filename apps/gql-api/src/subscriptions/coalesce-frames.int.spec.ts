import { COALESCE_FLUSH_BYTES } from '@shaman/platform';
import { countSocketWrites } from '@shaman/testing';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { coalesceFrames } from './coalesce-frames.js';

type Pair = { server: WebSocket; client: WebSocket; raw: Socket; received: string[]; close: () => Promise<void> };

/** A real WebSocket connection over loopback TCP: the server side, its TCP socket, and what the client received. */
const connectPair = async (coalesce: boolean): Promise<Pair> => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => wss.once('listening', resolve));
  const accepted = new Promise<{ server: WebSocket; raw: Socket }>((resolve) =>
    wss.once('connection', (server, request) => {
      if (coalesce) coalesceFrames(server, request.socket);
      resolve({ server, raw: request.socket });
    }),
  );
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  const received: string[] = [];
  client.on('message', (data) => void received.push(String(data)));
  await new Promise((resolve) => client.once('open', resolve));
  const { server, raw } = await accepted;
  return {
    server,
    client,
    raw,
    received,
    close: async () => {
      client.terminate();
      await new Promise((resolve) => wss.close(resolve));
    },
  };
};

/** Sends `n` frames, each from its own microtask (as a subscription's iterator does), all within one turn. */
const sendAcrossMicrotasks = async (ws: WebSocket, n: number, size = 8): Promise<void> => {
  for (let i = 0; i < n; i += 1) {
    ws.send(`${i}`.padEnd(size, '.'));
    await Promise.resolve();
  }
};

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('coalesceFrames: one write per event-loop turn on a WebSocket', () => {
  const open: Pair[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.close()));
  });

  it("sends a turn's frames as one write, in order, even when each waits for the previous send's callback", async () => {
    const pair = await connectPair(true);
    open.push(pair);
    const writes = countSocketWrites(pair.raw);
    // As graphql-ws does: a subscription's next frame goes out once the previous send has called back.
    for (let i = 0; i < 20; i += 1) await new Promise<void>((resolve, reject) => pair.server.send(`${i}`, (error) => (error ? reject(error) : resolve())));
    expect(writes.count()).toBe(0); // still this turn: held
    await nextTurn();
    expect(writes.count()).toBe(1);
    await expect.poll(() => pair.received.length).toBe(20);
    expect(pair.received.map(Number)).toEqual([...Array(20).keys()]);
  });

  it('makes a send wait for its write once a backlog builds up, so a reader that does not read cannot grow it without bound', async () => {
    const pair = await connectPair(true);
    open.push(pair);
    pair.client.pause(); // the kernel's buffers fill, then the socket's own
    const frame = 'x'.repeat(16 * 1024);
    let held: (() => boolean) | null = null;
    for (let i = 0; i < 4096 && held === null; i += 1) {
      let called = false;
      pair.server.send(frame, () => (called = true));
      await Promise.resolve(); // an acknowledged send has called back by now
      if (!called) held = () => called;
      if (i % 8 === 7) await nextTurn(); // the turn ends: what was corked goes to the kernel
    }
    expect(held).not.toBeNull();
    expect(pair.raw.writableLength).toBeGreaterThanOrEqual(COALESCE_FLUSH_BYTES);
    pair.client.resume();
    await expect.poll(() => held?.()).toBe(true); // and it calls back once written
  });

  it('would have written once per frame without it (what the test above guards)', async () => {
    const pair = await connectPair(false);
    open.push(pair);
    const writes = countSocketWrites(pair.raw);
    await sendAcrossMicrotasks(pair.server, 20);
    await nextTurn();
    expect(writes.count()).toBe(20);
  });

  it('writes a burst as soon as it passes the flush threshold, and the frames still arrive whole', async () => {
    const pair = await connectPair(true);
    open.push(pair);
    const writes = countSocketWrites(pair.raw);
    const size = 1024;
    const n = Math.ceil((3 * COALESCE_FLUSH_BYTES) / size);
    let held = 0;
    for (let i = 0; i < n; i += 1) {
      pair.server.send(`${i}`.padEnd(size, '.'));
      await Promise.resolve();
      held = Math.max(held, pair.raw.writableLength);
    }
    expect(writes.count()).toBeGreaterThanOrEqual(2); // released mid-turn, more than once
    expect(held).toBeLessThan(COALESCE_FLUSH_BYTES + 2 * size);
    await expect.poll(() => pair.received.length).toBe(n);
    expect(pair.received.every((frame, i) => frame.length === size && Number.parseInt(frame, 10) === i)).toBe(true);
  });
});
