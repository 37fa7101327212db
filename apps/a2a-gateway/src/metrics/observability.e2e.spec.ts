import { newId } from '@shaman/platform';
import { TEST_REDIS_URL, createTestDatabase, createTestNats, createTestRedis, createTestTenant, eventually, freePort, spawnApp, type AppProcess, type TestDatabase, type TestNats, type TestRedis, type TestTenant } from '@shaman/testing';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOtlpCollector } from './otlp-collector.fixture.js';

const EXAMPLE_AGENTS = fileURLToPath(new URL('../../../../examples/agents', import.meta.url));

/**
 * Issue 9, observability, across real processes: one run's trace goes gateway → JetStream → executor (step,
 * model call) → projector under the caller's trace id (and a GraphQL request joins its caller's trace), each app serves Prometheus metrics that count it, and
 * `/readyz` names the dependencies it checked.
 */
describe('traces, metrics and readiness across the apps', () => {
  let db: TestDatabase;
  let nats: TestNats;
  let tenant: TestTenant;
  let collector: Awaited<ReturnType<typeof startOtlpCollector>>;
  let apps: AppProcess[] = [];
  let gateway = '';
  let graphql = '';
  let redis: TestRedis;
  const ports = { executor: 0, projector: 0 };

  beforeAll(async () => {
    [db, nats, collector] = await Promise.all([createTestDatabase(), createTestNats(), startOtlpCollector()]);
    redis = createTestRedis();
    tenant = await createTestTenant(db.adminUrl, { agentsRepository: EXAMPLE_AGENTS });
    [ports.executor, ports.projector] = await Promise.all([freePort(), freePort()]);
    const env = { NATS_URL: nats.url, NATS_STREAM: nats.layout.stream, NATS_SUBJECT_PREFIX: nats.layout.subjectPrefix, OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' };
    apps = [
      spawnApp('projector', { ...env, DATABASE_URL: db.projectorUrl, HEALTH_PORT: String(ports.projector) }),
      spawnApp('executor', { ...env, EXECUTOR_ID: 'observed', HEALTH_PORT: String(ports.executor) }),
      spawnApp('a2a-gateway', { ...env, DATABASE_URL: db.appUrl, GATEWAY_PORT: '0' }),
      spawnApp('gql-api', { ...env, DATABASE_URL: db.appUrl, GQL_PORT: '0', REDIS_URL: TEST_REDIS_URL, BULLMQ_PREFIX: redis.prefix, REPO_SYNC_WORKER: 'false' }),
    ];
    const [, , listening, gql] = await Promise.all([
      apps[0]!.waitForLog((l) => l.msg === 'projector started'),
      apps[1]!.waitForLog((l) => l.msg === 'executor pulling'),
      apps[2]!.waitForLog((l) => l.msg === 'a2a gateway listening'),
      apps[3]!.waitForLog((l) => l.msg === 'gql-api listening'),
    ]);
    gateway = String(listening['url']);
    graphql = String(gql['url']);
  });

  afterAll(async () => {
    const codes = await Promise.all(apps.map((a) => a.stop()));
    await collector?.close();
    await redis?.cleanup();
    await nats?.cleanup();
    await db?.cleanup();
    expect(codes).toEqual([0, 0, 0, 0]);
  });

  const scrape = async (url: string): Promise<string> => {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    return res.text();
  };
  const sample = (text: string, pattern: RegExp): number => Number(pattern.exec(text)?.[1] ?? Number.NaN);

  it('carries the caller\'s trace through gateway, executor (step and model call) and projector', async () => {
    const traceId = randomBytes(16).toString('hex');
    const traceparent = `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
    const body = { jsonrpc: '2.0', id: 1, method: 'message/send', params: { message: { kind: 'message', messageId: newId(), role: 'user', parts: [{ kind: 'text', text: 'trace me' }] }, metadata: { agent: 'Assistant' } } };
    const res = await fetch(`${gateway}/a2a/v1`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': tenant.apiKey, traceparent }, body: JSON.stringify(body) });
    const answer = (await res.json()) as { result?: { status: { state: string } } };
    expect(answer.result?.status.state).toBe('completed');

    const spans = await eventually(
      async () => {
        const inTrace = collector.spans.filter((s) => s.traceId === traceId);
        const has = (service: string, name: RegExp) => inTrace.some((s) => s.service === service && name.test(s.name));
        const complete = has('a2a-gateway', /^POST \/a2a\/v1$/) && has('a2a-gateway', /^append RunRequested$/) && has('executor', /^executor\.step$/) && has('executor', /^llm scripted/) && has('executor', /^append /) && has('projector', /^project .*StepCompleted/);
        return complete ? inTrace : undefined;
      },
      { what: 'spans of all three apps in the caller\'s trace', timeoutMs: 20_000 },
    );
    // The executor's step continues the gateway's append (the request event's traceparent), and the model call is its child.
    const append = spans.find((s) => s.service === 'a2a-gateway' && s.name === 'append RunRequested')!;
    const step = spans.find((s) => s.service === 'executor' && s.name === 'executor.step')!;
    expect(step.parentSpanId).toBe(append.spanId);
    expect(spans.find((s) => s.name.startsWith('llm '))!.parentSpanId).toBe(step.spanId);
    // GraphQL requests are server spans in the caller's trace too.
    const gqlTrace = randomBytes(16).toString('hex');
    const gqlRes = await fetch(`${graphql}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.apiKey}`, traceparent: `00-${gqlTrace}-${randomBytes(8).toString('hex')}-01` }, body: JSON.stringify({ query: '{ viewer { organizationId } }' }) });
    expect(gqlRes.status).toBe(200);
    await eventually(async () => collector.spans.find((s) => s.service === 'gql-api' && s.traceId === gqlTrace && s.name === 'POST /graphql'), { what: 'the gql-api request span', timeoutMs: 10_000 });
    // The projector's batch span is linked to the run's trace.
    expect(collector.spans.some((s) => s.service === 'projector' && s.name === 'projector.batch' && s.links.includes(traceId))).toBe(true);
  });

  it('serves /metrics on every app with the run counted, and /readyz naming each dependency', async () => {
    const executor = await eventually(async () => {
      const text = await scrape(`http://127.0.0.1:${ports.executor}/metrics`);
      return sample(text, /^shaman_runs_completed_total\{agent="Assistant"[^}]*\} (\d+)/m) >= 1 ? text : undefined;
    }, { what: 'the executor to count the completed run' });
    expect(sample(executor, /^shaman_runs_started_total\{agent="Assistant"[^}]*\} (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(sample(executor, /^shaman_llm_request_duration_seconds_count\{[^}]*model="scripted"[^}]*outcome="ok"[^}]*\} (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(sample(executor, /^shaman_llm_tokens_total\{model="scripted",kind="input"[^}]*\} (\d+)/m)).toBeGreaterThan(0);
    expect(sample(executor, /^shaman_consumer_messages\{[^}]*state="pending"[^}]*\} (\d+)/m)).toBe(0);
    expect(executor).toMatch(/^shaman_step_handling_duration_seconds_count\{(?=[^}]*agent="Assistant")(?=[^}]*outcome="settled")[^}]*\} [1-9]/m);

    const projector = await scrape(`http://127.0.0.1:${ports.projector}/metrics`);
    expect(sample(projector, /^shaman_projection_lag_seconds_count\{[^}]*\} (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(sample(projector, /^shaman_projection_backlog_messages\{[^}]*\} (\d+)/m)).toBe(0);

    const gqlMetrics = await scrape(`${graphql}/metrics`);
    expect(sample(gqlMetrics, /^http_requests_total\{method="POST",route="\/graphql",status="200"[^}]*\} (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(gqlMetrics).toMatch(/^shaman_queue_jobs\{queue="repository-sync",state="waiting"[^}]*\} 0/m);

    const gatewayMetrics = await scrape(`${gateway}/metrics`);
    expect(sample(gatewayMetrics, /^http_requests_total\{method="POST",route="\/a2a\/v1",status="200"[^}]*\} (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(gatewayMetrics).toMatch(/^shaman_queue_jobs\{queue="push-delivery",state="waiting"[^}]*\} 0/m);

    const ready = async (url: string) => {
      const res = await fetch(url);
      return { status: res.status, body: (await res.json()) as unknown };
    };
    expect(await ready(`${graphql}/readyz`)).toEqual({ status: 200, body: { status: 'ok', checks: { postgres: 'ok', nats: 'ok', redis: 'ok' } } });
    expect(await ready(`${gateway}/readyz`)).toEqual({ status: 200, body: { status: 'ok', checks: { postgres: 'ok', nats: 'ok', redis: 'ok' } } });
    expect(await ready(`http://127.0.0.1:${ports.executor}/readyz`)).toEqual({ status: 200, body: { status: 'ok', checks: { nats: 'ok' } } });
    expect(await ready(`http://127.0.0.1:${ports.projector}/readyz`)).toEqual({ status: 200, body: { status: 'ok', checks: { nats: 'ok', postgres: 'ok', app: 'ok' } } });
  });
});
