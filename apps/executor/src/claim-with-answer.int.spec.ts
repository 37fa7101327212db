import { createJetStreamEventStore, encodeCommit, type JetStreamEventStore } from '@shaman/event-store';
import { stepEventStream, stepRequestStream, type StepAddress, type StepEvent } from '@shaman/events';
import { createLogger, deterministicId, newId } from '@shaman/platform';
import { createTestNats, runRequested, type TestNats } from '@shaman/testing';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callLlmActivity } from './activities/call-llm.activity.js';
import { callToolActivity, staticToolSource, type Tool } from './activities/call-tool.activity.js';
import { createAgentResolver } from './agent-resolver.js';
import { fakeDelivery } from './delivery.fixture.js';
import { defaultProviders } from './executor.js';
import { handleRequest } from './request-handler.js';
import { runStep } from './run-step.js';

const CLAIM_WITH_ANSWER_MS = 50;
/**
 * A one-step run costs a commit for its claim and one for its answer; when the model answers within
 * EXECUTOR_CLAIM_WITH_ANSWER_MS, the claim leads the answer's commit instead (docs/performance.md). Real
 * nats-server, step loop and scripted model; only the JetStream delivery is a stand-in.
 */
describe('a claim that shares the first answer’s commit', () => {
  let nats: TestNats;
  let store: JetStreamEventStore;
  let repo: string;
  const logger = createLogger({ name: 'test', level: 'silent' });
  const clock = () => new Date();

  beforeAll(async () => {
    nats = await createTestNats();
    store = await createJetStreamEventStore({ nc: nats.nc, ...nats.layout });
    repo = await mkdtemp(join(tmpdir(), 'shaman-claim-'));
    await writeFile(join(repo, 'Echo.md'), '---\nname: Echo\nmodel: scripted\n---\nEcho.\n');
  });
  afterAll(async () => {
    await nats.cleanup();
    await rm(repo, { recursive: true, force: true });
  });

  /**
   * The request handler as the executor wires it, with a scripted model answering after `latencyMs`; `reads`
   * counts its look-ups of a step's last commit, `ackWaitMs` is the consumer's as the executor passes it.
   */
  const executor = (latencyMs: number, options: { ackWaitMs?: number } = {}) => {
    const model = { asked: 0, answered: 0, reads: 0 };
    const counted: JetStreamEventStore = { ...store, lastCommit: (filter) => ((model.reads += 1), store.lastCommit(filter)) };
    const ask = callLlmActivity({ providers: defaultProviders({ scriptedLatencyMs: latencyMs }), maxAttempts: 1, now: () => performance.now(), sleep: (ms) => sleep(ms) });
    const step = runStep({
      store: counted,
      agents: createAgentResolver(),
      callLlm: async (input) => {
        model.asked += 1;
        const answer = await ask(input);
        model.answered += 1;
        return answer;
      },
      callTool: callToolActivity({ now: () => performance.now() }),
      tools: staticToolSource(new Map<string, Tool>()),
      executorId: 'E',
      defaultMaxIterations: 10,
      claimWithAnswerMs: CLAIM_WITH_ANSWER_MS,
      clock,
      logger,
    });
    return { model, handle: handleRequest({ store: counted, runStep: step, logger, inFlight: new Map(), heartbeatMs: 1_000, maxDeliver: 5, clock, ...options }) };
  };

  /** A stored request and its first delivery, as if the server had stored it `ageMs` ago. */
  const request = async (ageMs = 0) => {
    const event = runRequested({ orgId: newId(), agent: 'Echo', repository: repo, text: 'hi' });
    await store.appendToStream(stepRequestStream(event.metadata), [event]);
    return { event, address: event.metadata as StepAddress, message: fakeDelivery(encodeCommit([event]), 1, Date.now() - ageMs) };
  };

  /** Another executor's claim, as one that died after appending it would have left the step. */
  const claimedElsewhere = async (event: ReturnType<typeof runRequested>, address: StepAddress) => {
    const owner = { type: 'StepStarted', data: { agent: event.data.agent, model: 'scripted', executorId: 'gone', attempt: 1 }, metadata: { ...address, eventId: deterministicId(address.stepId, 'evt', 0), at: clock().toISOString() } };
    await store.appendToStream(stepEventStream(address), [owner as StepEvent], { expectedStreamVersion: 0n });
  };

  /** The event types of each commit on the step's event subject, in order. */
  const commits = async (address: StepAddress): Promise<string[][]> => {
    const out: string[][] = [];
    for await (const c of store.readFilter(stepEventStream(address))) out.push(c.commit.events.map((e) => (e as StepEvent).type));
    return out;
  };

  it('records the claim in the answer’s commit when the model answers at once', async () => {
    const { model, handle } = executor(0);
    const { address, message } = await request();
    await handle(message);
    expect(message.settled).toEqual({ acked: 1, naked: [], termed: 0 });
    expect(model).toEqual({ asked: 1, answered: 1, reads: 1 });
    expect(await commits(address)).toEqual([['StepStarted', 'LlmResponded', 'UsageRecorded', 'StepCompleted']]);
  });

  it('records the claim alone, while the model is still thinking, when it answers later than that', async () => {
    const { model, handle } = executor(CLAIM_WITH_ANSWER_MS * 8);
    const { address, message } = await request();
    const handled = handle(message);
    for (const until = Date.now() + 5_000; (await commits(address)).length === 0 && Date.now() < until; ) await sleep(10);
    expect(model).toEqual({ asked: 1, answered: 0, reads: 1 });
    expect(await commits(address)).toEqual([['StepStarted']]);
    await handled;
    expect(message.settled).toEqual({ acked: 1, naked: [], termed: 0 });
    expect(await commits(address)).toEqual([['StepStarted'], ['LlmResponded', 'UsageRecorded', 'StepCompleted']]);
  });

  it('does not ask the model for a step that a first-looking delivery finds claimed by another executor', async () => {
    // JetStream does not count a delivery to an executor that died before acking: the next one says "first" too.
    const { model, handle } = executor(0);
    const { event, address, message } = await request();
    await claimedElsewhere(event, address);
    await handle(message);
    expect(model).toEqual({ asked: 0, answered: 0, reads: 1 });
    expect(message.settled).toEqual({ acked: 0, naked: [], termed: 0 }); // fenced: the step is its owner's to finish
    expect(await commits(address)).toEqual([['StepStarted']]);
  });

  it('skips the look-up for a request stored less than half an ack_wait ago: nobody can have had it before', async () => {
    const { model, handle } = executor(0, { ackWaitMs: 60_000 });
    const { address, message } = await request(1_000);
    await handle(message);
    expect(model).toEqual({ asked: 1, answered: 1, reads: 0 });
    expect(message.settled).toEqual({ acked: 1, naked: [], termed: 0 });
    expect(await commits(address)).toEqual([['StepStarted', 'LlmResponded', 'UsageRecorded', 'StepCompleted']]);
  });

  it('still looks first when the request is old enough to have been delivered to an executor that died', async () => {
    const { model, handle } = executor(0, { ackWaitMs: 2_000 });
    const { event, address, message } = await request(1_500);
    await claimedElsewhere(event, address);
    await handle(message);
    expect(model).toEqual({ asked: 0, answered: 0, reads: 1 });
    expect(message.settled).toEqual({ acked: 0, naked: [], termed: 0 });
    expect(await commits(address)).toEqual([['StepStarted']]);
  });
});
