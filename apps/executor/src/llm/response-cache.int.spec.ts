import { priceUsage } from '@shaman/domain';
import { createPool, type Pool } from '@shaman/platform';
import { createTestDatabase, createTestRedis, createTestTenant, type TestDatabase, type TestRedis, type TestTenant } from '@shaman/testing';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callLlmActivity, type ScopedLlmRequest } from '../activities/call-llm.activity.js';
import { startMockLlmServer, type MockLlmServer } from './mock-llm-server.fixture.js';
import { createOpenAiCompatibleProvider } from './openai-compatible.provider.js';
import { createProviderRegistry } from './provider-registry.js';
import { createResponseCache, type CachedResponse, type ResponseCache } from './response-cache.js';
import { createOrgCacheSettings } from './response-cache.settings.js';

// Real Redis, real PostgreSQL settings (organizations.llm_cache_*), a real HTTP model server that counts requests.
let db: TestDatabase;
let redis: TestRedis;
let pool: Pool;
let llm: MockLlmServer;
let orgA: TestTenant;
let orgB: TestTenant;
let orgOff: TestTenant;
let cache: ResponseCache;
let call: ReturnType<typeof callLlmActivity>;

const completion = (text: string) => ({
  json: {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 },
  },
});

const request = (orgId: string, extra: Partial<ScopedLlmRequest> = {}, agentTtlSeconds?: number): ScopedLlmRequest => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'Capital of France?' }],
  tools: [],
  temperature: 0,
  agent: { name: 'Geo', repository: '/unused' },
  cacheScope: { orgId, agentTtlSeconds },
  ...extra,
});

/** Asks once; `answer` is queued at the model server when the call is expected to reach it (else it answers 500). */
const ask = (req: ScopedLlmRequest, answer?: string) => {
  if (answer !== undefined) llm.reply(completion(answer));
  return call({ request: req, iteration: 0, signal: new AbortController().signal });
};

const setOrg = async (orgId: string, settings: { ttl: number | null; maxEntries?: number; maxEntryBytes?: number }): Promise<void> => {
  const client = new pg.Client({ connectionString: db.adminUrl });
  await client.connect();
  try {
    await client.query('UPDATE organizations SET llm_cache_ttl_seconds = $2, llm_cache_max_entries = $3, llm_cache_max_entry_bytes = $4 WHERE id = $1', [orgId, settings.ttl, settings.maxEntries ?? 1000, settings.maxEntryBytes ?? 262_144]);
  } finally {
    await client.end();
  }
};

beforeAll(async () => {
  db = await createTestDatabase();
  redis = createTestRedis();
  pool = createPool(db.appUrl);
  [orgA, orgB, orgOff] = await Promise.all([1, 2, 3].map(() => createTestTenant(db.adminUrl, { agentsRepository: '/tmp/x' }))) as [TestTenant, TestTenant, TestTenant];
  await Promise.all([setOrg(orgA.orgId, { ttl: 600 }), setOrg(orgB.orgId, { ttl: 600 })]);
  llm = await startMockLlmServer();
});
afterAll(async () => {
  await llm?.close();
  await pool?.end();
  await redis?.cleanup();
  await db?.cleanup();
});
beforeEach(() => {
  // Settings are re-read on every call (ttlMs 0), so a test may change them.
  cache = createResponseCache({ redis: redis.connection, prefix: `${redis.prefix}:${Math.random().toString(36).slice(2)}`, orgSettings: createOrgCacheSettings({ pool, ttlMs: 0 }) });
  const openai = createOpenAiCompatibleProvider({ name: 'openai', baseUrl: `${llm.url}/v1/`, apiKey: 'sk-test' });
  call = callLlmActivity({ providers: createProviderRegistry({ openai }, [{ pattern: 'gpt-*', provider: 'openai' }]), maxAttempts: 1, now: () => performance.now(), sleep: async () => undefined, cache });
});

