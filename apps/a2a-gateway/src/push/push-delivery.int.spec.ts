import { stepEventStream, type StepAddress, type StepEvent } from '@shaman/events';
import { createLogger, createSecretBox, generateSecretKey, newId, withOrg } from '@shaman/platform';
import { createTestRedis, createTestTenant, TEST_REDIS_URL, type TestRedis, type TestTenant } from '@shaman/testing';
import { createHmac } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTaskReader } from '../tasks/task-reader.js';
import { startGatewayFixture, type GatewayFixture } from '../testing/gateway.fixture.js';
import { createPushMethods, listDeliveries, startPushRuntime, type PushRuntime } from './index.js';
import { configuredTasks } from './outbox.js';
import { respondToRequests, startPushReceiver } from './push-receiver.fixture.js';

describe('push notification delivery (real PostgreSQL, NATS, Redis; local receiver)', () => {
  let gateway: GatewayFixture;
  let redis: TestRedis;
  let tenant: TestTenant;
  let runtime: PushRuntime | null = null;
  const secretBox = createSecretBox(generateSecretKey());
  const startRuntime = () =>
    startPushRuntime({
      pool: gateway.pool,
      nc: gateway.nats.nc,
      store: gateway.store,
      logger: createLogger({ name: 't', level: 'silent' }),
      secretBox,
      redisUrl: TEST_REDIS_URL,
      bullmqPrefix: redis.prefix,
      allowPrivateNetworks: true,
      maxAttempts: 8,
      backoffMs: 50,
      timeoutMs: 5000,
      sweepMs: 500,
    });

  beforeAll(async () => {
    redis = createTestRedis();
    gateway = await startGatewayFixture({ push: { secretBox, allowPrivateNetworks: true } });
    const repo = await mkdtemp(join(tmpdir(), 'shaman-gw-push-'));
    await writeFile(join(repo, 'Echo.md'), '---\nname: Echo\nmodel: scripted\n---\nEcho.\n');
    tenant = await createTestTenant(gateway.db.adminUrl, { agentsRepository: repo });
    respondToRequests(gateway.nats, gateway.store);
    runtime = await startRuntime();
  });
  afterAll(async () => {
    await runtime?.stop();
    await gateway?.close();
    await redis?.cleanup();
  });

  const send = async (configuration: Record<string, unknown>, text = 'notify me') => {
    const message = { kind: 'message', messageId: newId(), role: 'user', parts: [{ kind: 'text', text }] };
    const res = await fetch(`${gateway.url}/a2a/v1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.apiKey}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'message/send', params: { message, configuration, metadata: { agent: 'Echo' } } }),
    });
    return (await res.json()) as { result?: { id: string; status: { state: string } }; error?: unknown };
  };

  it('delivers every state change in order, once each, with the token and a valid signature, after failed tries', async () => {
    const receiver = await startPushReceiver({ failFirst: 3 });
    const config = { url: receiver.url, token: 'tok-123', authentication: { schemes: ['HMAC-SHA256'], credentials: 'signing-secret' } };
    const sent = await send({ pushNotificationConfig: config });
    expect(sent.result?.status.state).toBe('completed');
    const taskId = sent.result!.id;

    await expect.poll(() => receiver.receipts.filter((r) => r.status === 200).length, { timeout: 15_000 }).toBe(3);
    const states = receiver.receipts.map((r) => (JSON.parse(r.body) as { status: { state: string } }).status.state);
    // The first notification is retried until it is delivered; nothing after it leaves before.
    expect(states).toEqual(['submitted', 'submitted', 'submitted', 'submitted', 'working', 'completed']);
    for (const r of receiver.receipts) {
      expect(JSON.parse(r.body)).toMatchObject({ kind: 'task', id: taskId });
      expect(r.headers['x-a2a-notification-token']).toBe('tok-123');
      expect(r.headers['x-shaman-signature']).toBe(`sha256=${createHmac('sha256', 'signing-secret').update(r.body).digest('hex')}`);
    }
    const delivered = receiver.receipts.filter((r) => r.status === 200).map((r) => r.headers['x-shaman-delivery-id']);
    expect(new Set(delivered).size).toBe(3);

    // The receiver counts a notification before the sender has recorded its answer: wait for the log to settle.
    const settled = async () => (await withOrg(gateway.pool, tenant.orgId, (c) => listDeliveries(c, taskId))).every((d) => d.status !== 'pending');
    await expect.poll(settled).toBe(true);
    const log = await withOrg(gateway.pool, tenant.orgId, (c) => listDeliveries(c, taskId));
    expect(log.map((d) => [d.eventType, d.status, d.attempts, d.httpStatus])).toEqual([
      ['RunRequested', 'delivered', 4, 200],
      ['StepStarted', 'delivered', 1, 200],
      ['StepCompleted', 'delivered', 1, 200],
    ]);
    expect(log[0]?.lastError).toBe('receiver answered HTTP 500');
    expect(log.every((d) => d.deliveredAt instanceof Date && d.configId === taskId)).toBe(true);
    await receiver.close();
  });

  it('sends nothing twice when the dispatcher reads the stream again from the start', async () => {
    const receiver = await startPushReceiver({ failFirst: 0 });
    const sent = await send({ pushNotificationConfig: { url: receiver.url } });
    await expect.poll(() => receiver.receipts.length, { timeout: 15_000 }).toBe(3);
    expect(receiver.receipts[0]?.headers['x-a2a-notification-token']).toBeUndefined();

    await runtime?.stop();
    const admin = new pg.Client({ connectionString: gateway.db.adminUrl });
    await admin.connect();
    const position = async () => Number((await admin.query('SELECT position FROM push_dispatch_checkpoints')).rows[0]?.position);
    const reached = await position();
    await admin.query('UPDATE push_dispatch_checkpoints SET position = 0');
    runtime = await startRuntime();
    await expect.poll(position, { timeout: 15_000 }).toBeGreaterThanOrEqual(reached);
    // Every message was read again (and one more sweep ran); no delivery row and no request was added.
    await new Promise((r) => setTimeout(r, 600));
    await admin.end();
    expect(receiver.receipts).toHaveLength(3);
    const log = await withOrg(gateway.pool, tenant.orgId, (c) => listDeliveries(c, sent.result!.id));
    expect(log.map((d) => d.eventType)).toEqual(['RunRequested', 'StepStarted', 'StepCompleted']);
    await receiver.close();
  });

  it('sends a v1.0 StreamResponse to a config created over v1.0', async () => {
    const receiver = await startPushReceiver({ failFirst: 0 });
    const held = await send({ blocking: false }, 'hold');
    const taskId = held.result!.id;
    const tasks = createTaskReader({ pool: gateway.pool, store: gateway.store });
    await expect.poll(async () => (await tasks.fromLog(tenant.orgId, taskId))?.view.status).toBe('working');
    const methods = createPushMethods({ pool: gateway.pool, tasks, secretBox, allowPrivateNetworks: true });
    const principal = { orgId: tenant.orgId, keyId: tenant.keyId, scopes: ['*'] };
    await methods['tasks/pushNotificationConfig/set'](principal, { taskId, pushNotificationConfig: { url: receiver.url } }, { signal: new AbortController().signal, version: '1.0' });

    const address = { orgId: tenant.orgId, runId: (held.result as unknown as { contextId: string }).contextId, stepId: taskId } as StepAddress;
    const last = await gateway.store.lastCommit(stepEventStream(address));
    const done: StepEvent = { type: 'StepCompleted', data: { output: { parts: [{ kind: 'text', text: 'later' }] }, usage: { inputTokens: 1, outputTokens: 1 }, iterations: 1 }, metadata: { ...address, eventId: newId(), at: new Date().toISOString() } as StepEvent['metadata'] };
    await gateway.store.appendToStream(stepEventStream(address), [done], { expectedStreamVersion: BigInt(last!.seq) });

    await expect.poll(() => receiver.receipts.map((r) => JSON.parse(r.body) as { task?: { status: { state: string } } }).at(-1)?.task?.status.state, { timeout: 15_000 }).toBe('TASK_STATE_COMPLETED');
    for (const r of receiver.receipts) {
      const body = JSON.parse(r.body) as Record<string, unknown>;
      expect(Object.keys(body)).toEqual(['task']);
      expect(body['task']).toMatchObject({ id: taskId });
      expect(body['task']).not.toHaveProperty('kind');
    }
    await receiver.close();
  });

  it('moves past events that notify nobody without recording them, and keeps its place across a restart', async () => {
    const admin = new pg.Client({ connectionString: gateway.db.adminUrl });
    await admin.connect();
    try {
      const count = async () => Number((await admin.query('SELECT count(*) FROM push_deliveries')).rows[0]?.count);
      const before = await count();
      for (const text of ['a', 'b', 'c']) expect((await send({}, text)).result?.status.state).toBe('completed');
      const end = (await gateway.store.jsm.streams.info(gateway.store.stream)).state.last_seq;
      await expect.poll(() => runtime?.position(), { timeout: 15_000 }).toBeGreaterThanOrEqual(end);
      await runtime?.stop();
      runtime = null;
      // Saved at stop even if less than a second passed since the last batch that moved it.
      expect(Number((await admin.query('SELECT position FROM push_dispatch_checkpoints')).rows[0]?.position)).toBeGreaterThanOrEqual(end);
      expect(await count()).toBe(before);
    } finally {
      runtime ??= await startRuntime();
      await admin.end();
    }
  });

  it('tells which tasks have a config across organizations, only for the organization that owns each', async () => {
    const receiver = await startPushReceiver({ failFirst: 0 });
    const configured = (await send({ pushNotificationConfig: { url: receiver.url } })).result!.id;
    const plain = (await send({})).result!.id;
    const other = await createTestTenant(gateway.db.adminUrl, { agentsRepository: tmpdir() });
    const asked = [
      { orgId: tenant.orgId, taskId: configured },
      { orgId: tenant.orgId, taskId: plain },
      { orgId: other.orgId, taskId: configured }, // the right task under another organization: not its config
    ];
    expect([...(await configuredTasks(gateway.pool, asked))]).toEqual([configured]);
    expect(await configuredTasks(gateway.pool, [])).toEqual(new Set());
    await receiver.close();
  });
});
