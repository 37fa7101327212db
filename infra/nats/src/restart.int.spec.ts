import { ExpectedVersionConflictError, NO_CONCURRENCY_CHECK, STREAM_DOES_NOT_EXIST } from '@event-driven-io/emmett';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureJetStream } from './ensure-jetstream.js';
import type { NatsLayout } from './layout.js';

// DESIGN §3: per-subject expected-sequence checks (our optimistic concurrency) must survive a nats-server
// restart. The suite runs its own server on a free port and a fresh store dir, so it can kill it at will.
const NATS_SERVER = '/usr/sbin/nats-server';
const BOOT_TIMEOUT_MS = 15_000;

type Ping = { type: 'Ping'; data: { n: number }; metadata: { eventId: string } };
const ping = (n: number, eventId = randomUUID()): Ping => ({ type: 'Ping', data: { n }, metadata: { eventId } });

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => socket.end(() => resolve(true)));
    socket.once('error', () => resolve(false));
  });

/** One nats-server child: started on a fixed port and store dir, so a restart finds the same data. */
class ChildServer {
  private child: ChildProcess | undefined;
  private output = '';
  private readonly killOnExit = (): void => void this.child?.kill('SIGKILL');
  private readonly forget = (): void => void process.removeListener('exit', this.killOnExit);

  constructor(readonly port: number, readonly storeDir: string) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    process.once('exit', this.killOnExit); // a crashed test worker must not leave a server behind
    child.once('exit', this.forget);
    const deadline = Date.now() + BOOT_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`nats-server exited while starting:\n${this.output}`);
      if (await accepts(this.port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`nats-server did not accept connections within ${BOOT_TIMEOUT_MS} ms:\n${this.output}`);
  }

  /** Sends `signal` and waits (bounded) for the process to exit. */
  async stop(signal: NodeJS.Signals, timeoutMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const result = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    if (result === 'timeout') {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`nats-server did not exit within ${timeoutMs} ms of ${signal}:\n${this.output}`);
    }
  }
}

/** Resolves on the connection's next `reconnect` status; subscribe before the server goes away. */
const nextReconnect = (nc: NatsConnection, timeoutMs: number): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`client did not reconnect within ${timeoutMs} ms`)), timeoutMs);
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type !== 'reconnect') continue;
        clearTimeout(timer);
        resolve();
        return;
      }
    })();
  });

