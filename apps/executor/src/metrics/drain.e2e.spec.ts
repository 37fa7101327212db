import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { stepRequestStream, type ShamanEvent, type StepAddress } from '@shaman/events';
import { newId } from '@shaman/platform';
import { createTestNats, runRequested, spawnApp, stepEvents, stepEventsUntil, type AppProcess, type TestNats } from '@shaman/testing';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

/** Production's ack wait: a step handed back on SIGTERM must not wait for it. */
const ACK_WAIT_MS = 30_000;

/**
 * Issue 9, deployment: SIGTERM drains an executor. It stops pulling, lets steps in progress finish within
 * EXECUTOR_DRAIN_GRACE_MS, hands back (nak) what is still running so another executor continues it at once
 * (not after ack_wait), and exits 0; the run completes exactly once.
 */
describe('executor drain on SIGTERM', () => {
  let nats: TestNats;
  let store: JetStreamEventStore;
  let repo: string;
  const running: AppProcess[] = [];
  const orgId = newId();

  beforeAll(async () => {
    nats = await createTestNats({ ackWaitMs: ACK_WAIT_MS });
    store = await createJetStreamEventStore({ nc: nats.nc, ...nats.layout });
    repo = await mkdtemp(join(tmpdir(), 'shaman-drain-'));
    await writeFile(join(repo, 'Echo.md'), '---\nname: Echo\nmodel: scripted\n---\nEcho.\n');
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop(2000)));
  });
  afterAll(async () => {
    await nats.cleanup();
    await rm(repo, { recursive: true, force: true });
  });

  const executor = (id: string, env: { latencyMs: number; graceMs: number }) => {
    const p = spawnApp('executor', {
      NATS_URL: nats.url,
      NATS_STREAM: nats.layout.stream,
      NATS_SUBJECT_PREFIX: nats.layout.subjectPrefix,
      EXECUTOR_ID: id,
      EXECUTOR_ACK_WAIT_MS: String(ACK_WAIT_MS),
      SCRIPTED_LATENCY_MS: String(env.latencyMs),
      EXECUTOR_DRAIN_GRACE_MS: String(env.graceMs),
    });
    running.push(p);
    return p;
  };
  const request = async (text: string): Promise<StepAddress> => {
    const event = runRequested({ orgId, agent: 'Echo', repository: repo, text });
    await store.appendToStream(stepRequestStream(event.metadata), [event]);
    return event.metadata;
  };
  const summary = (events: ShamanEvent[]) => events.map((e) => (e.type === 'StepStarted' || e.type === 'StepResumed' ? `${e.type}:${e.data.executorId}` : e.type));
  const terminalCount = (events: ShamanEvent[]) => events.filter((e) => e.type === 'StepCompleted' || e.type === 'StepFailed' || e.type === 'StepCanceled').length;

  it('hands a step still running after the grace period to the other executor at once, and exits 0', async () => {
    const a = executor('drain-A', { latencyMs: 20_000, graceMs: 300 });
    await a.waitForLog((l) => l.msg === 'executor pulling');
    const step = await request('hand me over');
    await stepEventsUntil(store, step, { until: (e) => e.type === 'StepStarted', timeoutMs: 15_000 });
    const b = executor('drain-B', { latencyMs: 200, graceMs: 300 });
    await b.waitForLog((l) => l.msg === 'executor pulling');
    const signalled = Date.now();
    expect(await a.stop(15_000)).toBe(0);
    expect(a.output()).toContain('handed back unfinished steps');
    const events = await stepEventsUntil(store, step, { until: (e) => e.type === 'StepCompleted', timeoutMs: 20_000 });
    // Handed back (nak), not abandoned: B has it long before the 30 s ack wait would have returned it.
    expect(Date.now() - signalled).toBeLessThan(ACK_WAIT_MS / 3);
    expect(summary(events)).toEqual(['StepStarted:drain-A', 'StepResumed:drain-B', 'LlmResponded', 'UsageRecorded', 'StepCompleted']);
    // Nothing more arrives from the executor that left: exactly one ending.
    await new Promise((r) => setTimeout(r, 500));
    expect(terminalCount(await stepEvents(store, step))).toBe(1);
  });

  it('lets a step finish within the grace period before exiting 0', async () => {
    const a = executor('finish-A', { latencyMs: 1500, graceMs: 15_000 });
    await a.waitForLog((l) => l.msg === 'executor pulling');
    const step = await request('finish me');
    await stepEventsUntil(store, step, { until: (e) => e.type === 'StepStarted', timeoutMs: 15_000 });
    expect(await a.stop(20_000)).toBe(0);
    const events = await stepEvents(store, step);
    expect(summary(events)).toEqual(['StepStarted:finish-A', 'LlmResponded', 'UsageRecorded', 'StepCompleted']);
    expect(a.output()).not.toContain('handed back unfinished steps');
  });
});
