import { createRepositoryCache } from '@shaman/agents';
import {
  createPool,
  createRepositorySyncQueue,
  createSecretBox,
  generateSecretKey,
  listRepositories,
  REPOSITORY_SYNC_QUEUE,
  upsertRepository,
  withOrg,
  type Pool,
  type RepositoryRecord,
  type RepositorySyncQueue,
} from '@shaman/platform';
import { agentFile, createTestDatabase, createTestOrigin, createTestRedis, createTestTenant, eventually, type TestDatabase, type TestOrigin, type TestRedis, type TestTenant } from '@shaman/testing';
import { Queue, type Worker } from 'bullmq';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGqlServer, type GqlServer } from '../server.js';
import { startRepositorySyncWorker } from './sync.worker.js';

const sign = (secret: string, body: string): string => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('POST /webhooks/repositories/:id (real Redis, PostgreSQL and git)', () => {
  let db: TestDatabase;
  let redis: TestRedis;
  let origin: TestOrigin;
  let cacheDir: string;
  let pool: Pool;
  let tenant: TestTenant;
  let syncs: RepositorySyncQueue;
  let queue: Queue;
  let server: GqlServer;
  let url: string;
  let worker: Worker | null = null;
  const secretBox = createSecretBox(generateSecretKey());
  const secret = randomBytes(32).toString('hex');
  const logs: string[] = [];
  const logSink = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      logs.push(chunk.toString());
      done();
    },
  });

  const post = (id: string, body: string, signature?: string, event = 'push') =>
    fetch(`${url}/webhooks/repositories/${id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': event, ...(signature ? { 'x-hub-signature-256': signature } : {}) },
      body,
    });
  const addRepository = (name: string): Promise<RepositoryRecord> =>
    withOrg(pool, tenant.orgId, (c) => upsertRepository(c, { orgId: tenant.orgId, name, url: `file://${origin.dir}`, webhookSecretCiphertext: secretBox.encrypt(secret) }));
  const rowOf = async (id: string): Promise<RepositoryRecord | undefined> =>
    (await withOrg(pool, tenant.orgId, (c) => listRepositories(c, tenant.orgId))).find((r) => r.id === id);
  const queuedJobs = async (): Promise<number> => {
    const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  };

  beforeAll(async () => {
    [db, origin] = await Promise.all([createTestDatabase(), createTestOrigin()]);
    redis = createTestRedis();
    cacheDir = await mkdtemp(join(tmpdir(), 'shaman-webhook-'));
    pool = createPool(db.appUrl);
    tenant = await createTestTenant(db.adminUrl, { agentsRepository: origin.dir });
    syncs = createRepositorySyncQueue({ connection: redis.connection, prefix: redis.prefix });
    queue = new Queue(REPOSITORY_SYNC_QUEUE, { connection: redis.connection, prefix: redis.prefix });
    server = await createGqlServer({ pool, logger: pino({ level: 'trace' }, logSink), maxDepth: 10, webhooks: { queue: syncs, secretBox } });
    url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await worker?.close();
    await syncs?.close();
    await queue?.close();
    await redis?.cleanup();
    await pool?.end();
    await Promise.all([origin?.cleanup(), rm(cacheDir, { recursive: true, force: true }), db?.cleanup()]);
  });

  // The refusals run first, with no worker yet: a refused request must leave the queue empty.
  it('answers 401 to a wrong or missing signature and queues nothing', async () => {
    const repo = await addRepository('unsigned');
    const body = JSON.stringify({ ref: 'refs/heads/main' });
    for (const signature of [undefined, sign('not-the-secret', body), sign(secret, `${body} `), 'sha256=zz', sign(secret, body).replace('sha256=', 'sha1=')]) {
      const res = await post(repo.id, body, signature);
      expect(res.status).toBe(401);
      expect(JSON.stringify(await res.json())).not.toContain(secret);
    }
    expect(await queuedJobs()).toBe(0);
  });

  it('answers 404 to an unknown repository, and to an id that is not a uuid', async () => {
    const body = '{}';
    expect((await post(randomUUID(), body, sign(secret, body))).status).toBe(404);
    expect((await post('not-a-uuid', body, sign(secret, body))).status).toBe(404);
    expect(await queuedJobs()).toBe(0);
  });

  it('answers 413 to a body over 1 MiB', async () => {
    const repo = await addRepository('oversized');
    const body = JSON.stringify({ pad: 'x'.repeat(1024 * 1024) });
    expect((await post(repo.id, body, sign(secret, body))).status).toBe(413);
    expect(await queuedJobs()).toBe(0);
  });

  it('verifies, then queues nothing for a ping or a push to another branch, and says why', async () => {
    const repo = await addRepository('filtered');
    const ping = JSON.stringify({ zen: 'hi' });
    const pinged = await post(repo.id, ping, sign(secret, ping), 'ping');
    expect(pinged.status).toBe(202);
    expect(await pinged.json()).toEqual({ queued: false, reason: 'event ping is not a push' });
    const other = JSON.stringify({ ref: 'refs/heads/feature-x' });
    const pushed = await post(repo.id, other, sign(secret, other));
    expect(await pushed.json()).toEqual({ queued: false, reason: 'push to refs/heads/feature-x, not to the tracked branch main' });
    expect(await queuedJobs()).toBe(0);
  });

  it('answers 202 to a valid signature and the repository is synced', async () => {
    const sha = await origin.commit({ 'Assistant.md': agentFile('Assistant') });
    const repo = await addRepository('pushed');
    const body = JSON.stringify({ ref: 'refs/heads/main', after: sha });
    const res = await post(repo.id, body, sign(secret, body));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ queued: true });
    worker = startRepositorySyncWorker({
      connection: redis.connection,
      prefix: redis.prefix,
      concurrency: 1,
      pool,
      cache: createRepositoryCache({ dir: cacheDir }),
      // The events of a sync are the sync worker's spec; here only the webhook → sync path matters.
      events: async () => undefined,
      secretBox,
      clock: () => new Date(),
      logger: pino({ level: 'silent' }),
    });
    const row = await eventually(async () => ((await rowOf(repo.id))?.lastCommit === sha ? rowOf(repo.id) : undefined), { timeoutMs: 15_000, what: 'the webhook sync' });
    expect(Object.keys(row?.agents ?? {})).toEqual(['Assistant']);
    expect(logs.join('\n')).toContain('repository webhook: sync queued');
    expect(logs.join('\n')).not.toContain(secret);
    expect(logs.join('\n')).not.toContain(sign(secret, body).slice(7));
  });
});