describe.each(['SIGTERM', 'SIGKILL'] as const)('event store across a nats-server %s restart', (signal) => {
  const layout: NatsLayout = { stream: 'RESTART_EVENTS', subjectPrefix: 'restart' };
  let server: ChildServer;
  let nc: NatsConnection;
  let store: JetStreamEventStore;
  const subjects = { a: 'evt.o.run.a', b: 'evt.o.run.b', c: 'evt.o.run.c', dedupe: 'evt.o.run.dedupe' };
  const versions: Record<keyof typeof subjects, bigint[]> = { a: [], b: [], c: [], dedupe: [] };
  const retried = ping(100);
  const serverIds: (string | undefined)[] = [];

  beforeAll(async () => {
    server = new ChildServer(await freePort(), await mkdtemp(join(tmpdir(), 'shaman-nats-restart-')));
    await server.start();
    // The client rides through the restart the way an app would: one long-lived connection, auto-reconnect.
    nc = await connect({ servers: server.url, reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 100, name: `restart-${signal}` });
    await ensureJetStream(await jetstreamManager(nc), layout);
    store = await createJetStreamEventStore({ nc, ...layout });

    // Chained appends, interleaved across subjects so per-subject and stream sequences differ.
    for (let round = 0; round < 3; round++) {
      for (const key of ['a', 'b', 'c'] as const) {
        const previous = versions[key].at(-1) ?? STREAM_DOES_NOT_EXIST;
        const { nextExpectedStreamVersion } = await store.appendToStream(subjects[key], [ping(round * 10), ping(round * 10 + 1)], { expectedStreamVersion: previous });
        versions[key].push(nextExpectedStreamVersion);
      }
    }
    versions.dedupe.push((await store.appendToStream(subjects.dedupe, [retried], { expectedStreamVersion: STREAM_DOES_NOT_EXIST })).nextExpectedStreamVersion);

    serverIds.push(nc.info?.server_id);
    const reconnected = nextReconnect(nc, BOOT_TIMEOUT_MS);
    reconnected.catch(() => undefined); // awaited below; must not surface as unhandled if stop/start throws first
    await server.stop(signal);
    await server.start();
    await reconnected;
    serverIds.push(nc.info?.server_id);
  });

  afterAll(async () => {
    await nc?.close().catch(() => undefined);
    try {
      await server?.stop('SIGKILL');
    } finally {
      if (server) await rm(server.storeDir, { recursive: true, force: true });
    }
  });

  it('(a) still has every event, in order', async () => {
    // A new server id proves the client is talking to the restarted process, not the old one.
    expect(serverIds[0]).toBeDefined();
    expect(serverIds[1]).not.toBe(serverIds[0]);
    for (const key of ['a', 'b', 'c'] as const) {
      const read = await store.readStream<Ping>(subjects[key]);
      expect(read.events.map((e) => e.data.n)).toEqual([0, 1, 10, 11, 20, 21]);
      expect(read.currentStreamVersion).toBe(versions[key].at(-1));
    }
    const info = await store.jsm.streams.info(layout.stream);
    expect(info.state.messages).toBe(10);
    expect(info.state.last_seq).toBe(10);
  });

  it('(b) refuses an append at a version that was already stale before the restart', async () => {
    const [v1, , v3] = versions.a;
    const stale = store.appendToStream(subjects.a, [ping(99)], { expectedStreamVersion: v1! });
    await expect(stale).rejects.toBeInstanceOf(ExpectedVersionConflictError);
    await expect(stale).rejects.toMatchObject({ current: v3!.toString() });
    expect((await store.readStream<Ping>(subjects.a)).events).toHaveLength(6);
  });

  it('(c) accepts the version a writer held before the restart, then fences that writer', async () => {
    const held = versions.b.at(-1)!;
    const next = await store.appendToStream(subjects.b, [ping(30)], { expectedStreamVersion: held });
    expect(next.nextExpectedStreamVersion).toBeGreaterThan(held);
    const again = store.appendToStream(subjects.b, [ping(31)], { expectedStreamVersion: held });
    await expect(again).rejects.toBeInstanceOf(ExpectedVersionConflictError);
    expect((await store.readStream<Ping>(subjects.b)).events.map((e) => e.data.n)).toEqual([0, 1, 10, 11, 20, 21, 30]);
  });

  it('(d) refuses STREAM_DOES_NOT_EXIST on a subject that has events, and allows it on a new one', async () => {
    const claim = store.appendToStream(subjects.c, [ping(99)], { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
    await expect(claim).rejects.toBeInstanceOf(ExpectedVersionConflictError);
    await expect(claim).rejects.toMatchObject({ current: versions.c.at(-1)!.toString() });
    const fresh = await store.appendToStream('evt.o.run.fresh', [ping(1)], { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
    expect(fresh.createdNewStream).toBe(true);
  });

  it('(e) reports a retried append with the same event id as a duplicate and stores it once', async () => {
    const stored = versions.dedupe[0]!;
    const retry = await store.appendToStream(subjects.dedupe, [retried], { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
    expect(retry).toMatchObject({ duplicate: true, nextExpectedStreamVersion: stored });
    const unchecked = await store.appendToStream(subjects.dedupe, [retried], { expectedStreamVersion: NO_CONCURRENCY_CHECK });
    expect(unchecked).toMatchObject({ duplicate: true, nextExpectedStreamVersion: stored });
    expect((await store.readStream<Ping>(subjects.dedupe)).events.map((e) => e.data.n)).toEqual([100]);
  });
});
