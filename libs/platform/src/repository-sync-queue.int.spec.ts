import { createTestRedis, type TestRedis } from '@shaman/testing';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepositorySyncQueue, REPOSITORY_SYNC_QUEUE, type RepositorySyncQueue } from './repository-sync-queue.js';

describe('repository sync queue (real Redis, own BullMQ prefix)', () => {
  let redis: TestRedis;
  let syncs: RepositorySyncQueue;
  let queue: Queue;
  const orgId = randomUUID();

  beforeAll(() => {
    redis = createTestRedis();
    syncs = createRepositorySyncQueue({ connection: redis.connection, prefix: redis.prefix });
    queue = new Queue(REPOSITORY_SYNC_QUEUE, { connection: redis.connection, prefix: redis.prefix });
  });
  afterAll(async () => {
    await syncs?.close();
    await queue?.close();
    await redis?.cleanup();
  });

  it('creates one job scheduler per repository with its interval, updates it, and removes it on unschedule', async () => {
    const id = randomUUID();
    await syncs.schedule({ id, orgId, syncIntervalSeconds: 300 });
    expect(await queue.getJobSchedulers()).toEqual([expect.objectContaining({ key: `repo:${id}`, every: 300_000, name: 'sync', template: expect.objectContaining({ data: { orgId, repositoryId: id } }) })]);
    await syncs.schedule({ id, orgId, syncIntervalSeconds: 60 });
    expect(await queue.getJobSchedulers()).toEqual([expect.objectContaining({ key: `repo:${id}`, every: 60_000 })]);
    expect(await syncs.unschedule(id)).toBe(true);
    expect(await queue.getJobSchedulers()).toEqual([]);
    expect(await syncs.unschedule(id)).toBe(false);
  });

  it('coalesces immediate syncs of one repository while one is waiting', async () => {
    const a = randomUUID();
    const first = await syncs.enqueueNow(orgId, a);
    const second = await syncs.enqueueNow(orgId, a);
    const other = await syncs.enqueueNow(orgId, randomUUID());
    expect(second.jobId).toBe(first.jobId);
    expect(other.jobId).not.toBe(first.jobId);
    expect((await queue.getWaiting()).map((j) => j.data as unknown)).toEqual(expect.arrayContaining([{ orgId, repositoryId: a }]));
  });
});
