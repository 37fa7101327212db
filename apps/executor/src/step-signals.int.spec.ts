import { commitHeaders, encodeCommit } from '@shaman/event-store';
import { createTestNats, type TestNats } from '@shaman/testing';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadlineOf } from './deadlines/deadline-abort.js';
import { listenForStepSignals } from './step-signals.js';

const [orgId, runId] = [randomUUID(), randomUUID()];
const steps = { cancel: randomUUID(), deadline: randomUUID(), requested: randomUUID(), garbled: randomUUID(), unknown: randomUUID() };
const meta = (stepId: string) => ({ orgId, runId, stepId, eventId: randomUUID(), at: '2026-11-27T00:00:00.000Z' });

describe('listenForStepSignals (real nats-server)', () => {
  let nats: TestNats;
  const inFlight = new Map<string, AbortController>();

  beforeAll(async () => {
    nats = await createTestNats();
  });
  afterAll(async () => {
    await nats.cleanup();
  });

  /** Publishes a request commit on the step's request subject as a core message, the way subscribers see it. */
  const publish = async (stepId: string, events: { type: string; data: Record<string, unknown>; metadata: Record<string, unknown> }[]): Promise<void> => {
    nats.nc.publish(`${nats.layout.subjectPrefix}.req.${orgId}.${runId}.${stepId}`, encodeCommit(events), { headers: commitHeaders(events) });
    await nats.nc.flush();
  };

  it('aborts the step it runs on a cancel, with the deadline as the reason on a deadline, and ignores the rest', async () => {
    const subscription = listenForStepSignals({ nc: nats.nc, subjectPrefix: nats.layout.subjectPrefix, inFlight, logger: pino({ level: 'silent' }) });
    const [canceled, timedOut, requested, garbled] = [steps.cancel, steps.deadline, steps.requested, steps.garbled].map((id) => {
      const controller = new AbortController();
      inFlight.set(id, controller);
      return controller;
    });
    try {
      await publish(steps.requested, [{ type: 'RunRequested', data: {}, metadata: meta(steps.requested) }]);
      await publish(steps.cancel, [{ type: 'RunCancelRequested', data: {}, metadata: meta(steps.cancel) }]);
      await publish(steps.deadline, [{ type: 'StepDeadlineExceeded', data: { scope: 'step', timeoutMs: 1500, deadline: '2026-11-27T00:00:01.500Z' }, metadata: meta(steps.deadline) }]);
      await publish(steps.garbled, [{ type: 'StepDeadlineExceeded', data: { scope: 'nowhere' }, metadata: meta(steps.garbled) }]);
      await publish(steps.unknown, [{ type: 'RunCancelRequested', data: {}, metadata: meta(steps.unknown) }]);
      await expect.poll(() => canceled!.signal.aborted).toBe(true);
      await expect.poll(() => timedOut!.signal.aborted).toBe(true);
      expect(deadlineOf(canceled!.signal.reason)).toBeUndefined();
      expect(deadlineOf(timedOut!.signal.reason)).toEqual({ scope: 'step', timeoutMs: 1500 });
      // Everything published before the last one has been handled by now (one subscription, in order).
      expect(requested!.signal.aborted).toBe(false);
      expect(garbled!.signal.aborted).toBe(false);
    } finally {
      subscription.unsubscribe();
      inFlight.clear();
    }
  });
});
