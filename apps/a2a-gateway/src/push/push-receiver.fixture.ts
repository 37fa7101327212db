import type { NatsConnection } from '@nats-io/transport-node';
import { decodeCommit, type JetStreamEventStore } from '@shaman/event-store';
import { RunRequested, stepEventStream, type StepEvent } from '@shaman/events';
import { newId } from '@shaman/platform';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Receipt = { status: number; headers: IncomingHttpHeaders; body: string };

/**
 * A webhook receiver on 127.0.0.1 for push specs: answers the first `failFirst` requests with HTTP 500, then
 * 200, and keeps every request it saw (failed ones too) in arrival order.
 */
export const startPushReceiver = async (options: { failFirst: number }) => {
  const receipts: Receipt[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = receipts.length < options.failFirst ? 500 : 200;
      receipts.push({ status, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/a2a`,
    receipts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

/** Stands in for an executor: every request is started, then completed ("hold" is only started). */
export const respondToRequests = (nats: { nc: NatsConnection; layout: { subjectPrefix: string } }, store: JetStreamEventStore) =>
  nats.nc.subscribe(`${nats.layout.subjectPrefix}.req.>`, {
    callback: (_e, msg) => {
      const parsed = RunRequested.safeParse(decodeCommit(msg.data).events[0]);
      if (!parsed.success) return;
      const r = parsed.data;
      const meta = () => ({ ...r.metadata, eventId: newId(), at: new Date().toISOString() }) as StepEvent['metadata'];
      const started: StepEvent = { type: 'StepStarted', data: { agent: r.data.agent, model: 'scripted', executorId: 'fake', attempt: 1 }, metadata: meta() };
      const done: StepEvent = { type: 'StepCompleted', data: { output: { parts: [{ kind: 'text', text: 'done' }] }, usage: { inputTokens: 1, outputTokens: 1 }, iterations: 1 }, metadata: meta() };
      const hold = r.data.message.parts.some((p) => p.kind === 'text' && p.text === 'hold');
      void (async () => {
        const a = await store.appendToStream(stepEventStream(r.metadata), [started], { expectedStreamVersion: 0n });
        if (hold) return;
        await store.appendToStream(stepEventStream(r.metadata), [done], { expectedStreamVersion: a.nextExpectedStreamVersion });
      })().catch(() => undefined); // core subscribers also see duplicate publishes; the fence turns those away
    },
  });
