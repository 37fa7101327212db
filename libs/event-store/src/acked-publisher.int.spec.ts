import { JetStreamApiError, jetstreamManager } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import { connectNats } from '@shaman/platform';
import { TEST_NATS_URL, createTestNats, type TestNats } from '@shaman/testing';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAckedPublisher, type AckedPublisher } from './acked-publisher.js';

const payload = (text: string): Uint8Array => new TextEncoder().encode(text);
const withHeaders = (entries: Record<string, string> = {}) => {
  const h = headers();
  for (const [k, v] of Object.entries(entries)) h.set(k, v);
  return h;
};

describe('createAckedPublisher (real nats-server)', () => {
  let nats: TestNats;
  let publisher: AckedPublisher;
  const subject = () => `${nats.layout.subjectPrefix}.evt.${randomUUID()}`;

  beforeAll(async () => {
    nats = await createTestNats();
    publisher = createAckedPublisher(nats.nc, { timeoutMs: 5_000 });
  });
  afterAll(async () => nats.cleanup());

  it('resolves concurrent publishes with their own acknowledgements, in stream order', async () => {
    const s = subject();
    const acks = await Promise.all([...Array(50).keys()].map((i) => publisher.publish(s, payload(`${i}`), withHeaders())));
    expect(acks.every((a) => a.stream === nats.layout.stream && !a.duplicate)).toBe(true);
    const seqs = acks.map((a) => a.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(50);
    const jsm = await jetstreamManager(nats.nc);
    const last = await jsm.streams.getMessage(nats.layout.stream, { last_by_subj: s });
    expect(last?.seq).toBe(Math.max(...seqs));
    expect(last?.string()).toBe(`${seqs.indexOf(Math.max(...seqs))}`);
  });

  it('reports a repeated Nats-Msg-Id as a duplicate of the first sequence', async () => {
    const s = subject();
    const id = randomUUID();
    const first = await publisher.publish(s, payload('a'), withHeaders({ 'Nats-Msg-Id': id }));
    const again = await publisher.publish(s, payload('a'), withHeaders({ 'Nats-Msg-Id': id }));
    expect(first.duplicate).toBe(false);
    expect(again).toEqual({ stream: nats.layout.stream, seq: first.seq, duplicate: true });
  });

  it("rejects a wrong expected sequence with JetStream's own error and code", async () => {
    const s = subject();
    const first = await publisher.publish(s, payload('a'), withHeaders());
    const refused = publisher.publish(s, payload('b'), withHeaders({ 'Nats-Expected-Last-Subject-Sequence': `${first.seq + 1000}` }));
    await expect(refused).rejects.toBeInstanceOf(JetStreamApiError);
    await expect(refused).rejects.toMatchObject({ code: 10071, status: 400 });
  });

  it('rejects a subject no stream takes with NoResponders', async () => {
    await expect(publisher.publish(`nostream.${randomUUID()}`, payload('a'), withHeaders())).rejects.toMatchObject({ name: 'NoResponders' });
  });

  it('times out when nobody acknowledges, and a late answer changes nothing', async () => {
    const quick = createAckedPublisher(nats.nc, { timeoutMs: 300 });
    const silent = `silent.${randomUUID()}`;
    const replies: string[] = [];
    // A plain subscriber: a responder (so no 503) that answers only after the deadline.
    const sub = nats.nc.subscribe(silent, {
      callback: (_e, m) =>
        void setTimeout(() => {
          replies.push(m.reply ?? '');
          m.respond(payload('{"stream":"LATE","seq":1}'));
        }, 600),
    });
    await nats.nc.flush();
    const started = performance.now();
    await expect(quick.publish(silent, payload('a'), withHeaders())).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
    await expect.poll(() => replies.length).toBe(1);
    await nats.nc.flush(); // the late answer has reached the publisher's subscription by now
    // It settled nothing: the next publish gets the stream's own acknowledgement, not the stale one.
    const next = await quick.publish(subject(), payload('b'), withHeaders());
    expect(next.stream).toBe(nats.layout.stream);
    sub.unsubscribe();
    quick.close();
  });

  it('rejects what is still waiting when the connection closes', async () => {
    const nc = await connectNats(TEST_NATS_URL, 'acked-publisher-close');
    const own = createAckedPublisher(nc, { timeoutMs: 10_000 });
    const silent = `silent.${randomUUID()}`;
    const sub = nats.nc.subscribe(silent, { callback: () => undefined });
    await nats.nc.flush();
    const pending = own.publish(silent, payload('a'), withHeaders());
    await nc.flush();
    await nc.close();
    await expect(pending).rejects.toMatchObject({ name: 'ClosedConnectionError' });
    sub.unsubscribe();
  });
});