describe('model response cache', () => {
  it('serves the second identical request from the cache, without calling the provider, and prices it at zero', async () => {
    const before = llm.received.length;
    const first = await ask(request(orgA.orgId), 'Paris');
    const second = await ask(request(orgA.orgId));
    expect(llm.received.length - before).toBe(1);
    expect(first.cache).toBeUndefined();
    expect(second.response).toEqual(first.response);
    expect(second.cache).toMatchObject({ hit: true, key: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(second.usage).toEqual(first.usage);
    expect(second.requestHash).toBe(first.requestHash);
    expect(priceUsage({ model: second.model, ...second.usage, cached: second.cache?.hit === true })).toEqual({ costMicros: 0, priceTable: 'cached' });
    expect(priceUsage({ model: first.model, ...first.usage }).costMicros).toBeGreaterThan(0);
  });

  it('misses after a parameter change (temperature)', async () => {
    await ask(request(orgA.orgId, { temperature: 0 }), 'cool');
    const before = llm.received.length;
    const changed = await ask(request(orgA.orgId, { temperature: 0.7 }), 'warmer');
    expect(llm.received.length - before).toBe(1);
    expect(changed.cache).toBeUndefined();
    expect(changed.response.content).toBe('warmer');
  });

  it('never shares an answer across organizations, even for an identical request', async () => {
    const a = await ask(request(orgA.orgId, { messages: [{ role: 'user', content: 'isolation?' }] }), 'for A');
    const before = llm.received.length;
    const b = await ask(request(orgB.orgId, { messages: [{ role: 'user', content: 'isolation?' }] }), 'for B');
    expect(llm.received.length - before).toBe(1);
    expect(b.cache).toBeUndefined();
    expect(b.response.content).toBe('for B');
    expect(a.response.content).toBe('for A');
    const keys = await redis.connection.keys(`${redis.prefix}:*`);
    expect(keys.some((k) => k.includes(`{${orgA.orgId}}`))).toBe(true);
    expect(keys.some((k) => k.includes(`{${orgB.orgId}}`))).toBe(true);
  });

  it('is off by default, and an agent may turn it on for itself', async () => {
    const before = llm.received.length;
    await ask(request(orgOff.orgId), 'one');
    const again = await ask(request(orgOff.orgId), 'two');
    expect(llm.received.length - before).toBe(2);
    expect(again.cache).toBeUndefined();
    await ask(request(orgOff.orgId, {}, 60), 'three');
    const optedIn = await ask(request(orgOff.orgId, {}, 60));
    expect(llm.received.length - before).toBe(3);
    expect(optedIn.cache?.hit).toBe(true);
  });

  it('expires entries after the TTL', async () => {
    const req = request(orgOff.orgId, { messages: [{ role: 'user', content: 'expiring' }] }, 1);
    await ask(req, 'soon gone');
    expect((await ask(req)).cache?.hit).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const before = llm.received.length;
    expect((await ask(req, 'fresh')).cache).toBeUndefined();
    expect(llm.received.length - before).toBe(1);
  });

  it('keeps at most maxEntries per organization, evicting the oldest', async () => {
    await setOrg(orgB.orgId, { ttl: 600, maxEntries: 2 });
    const req = (n: number) => request(orgB.orgId, { messages: [{ role: 'user', content: `bounded ${n}` }] });
    for (const n of [1, 2, 3]) await ask(req(n), `answer ${n}`);
    const before = llm.received.length;
    expect((await ask(req(3))).cache?.hit).toBe(true);
    expect((await ask(req(2))).cache?.hit).toBe(true);
    expect((await ask(req(1), 'again 1')).cache).toBeUndefined();
    expect(llm.received.length - before).toBe(1);
    await setOrg(orgB.orgId, { ttl: 600 });
  });

  it('does not store an answer larger than maxEntryBytes', async () => {
    await setOrg(orgB.orgId, { ttl: 600, maxEntryBytes: 1024 });
    const req = request(orgB.orgId, { messages: [{ role: 'user', content: 'say a lot' }] });
    await ask(req, 'x'.repeat(2000));
    const before = llm.received.length;
    expect((await ask(req, 'y'.repeat(2000))).cache).toBeUndefined();
    expect(llm.received.length - before).toBe(1);
    await setOrg(orgB.orgId, { ttl: 600 });
  });

  it('reads a stored entry back exactly (the shape replay relies on)', async () => {
    const entry: CachedResponse = { provider: 'openai', model: 'gpt-4o-mini', response: { content: null, toolCalls: [{ id: 'c1', name: 't', arguments: { a: 1 } }], finishReason: 'tool_calls' }, usage: { inputTokens: 3, outputTokens: 4 }, storedAt: new Date(0).toISOString() };
    const policy = { ttlSeconds: 60, maxEntries: 10, maxEntryBytes: 10_000 };
    expect(await cache.put({ orgId: orgA.orgId, key: 'k'.repeat(64), entry, policy })).toBe('stored');
    expect(await cache.get(orgA.orgId, 'k'.repeat(64))).toEqual(entry);
    expect(await cache.get(orgB.orgId, 'k'.repeat(64))).toBeNull();
  });
});
