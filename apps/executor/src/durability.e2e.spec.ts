import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import type { ShamanEvent} from '@shaman/events';
import { stepRequestStream, type StepAddress } from '@shaman/events';
import { newId } from '@shaman/platform';
import { createTestNats, runRequested, stepEvents, stepEventsUntil, spawnApp, type AppProcess, type TestNats } from '@shaman/testing';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const ACK_WAIT_MS = 1500;

/**
 * DESIGN §4 with real executor processes: a step survives its executor's death (SIGKILL) and continues on
 * another from its last event; a frozen executor (SIGSTOP) that wakes up after losing its step is fenced
 * out by JetStream's per-subject sequence check and records nothing.
 */
describe('durable execution across executor processes', () => {
  let nats: TestNats;
  let store: JetStreamEventStore;
  let repo: string;
  const running: AppProcess[] = [];
  const orgId = newId();

  beforeAll(async () => {
    nats = await createTestNats({ ackWaitMs: ACK_WAIT_MS });
    store = await createJetStreamEventStore({ nc: nats.nc, ...nats.layout });
    repo = await mkdtemp(join(tmpdir(), 'shaman-durable-'));
    await writeFile(join(repo, 'Echo.md'), '---\nname: Echo\nmodel: scripted\n---\nEcho.\n');
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop(2000)));
  });
  afterAll(async () => {
    await nats.cleanup();
    await rm(repo, { recursive: true, force: true });
  });

  const executor = (id: string, latencyMs: number) => {
    const p = spawnApp('executor', {
      NATS_URL: nats.url,
      NATS_STREAM: nats.layout.stream,
      NATS_SUBJECT_PREFIX: nats.layout.subjectPrefix,
      EXECUTOR_ID: id,
      EXECUTOR_ACK_WAIT_MS: String(ACK_WAIT_MS),
      SCRIPTED_LATENCY_MS: String(latencyMs),
    });
    running.push(p);
    return p;
  };
  const request = async (text: string): Promise<StepAddress> => {
    const event = runRequested({ orgId, agent: 'Echo', repository: repo, text });
    await store.appendToStream(stepRequestStream(event.metadata), [event]);
    return event.metadata;
  };
  const until = (a: StepAddress, type: ShamanEvent['type']) => stepEventsUntil(store, a, { until: (e) => e.type === type, timeoutMs: 30_000 });
  const summary = (events: ShamanEvent[]) =>
    events.map((e) => (e.type === 'StepStarted' || e.type === 'StepResumed' ? `${e.type}:${e.data.executorId}` : e.type));

  it('continues a step on another executor after its owner is killed in the middle of a model call', async () => {
    const a = executor('A', 60_000);
    await a.waitForLog((l) => l.msg === 'executor pulling');
    const step = await request('survive');
    await until(step, 'StepStarted');
    a.process.kill('SIGKILL');
    const b = executor('B', 0);
    await b.waitForLog((l) => l.msg === 'executor pulling');
    const events = await until(step, 'StepCompleted');
    expect(summary(events)).toEqual(['StepStarted:A', 'StepResumed:B', 'LlmResponded', 'UsageRecorded', 'StepCompleted']);
    // ≥ 2, not = 2: the dead executor's pull request can outlive it on the server and absorb a redelivery.
    expect((events[1] as Extract<ShamanEvent, { type: 'StepResumed' }>).data.attempt).toBeGreaterThanOrEqual(2);
    expect(events[4]).toMatchObject({ data: { output: { parts: [{ text: 'Echo: survive' }] } } });
  });

  it('fences a frozen executor that wakes up after another finished its step', async () => {
    const a = executor('A2', 2500);
    await a.waitForLog((l) => l.msg === 'executor pulling');
    const step = await request('fence me');
    await until(step, 'StepStarted');
    a.process.kill('SIGSTOP');
    const b = executor('B2', 0);
    const finished = await until(step, 'StepCompleted');
    a.process.kill('SIGCONT');
    await a.waitForLog((l) => l.msg === 'fenced: another executor owns this step', 15_000);
    const after = await stepEvents(store, step);
    expect(summary(after)).toEqual(['StepStarted:A2', 'StepResumed:B2', 'LlmResponded', 'UsageRecorded', 'StepCompleted']);
    expect(after).toEqual(finished);
    expect(b.output()).not.toContain('"level":50');
  });
});
