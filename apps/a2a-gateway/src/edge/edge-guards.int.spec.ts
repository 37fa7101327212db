import { newId } from '@shaman/platform';
import { createTestRedis, createTestTenant, type TestRedis, type TestTenant } from '@shaman/testing';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayFixture, type GatewayFixture } from '../testing/gateway.fixture.js';

const BASE_DOMAIN = 'agents.test';
const LIMIT = 3;
const BODY_LIMIT = 4096;

describe('gateway edge: rate limits, subdomain tenancy, body limit (real PostgreSQL, NATS, Redis)', () => {
  let redis: TestRedis;
  let gateway: GatewayFixture;
  let repo: string;
  const tenant = async (): Promise<TestTenant> => createTestTenant(gateway.db.adminUrl, { agentsRepository: repo });

  beforeAll(async () => {
    redis = createTestRedis();
    const frozen = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 30_000);
    gateway = await startGatewayFixture({
      edge: { redis: redis.connection, rateLimitPerMinute: LIMIT, redisPrefix: redis.prefix, baseDomain: BASE_DOMAIN },
      bodyLimit: BODY_LIMIT,
      // Mid-minute and frozen: the fixed window cannot roll over between the requests a test counts.
      clock: () => frozen,
    });
    repo = await mkdtemp(join(tmpdir(), 'shaman-gw-edge-'));
    await writeFile(join(repo, 'Echo.md'), '---\nname: Echo\nmodel: scripted\n---\nEcho.\n');
  });
  afterAll(async () => {
    await gateway?.close();
    await redis?.cleanup();
  });

  const rpc = (method: string, params: unknown) => JSON.stringify({ jsonrpc: '2.0', id: 7, method, params });
  const post = (key: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${gateway.url}/a2a/v1`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers }, body });
  const requestsRecorded = async () => {
    let n = 0;
    for await (const _ of gateway.store.readFilter('req.>')) n++;
    return n;
  };

  it('counts requests per API key, says so in X-RateLimit-* headers, and answers 429 with Retry-After beyond the limit', async () => {
    const [a, b] = [await tenant(), await tenant()];
    const get = rpc('tasks/get', { id: newId() });
    for (const remaining of [2, 1, 0]) {
      const res = await post(a.apiKey, get);
      expect(res.status).toBe(200);
      expect((await res.json()) as unknown).toMatchObject({ id: 7, error: { code: -32001 } });
      expect(res.headers.get('x-ratelimit-limit')).toBe(String(LIMIT));
      expect(res.headers.get('x-ratelimit-remaining')).toBe(String(remaining));
      expect(Number(res.headers.get('x-ratelimit-reset'))).toBeGreaterThan(0);
    }
    const refused = await post(a.apiKey, get);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect((await refused.json()) as unknown).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32052, message: expect.stringContaining('Rate limit exceeded') } });

    // Another key has its own budget; a request without a valid key is answered by the route, without rate headers.
    const other = await post(b.apiKey, get);
    expect(other.status).toBe(200);
    expect(other.headers.get('x-ratelimit-remaining')).toBe('2');
    const anonymous = await fetch(`${gateway.url}/a2a/v1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: get });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('x-ratelimit-limit')).toBeNull();

    // Each window's counter expires by itself (two windows' time), so idle keys leave nothing behind in Redis.
    const counters = await redis.connection.keys(`${redis.prefix}:ratelimit:*`);
    expect(counters).toHaveLength(2);
    for (const counter of counters) {
      const ttl = await redis.connection.pttl(counter);
      expect(ttl).toBeGreaterThan(60_000);
      expect(ttl).toBeLessThanOrEqual(120_000);
    }
  });

  it('refuses a key of another organization on an organization subdomain with 403, and accepts its own', async () => {
    const [a, b] = [await tenant(), await tenant()];
    const inject = (key: string, host: string) =>
      gateway.app.inject({ method: 'POST', url: '/a2a/v1', headers: { host, 'content-type': 'application/json', authorization: `Bearer ${key}` }, payload: rpc('tasks/get', { id: newId() }) });
    const foreign = await inject(b.apiKey, `${a.slug}.${BASE_DOMAIN}`);
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json()).toMatchObject({ id: null, error: { code: -32051, data: { reason: 'organization_mismatch' } } });
    const own = await inject(a.apiKey, `${a.slug}.${BASE_DOMAIN}:8080`);
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({ id: 7, error: { code: -32001 } });
    // The REST binding answers with its own error body.
    const rest = await gateway.app.inject({ method: 'GET', url: `/a2a/rest/v1/tasks/${newId()}`, headers: { host: `${a.slug}.${BASE_DOMAIN}`, authorization: `Bearer ${b.apiKey}` } });
    expect(rest.statusCode).toBe(403);
    expect(rest.json()).toMatchObject({ code: -32051, data: { reason: 'organization_mismatch' } });
    // The bare base domain and other hosts name no organization: the key alone decides.
    expect((await inject(b.apiKey, BASE_DOMAIN)).statusCode).toBe(200);
    expect((await inject(b.apiKey, `${a.slug}.elsewhere.test`)).statusCode).toBe(200);
  });

  it('answers an oversized body with HTTP 413 and a JSON-RPC error, and records nothing', async () => {
    const a = await tenant();
    const before = await requestsRecorded();
    const message = { kind: 'message', messageId: newId(), role: 'user', parts: [{ kind: 'text', text: 'x'.repeat(BODY_LIMIT * 2) }] };
    const res = await post(a.apiKey, rpc('message/send', { message, metadata: { agent: 'Echo' } }));
    expect(res.status).toBe(413);
    expect((await res.json()) as unknown).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32053, message: expect.stringContaining(`${BODY_LIMIT} bytes`), data: { limitBytes: BODY_LIMIT } } });
    expect(await requestsRecorded()).toBe(before);
    // Just under the limit goes through to the protocol (here: an unknown agent, -32602).
    const small = await post(a.apiKey, rpc('message/send', { message: { ...message, parts: [{ kind: 'text', text: 'hi' }] }, metadata: { agent: 'Nobody' } }));
    expect(small.status).toBe(200);
  });
});
