import { createJetStreamEventStore } from '@shaman/event-store';
import { newId } from '@shaman/platform';
import { createTestDatabase, createTestNats, createTestRedis, createTestTenant, spawnApp, TEST_REDIS_URL, type AppProcess, type TestDatabase, type TestNats, type TestRedis } from '@shaman/testing';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { respondToRequests, startPushReceiver } from './push-receiver.fixture.js';

/** Push delivery and the edge as `main.ts` starts them: configuration → dispatcher, BullMQ sender, rate limits. */
describe('push notifications and rate limits in a gateway process', () => {
  let db: TestDatabase;
  let nats: TestNats;
  let redis: TestRedis;
  let gateway: AppProcess;
  let url = '';

  beforeAll(async () => {
    [db, nats] = await Promise.all([createTestDatabase(), createTestNats()]);
    redis = createTestRedis();
    respondToRequests(nats, await createJetStreamEventStore({ nc: nats.nc, ...nats.layout }));
    gateway = spawnApp('a2a-gateway', {
      NATS_URL: nats.url,
      NATS_STREAM: nats.layout.stream,
      NATS_SUBJECT_PREFIX: nats.layout.subjectPrefix,
      DATABASE_URL: db.appUrl,
      GATEWAY_PORT: '0',
      REDIS_URL: TEST_REDIS_URL,
      BULLMQ_PREFIX: redis.prefix,
      GATEWAY_PUSH_ALLOW_PRIVATE_NETWORKS: 'true',
      GATEWAY_PUSH_BACKOFF_MS: '50',
      GATEWAY_RATE_LIMIT_PER_MINUTE: '1000',
    });
    url = String((await gateway.waitForLog((l) => l.msg === 'a2a gateway listening'))['url']);
  });
  afterAll(async () => {
    const code = await gateway?.stop();
    await nats?.cleanup();
    await db?.cleanup();
    await redis?.cleanup();
    expect(code).toBe(0); // the push runtime drains on SIGTERM with the rest
  });

  it('declares push notifications, delivers a task\'s notifications in order through retries, and sends rate-limit headers', async () => {
    const repo = await mkdtemp(join(tmpdir(), 'shaman-gw-push-e2e-'));
    await writeFile(join(repo, 'Echo.md'), '---\nname: Echo\nmodel: scripted\n---\nEcho.\n');
    const tenant = await createTestTenant(db.adminUrl, { agentsRepository: repo });
    const card = (await (await fetch(`${url}/.well-known/agent-card.json`)).json()) as { capabilities: { pushNotifications?: boolean } };
    expect(card.capabilities.pushNotifications).toBe(true);

    const receiver = await startPushReceiver({ failFirst: 2 });
    const message = { kind: 'message', messageId: newId(), role: 'user', parts: [{ kind: 'text', text: 'push me' }] };
    const res = await fetch(`${url}/a2a/v1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.apiKey}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'message/send', params: { message, configuration: { pushNotificationConfig: { url: receiver.url, token: 'e2e' } }, metadata: { agent: 'Echo' } } }),
    });
    expect(res.headers.get('x-ratelimit-limit')).toBe('1000');
    expect(res.headers.get('x-ratelimit-remaining')).toBe('999');
    expect(((await res.json()) as { result: { status: { state: string } } }).result.status.state).toBe('completed');

    await expect.poll(() => receiver.receipts.filter((r) => r.status === 200).length, { timeout: 20_000 }).toBe(3);
    const states = receiver.receipts.filter((r) => r.status === 200).map((r) => (JSON.parse(r.body) as { status: { state: string } }).status.state);
    expect(states).toEqual(['submitted', 'working', 'completed']);
    expect(receiver.receipts.every((r) => r.headers['x-a2a-notification-token'] === 'e2e')).toBe(true);
    await receiver.close();
  });
});
