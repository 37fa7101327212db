import { connect } from '@nats-io/transport-node';
import { TEST_NATS_URL, TEST_PG_URL, TEST_REDIS_URL } from '@shaman/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createPool } from './db.js';
import { natsCheck, postgresCheck, softCheck, startHealthServer } from './health-server.js';
import { createLogger } from './logger.js';
import { createAppMetrics } from './metrics/registry.js';
import { createRedisProbe } from './metrics/redis-probe.js';

const logger = createLogger({ name: 'health-test', level: 'silent' });

describe('health server against the real services', () => {
  const nc = connect({ servers: TEST_NATS_URL, name: 'health-test' });
  const pool = createPool(TEST_PG_URL, { applicationName: 'health-test', max: 1 });
  // Nothing listens on port 1: the dependency that is down.
  const deadPool = createPool('postgres://postgres@127.0.0.1:1/postgres', { applicationName: 'health-test-dead', max: 1 });
  const redis = createRedisProbe(TEST_REDIS_URL, logger);
  const deadRedis = createRedisProbe('redis://127.0.0.1:1', logger);
  afterAll(async () => {
    await (await nc).close();
    await Promise.all([pool.end(), deadPool.end(), redis.close(), deadRedis.close()]);
  });

  const get = async (port: number, path: string) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };

  it('answers /readyz 200 naming every dependency when all of them answer, and serves /metrics', async () => {
    const metrics = createAppMetrics('health-test');
    const health = await startHealthServer({ port: 0, checks: { nats: natsCheck(await nc), postgres: postgresCheck(pool), redis: redis.check }, metrics });
    try {
      expect(await get(health.port, '/healthz')).toMatchObject({ status: 200 });
      const ready = await get(health.port, '/readyz');
      expect(ready.status).toBe(200);
      expect(JSON.parse(ready.text)).toEqual({ status: 'ok', checks: { nats: 'ok', postgres: 'ok', redis: 'ok' } });
      const scraped = await get(health.port, '/metrics');
      expect(scraped.status).toBe(200);
      expect(scraped.text).toContain('process_resident_memory_bytes{app="health-test"}');
      expect((await get(health.port, '/nope')).status).toBe(404);
    } finally {
      await health.close();
    }
  });

  it('answers /readyz 503 and names what fails: PostgreSQL down, Redis down, NATS closed, consumer not open', async () => {
    const closed = await connect({ servers: TEST_NATS_URL, name: 'health-test-closed' });
    await closed.close();
    const health = await startHealthServer({ port: 0, checks: { nats: natsCheck(closed), postgres: postgresCheck(deadPool), redis: deadRedis.check }, ready: () => false });
    try {
      const started = Date.now();
      const ready = await get(health.port, '/readyz');
      expect(ready.status).toBe(503);
      const body = JSON.parse(ready.text) as { status: string; checks: Record<string, string> };
      expect(body.status).toBe('unavailable');
      expect(body.checks['nats']).toBe('failing: connection closed');
      expect(body.checks['postgres']).toMatch(/^failing: .*ECONNREFUSED/);
      expect(body.checks['redis']).toMatch(/^failing: /);
      expect(body.checks['app']).toBe('failing');
      // Each check is bounded: a dead dependency never holds the probe beyond its timeout.
      expect(Date.now() - started).toBeLessThan(4000);
      expect((await get(health.port, '/healthz')).status).toBe(200);
    } finally {
      await health.close();
    }
  });

  it('stays ready, as degraded, when only a dependency the app can work without fails', async () => {
    const health = await startHealthServer({ port: 0, checks: { postgres: postgresCheck(pool), redis: softCheck(deadRedis.check) } });
    try {
      const ready = await get(health.port, '/readyz');
      expect(ready.status).toBe(200);
      expect(JSON.parse(ready.text)).toMatchObject({ status: 'degraded', checks: { postgres: 'ok', redis: expect.stringMatching(/^failing: /) as unknown } });
    } finally {
      await health.close();
    }
  });
});
