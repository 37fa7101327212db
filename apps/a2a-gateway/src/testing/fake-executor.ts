import { decodeCommit, type JetStreamEventStore } from '@shaman/event-store';
import { RunRequested, stepEventStream, type StepEvent } from '@shaman/events';
import { newId } from '@shaman/platform';
import type { TestNats } from '@shaman/testing';

/**
 * Stands in for an executor in protocol specs: a request completes with `Echo: <text>` (StepStarted, then
 * StepCompleted); a text containing "never" only starts; a cancel request records StepCanceled.
 */
export const startFakeExecutor = (nats: TestNats, store: JetStreamEventStore) =>
  nats.nc.subscribe(`${nats.layout.subjectPrefix}.req.>`, {
    callback: (_e, msg) => {
      const event = decodeCommit(msg.data).events[0] as unknown as { type?: string; metadata: StepEvent['metadata'] };
      if (event.type === 'RunCancelRequested') {
        const canceled: StepEvent = { type: 'StepCanceled', data: { reason: 'test' }, metadata: { ...event.metadata, eventId: newId() } as StepEvent['metadata'] };
        void store.appendToStream(stepEventStream(event.metadata), [canceled]).catch(() => undefined);
        return;
      }
      const parsed = RunRequested.safeParse(event);
      if (!parsed.success) return;
      const r = parsed.data;
      const text = r.data.message.parts.map((p) => (p.kind === 'text' ? p.text : '')).join('');
      const meta = (n: number) => ({ ...r.metadata, eventId: newId(), at: new Date(Date.now() + n).toISOString() }) as StepEvent['metadata'];
      const started: StepEvent = { type: 'StepStarted', data: { agent: r.data.agent, model: 'scripted', executorId: 'fake', attempt: 1 }, metadata: meta(0) };
      const done: StepEvent = { type: 'StepCompleted', data: { output: { parts: [{ kind: 'text', text: `Echo: ${text}` }] }, usage: { inputTokens: 1, outputTokens: 1 }, iterations: 1 }, metadata: meta(1) };
      void (async () => {
        const a = await store.appendToStream(stepEventStream(r.metadata), [started], { expectedStreamVersion: 0n });
        if (text.includes('never')) return;
        await store.appendToStream(stepEventStream(r.metadata), [done], { expectedStreamVersion: a.nextExpectedStreamVersion });
      })().catch(() => undefined); // core subscribers also see duplicate publishes; the fence turns those away
    },
  });
