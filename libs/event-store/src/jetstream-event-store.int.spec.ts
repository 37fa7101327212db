import { CommandHandler, ExpectedVersionConflictError, STREAM_DOES_NOT_EXIST, isExpectedVersionConflictError } from '@event-driven-io/emmett';
import { createTestNats, type TestNats } from '@shaman/testing';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJetStreamEventStore, type JetStreamEventStore } from './jetstream-event-store.js';

type Ping = { type: 'Ping'; data: { n: number }; metadata: { eventId: string } };
const ping = (n: number, eventId = randomUUID()): Ping => ({ type: 'Ping', data: { n }, metadata: { eventId } });

describe('JetStream event store (real nats-server)', () => {
  let nats: TestNats;
  let store: JetStreamEventStore;
  const stream = () => `evt.${randomUUID()}`;

  beforeAll(async () => {
    nats = await createTestNats();
    store = await createJetStreamEventStore({ nc: nats.nc, ...nats.layout });
  });
  afterAll(async () => nats.cleanup());

  it('appends a commit of several events atomically and reads them back in order', async () => {
    const s = stream();
    const result = await store.appendToStream(s, [ping(1), ping(2), ping(3)], { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
    expect(result.createdNewStream).toBe(true);
    const read = await store.readStream<Ping>(s);
    expect(read.events.map((e) => e.data.n)).toEqual([1, 2, 3]);
    expect(read.currentStreamVersion).toBe(result.nextExpectedStreamVersion);
    expect(read.events.every((e) => e.metadata.streamPosition === result.nextExpectedStreamVersion)).toBe(true);
  });

  it('finds the first and last commit on a filter with one request each, from any sequence', async () => {
    const root = `evt.${randomUUID()}`;
    expect(await store.firstCommit(`${root}.*`)).toBeNull();
    const a = await store.appendToStream(`${root}.a`, [ping(1)]);
    await store.appendToStream(stream(), [ping(99)]); // another subject in between
    const b = await store.appendToStream(`${root}.b`, [ping(2)]);
    expect((await store.firstCommit(`${root}.*`))?.seq).toBe(Number(a.nextExpectedStreamVersion));
    expect((await store.firstCommit(`${root}.*`, Number(a.nextExpectedStreamVersion) + 1))?.seq).toBe(Number(b.nextExpectedStreamVersion));
    expect(await store.firstCommit(`${root}.*`, Number(b.nextExpectedStreamVersion) + 1)).toBeNull();
    expect((await store.lastCommit(`${root}.*`))?.seq).toBe(Number(b.nextExpectedStreamVersion));
  });

  it('lets exactly one of many concurrent claimants of an empty stream win', async () => {
    const s = stream();
    const attempts = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => store.appendToStream(s, [ping(i)], { expectedStreamVersion: STREAM_DOES_NOT_EXIST })),
    );
    const won = attempts.filter((a) => a.status === 'fulfilled');
    const lost = attempts.filter((a): a is PromiseRejectedResult => a.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(11);
    expect(lost.every((l) => isExpectedVersionConflictError(l.reason))).toBe(true);
    expect((await store.readStream<Ping>(s)).events).toHaveLength(1);
  });

  it('lets exactly one of concurrent writers at the same expected version win', async () => {
    const s = stream();
    const first = await store.appendToStream(s, [ping(0)], { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
    const attempts = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => store.appendToStream(s, [ping(i + 1)], { expectedStreamVersion: first.nextExpectedStreamVersion })),
    );
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    expect((await store.readStream<Ping>(s)).events).toHaveLength(2);
  });

  it('treats a retried append with the same event id as a no-op', async () => {
    const s = stream();
    const event = ping(7);
    const a = await store.appendToStream(s, [event], { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
    const b = await store.appendToStream(s, [event], { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
    expect(b.duplicate).toBe(true);
    expect(b.nextExpectedStreamVersion).toBe(a.nextExpectedStreamVersion);
    expect((await store.readStream<Ping>(s)).events).toHaveLength(1);
  });

  it('refuses a different commit that reuses a stored commit id instead of reporting it written', async () => {
    const s = stream();
    const id = randomUUID();
    await store.appendToStream(s, [ping(1, id)], { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
    const impostor = store.appendToStream(s, [ping(2, id)], { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
    await expect(impostor).rejects.toBeInstanceOf(ExpectedVersionConflictError);
    expect((await store.readStream<Ping>(s)).events.map((e) => e.data.n)).toEqual([1]);
  });

  it('fences a stale writer: an append at an old version is refused with the current version', async () => {
    const s = stream();
    const v1 = await store.appendToStream(s, [ping(1)], { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
    const v2 = await store.appendToStream(s, [ping(2)], { expectedStreamVersion: v1.nextExpectedStreamVersion });
    const stale = store.appendToStream(s, [ping(99)], { expectedStreamVersion: v1.nextExpectedStreamVersion });
    await expect(stale).rejects.toBeInstanceOf(ExpectedVersionConflictError);
    await expect(stale).rejects.toMatchObject({ current: v2.nextExpectedStreamVersion.toString() });
    expect((await store.readStream<Ping>(s)).events.map((e) => e.data.n)).toEqual([1, 2]);
  });

  it('aggregates a stream with an evolve function and reports existence', async () => {
    const s = stream();
    expect(await store.streamExists(s)).toBe(false);
    await store.appendToStream(s, [ping(2), ping(3)]);
    await store.appendToStream(s, [ping(5)]);
    const { state, streamExists } = await store.aggregateStream<number, Ping>(s, { evolve: (sum: number, e: Ping) => sum + e.data.n, initialState: () => 0 });
    expect(streamExists).toBe(true);
    expect(state).toBe(10);
  });

  it("serves emmett's own CommandHandler, whose conflict retry makes concurrent commands on one stream all succeed", async () => {
    const s = stream();
    const handle = CommandHandler<number, Ping>({ evolve: (sum, e) => sum + e.data.n, initialState: () => 0, retry: { onVersionConflict: 10 } });
    await Promise.all([1, 2, 3, 4, 5].map((n) => handle(store, s, (sum) => (sum < 100 ? [ping(n)] : []))));
    const { state } = await store.aggregateStream<number, Ping>(s, { evolve: (sum: number, e: Ping) => sum + e.data.n, initialState: () => 0 });
    expect(state).toBe(15);
    expect((await store.readStream<Ping>(s)).events).toHaveLength(5);
  });

  it('reads across subjects with a wildcard filter, in stream order', async () => {
    const run = randomUUID();
    await store.appendToStream(`req.o.${run}.a`, [ping(1)]);
    await store.appendToStream(`evt.o.${run}.a`, [ping(2)]);
    await store.appendToStream(`evt.o.${run}.b`, [ping(3)]);
    const seen: number[] = [];
    for await (const c of store.readFilter(`*.o.${run}.>`)) seen.push(...c.commit.events.map((e) => (e as Ping).data.n));
    expect(seen).toEqual([1, 2, 3]);
    expect((await store.lastCommit(`*.o.${run}.a`))?.subject).toBe(store.subjectOf(`evt.o.${run}.a`));
  });
});
