import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { ShamanEvent, stepEventStream, stepRequestStream, type StepAddress, type StepEvent } from '@shaman/events';
import { createLogger, deterministicId, newId } from '@shaman/platform';
import { createTestNats, createTestRedis, eventually, runRequested, TEST_REDIS_URL, type TestNats, type TestRedis } from '@shaman/testing';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadlineJobId, deadlineQueueName } from './deadline-queue.js';
import { startDeadlines } from './deadline-runtime.js';
import { expireDeadline } from './expire-deadline.js';

const logger = createLogger({ name: 'test', level: 'silent' });

/** Deadlines against the real Redis (BullMQ) and nats-server: derived from the log, armed and expired idempotently. */
describe('step and run deadlines', () => {
  let nats: TestNats;
  let redis: TestRedis;
  let store: JetStreamEventStore;
  const orgId = newId();

  beforeAll(async () => {
    nats = await createTestNats();
    redis = createTestRedis();
    store = await createJetStreamEventStore({ nc: nats.nc, ...nats.layout });
  });
  afterAll(async () => {
    await redis.cleanup();
    await nats.cleanup();
  });

  /** A step as an executor leaves it: requested, and (unless `claimed` is false) started; `runId` joins a run. */
  const step = async (options: { runId?: string; claimed?: boolean; ended?: boolean } = {}): Promise<StepAddress> => {
    const request = runRequested({ orgId, agent: 'A', repository: '/r', text: 'x' });
    const address = { orgId: request.metadata.orgId, runId: options.runId ?? request.metadata.runId, stepId: request.metadata.stepId } as StepAddress;
    await store.appendToStream(stepRequestStream(address), [{ ...request, metadata: { ...request.metadata, ...address } }]);
    const meta = (n: number) => ({ ...address, eventId: deterministicId(address.stepId, n), at: new Date().toISOString() });
    const recorded: StepEvent[] = [];
    if (options.claimed !== false) recorded.push({ type: 'StepStarted', data: { agent: request.data.agent, model: 'm', executorId: 'x', attempt: 1 }, metadata: meta(0) } as StepEvent);
    if (options.ended) recorded.push({ type: 'StepCanceled', data: {}, metadata: meta(1) } as StepEvent);
    if (recorded.length > 0) await store.appendToStream(stepEventStream(address), recorded);
    return address;
  };
  const requests = async (a: StepAddress): Promise<ShamanEvent[]> => {
    const out: ShamanEvent[] = [];
    for await (const c of store.readFilter(stepRequestStream(a))) out.push(...c.commit.events.map((e) => ShamanEvent.parse(e)));
    return out.filter((e) => e.type === 'StepDeadlineExceeded');
  };

  it('arms one job per step however often it is armed, and appends the deadline once when it comes due', async () => {
    const deadlines = startDeadlines({ redisUrl: TEST_REDIS_URL, prefix: redis.prefix, stepTimeoutMs: 60_000, runTimeoutMs: 0, store, clock: () => new Date(), logger });
    const queue = new Queue(deadlineQueueName(nats.layout.stream), { connection: redis.connection, prefix: redis.prefix });
    try {
      const a = await step();
      await Promise.all([deadlines.arm({ address: a, timeoutSeconds: 1 }), deadlines.arm({ address: a, timeoutSeconds: 1 })]);
      await deadlines.arm({ address: a, timeoutSeconds: 1 }); // a resume
      const job = await queue.getJob(deadlineJobId('step', a.stepId));
      expect(job?.delay).toBe(1000);
      expect(await queue.getJobCounts('delayed', 'wait', 'active', 'completed')).toMatchObject({ delayed: 1 });
      const [exceeded] = await eventually(async () => ((await requests(a)).length > 0 ? requests(a) : undefined), { timeoutMs: 10_000, what: 'the deadline' });
      expect(exceeded).toMatchObject({ data: { scope: 'step', timeoutMs: 1000 }, metadata: { eventId: deterministicId(a.stepId, 'deadline', 'step') } });
      await eventually(async () => ((await queue.getJobState(deadlineJobId('step', a.stepId))) === 'completed' ? true : undefined), { what: 'the job to complete' });
      await deadlines.arm({ address: a, timeoutSeconds: 1 }); // the finished job keeps its id: nothing is armed again
      expect(await queue.getJobState(deadlineJobId('step', a.stepId))).toBe('completed');
      expect(await requests(a)).toHaveLength(1);
    } finally {
      await queue.close();
      await deadlines.close();
    }
  });

  it('arms the run deadline once per run, from the first step that arms it, and the executor default when the agent sets none', async () => {
    const deadlines = startDeadlines({ redisUrl: TEST_REDIS_URL, prefix: redis.prefix, stepTimeoutMs: 90_000, runTimeoutMs: 120_000, store, clock: () => new Date(), logger });
    const queue = new Queue(deadlineQueueName(nats.layout.stream), { connection: redis.connection, prefix: redis.prefix });
    try {
      const first = await step();
      const second = await step({ runId: first.runId });
      await deadlines.arm({ address: first });
      await deadlines.arm({ address: second, timeoutSeconds: 5 });
      const run = await queue.getJob(deadlineJobId('run', first.runId));
      expect(run?.data).toMatchObject({ scope: 'run', stepId: first.stepId, timeoutMs: 120_000 });
      expect((await queue.getJob(deadlineJobId('step', first.stepId)))?.delay).toBe(90_000);
      expect((await queue.getJob(deadlineJobId('step', second.stepId)))?.delay).toBe(5000);
    } finally {
      await queue.close();
      await deadlines.close();
    }
  });

  it('a run deadline reaches every step of the run still open, once, and no ended one', async () => {
    const working = await step();
    const queued = await step({ runId: working.runId, claimed: false });
    const ended = await step({ runId: working.runId, ended: true });
    const job = { scope: 'run' as const, ...working, timeoutMs: 5000, deadline: new Date().toISOString() };
    await expireDeadline({ store, clock: () => new Date(), logger }, job);
    await expireDeadline({ store, clock: () => new Date(), logger }, job); // BullMQ ran it twice
    expect(await requests(working)).toMatchObject([{ data: { scope: 'run', timeoutMs: 5000 } }]);
    expect(await requests(queued)).toMatchObject([{ data: { scope: 'run' } }]);
    expect(await requests(ended)).toEqual([]);
  });
});
