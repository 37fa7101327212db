import { createJetStreamEventStore, encodeCommit, type JetStreamEventStore } from '@shaman/event-store';
import { stepEventStream, stepRequestStream, type StepAddress, type StepDeadlineExceeded, type StepEvent } from '@shaman/events';
import { createLogger, deterministicId, newId } from '@shaman/platform';
import { createTestNats, runRequested, stepEvents, type TestNats } from '@shaman/testing';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callToolActivity, staticToolSource, type Tool } from '../activities/call-tool.activity.js';
import { createAgentResolver } from '../agent-resolver.js';
import { fakeDelivery } from '../delivery.fixture.js';
import { handleRequest } from '../request-handler.js';
import { runStep } from '../run-step.js';

const HEARTBEAT_MS = 500;
/**
 * A deadline whose step looks owned (working, not parked) is left to its owner, who heard the broadcast; but an
 * owner gone for good (its request out of deliveries) hears nothing, so the deadline comes back once and then ends
 * the step itself. Real nats-server and step loop; the JetStream delivery is a stand-in that records settlement.
 */
describe('a deadline for a step whose owner is gone', () => {
  let nats: TestNats;
  let store: JetStreamEventStore;
  let repo: string;

  beforeAll(async () => {
    nats = await createTestNats();
    store = await createJetStreamEventStore({ nc: nats.nc, ...nats.layout });
    repo = await mkdtemp(join(tmpdir(), 'shaman-takeover-'));
    await writeFile(join(repo, 'Slow.md'), '---\nname: Slow\nmodel: scripted\n---\nSlow.\n');
  });
  afterAll(async () => {
    await nats.cleanup();
    await rm(repo, { recursive: true, force: true });
  });

  it('is looked at again later, and then fails the step with timeout', async () => {
    const request = runRequested({ orgId: newId(), agent: 'Slow', repository: repo, text: 'x' });
    const address = request.metadata as StepAddress;
    await store.appendToStream(stepRequestStream(address), [request]);
    const started = { type: 'StepStarted', data: { agent: request.data.agent, model: 'scripted', executorId: 'gone', attempt: 1 }, metadata: { ...address, eventId: deterministicId(address.stepId, 'evt', 0), at: new Date().toISOString() } } as StepEvent;
    await store.appendToStream(stepEventStream(address), [started], { expectedStreamVersion: 0n });
    const deadline: StepDeadlineExceeded = { type: 'StepDeadlineExceeded', data: { scope: 'run', timeoutMs: 60_000, deadline: new Date().toISOString() }, metadata: { ...address, eventId: deterministicId(address.stepId, 'deadline', 'run'), at: new Date().toISOString() } as StepDeadlineExceeded['metadata'] };
    await store.appendToStream(stepRequestStream(address), [deadline]);
    const logger = createLogger({ name: 'test', level: 'silent' });
    const clock = () => new Date();
    const step = runStep({
      store,
      agents: createAgentResolver(),
      callLlm: () => Promise.reject(new Error('no model call is expected')),
      callTool: callToolActivity({ now: () => performance.now() }),
      tools: staticToolSource(new Map<string, Tool>()),
      executorId: 'B',
      defaultMaxIterations: 10,
      clock,
      logger,
    });
    const handle = handleRequest({ store, runStep: step, logger, inFlight: new Map(), heartbeatMs: HEARTBEAT_MS, maxDeliver: 5, clock });

    const first = fakeDelivery(encodeCommit([deadline]), 1);
    await handle(first);
    expect(first.settled).toEqual({ acked: 0, naked: [HEARTBEAT_MS * 6], termed: 0 });
    expect((await stepEvents(store, address)).map((e) => e.type)).toEqual(['StepStarted']);

    const again = fakeDelivery(encodeCommit([deadline]), 2);
    await handle(again);
    expect(again.settled).toEqual({ acked: 1, naked: [], termed: 0 });
    const events = await stepEvents(store, address);
    expect(events.map((e) => e.type)).toEqual(['StepStarted', 'StepResumed', 'StepFailed']);
    expect(events[2]).toMatchObject({ data: { error: { code: 'timeout', message: 'the run deadline of 60000 ms passed' } } });
  });
});
