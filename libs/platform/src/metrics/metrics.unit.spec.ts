import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { createAppMetrics } from './registry.js';
import { registerHttpMetrics } from './http-metrics.js';
import { countAppendedEvents, createRunMetrics } from './run-metrics.js';
import { queueDepthGauge, sampledGauge } from './sampled-gauge.js';

const valueOf = async (metrics: ReturnType<typeof createAppMetrics>, name: string, labels: Record<string, string>): Promise<number | undefined> => {
  const metric = metrics.registry.getSingleMetric(name);
  const data = await metric?.get();
  return data?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
};

describe('metrics', () => {
  it('serves a per-process registry with default process metrics and the app label', async () => {
    const metrics = createAppMetrics('probe-app');
    const text = await metrics.text();
    expect(text).toContain('process_cpu_user_seconds_total{app="probe-app"}');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    // Two registries in one process never collide (the CLI runs every app in one process).
    expect(() => createAppMetrics('another')).not.toThrow();
  });

  it('counts HTTP requests by route pattern and status, not by raw URL, and serves /metrics', async () => {
    const metrics = createAppMetrics('http-app', { defaultMetrics: false });
    const app = Fastify();
    app.get('/agents/:name', async (req, reply) => reply.code((req.params as { name: string }).name === 'missing' ? 404 : 200).send({}));
    registerHttpMetrics(app, metrics);
    await app.inject({ url: '/agents/alpha' });
    await app.inject({ url: '/agents/beta' });
    await app.inject({ url: '/agents/missing' });
    await app.inject({ url: '/nowhere' });
    expect(await valueOf(metrics, 'http_requests_total', { route: '/agents/:name', status: '200' })).toBe(2);
    expect(await valueOf(metrics, 'http_requests_total', { route: '/agents/:name', status: '404' })).toBe(1);
    expect(await valueOf(metrics, 'http_requests_total', { route: 'unmatched', status: '404' })).toBe(1);
    const res = await app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toMatch(/^http_request_duration_seconds_count\{.*route="\/agents\/:name".*\} 2$/m);
    expect(res.body).toMatch(/^http_request_duration_seconds_count\{.*app="http-app".*\} 2$/m);
    expect(res.body).not.toContain('alpha');
    // A second listener of the same process shares the series instead of failing on a duplicate name.
    expect(() => registerHttpMetrics(Fastify(), metrics, { serve: false })).not.toThrow();
    await app.close();
  });

  it('counts the run lifecycle and tokens from appended events, learning the agent from them', async () => {
    const metrics = createAppMetrics('executor', { defaultMetrics: false });
    const run = createRunMetrics(metrics.registry);
    const step = { agent: 'unknown' };
    countAppendedEvents(run, step, [{ type: 'StepStarted', data: { agent: { name: 'Scribe' } } }]);
    countAppendedEvents(run, step, [
      { type: 'LlmResponded', data: {} },
      { type: 'UsageRecorded', data: { agent: 'Scribe', model: 'scripted', inputTokens: 7, outputTokens: 3 } },
      { type: 'StepCompleted', data: {} },
    ]);
    countAppendedEvents(run, { agent: 'Other' }, [{ type: 'StepFailed', data: {} }]);
    expect(await valueOf(metrics, 'shaman_runs_started_total', { agent: 'Scribe' })).toBe(1);
    expect(await valueOf(metrics, 'shaman_runs_completed_total', { agent: 'Scribe' })).toBe(1);
    expect(await valueOf(metrics, 'shaman_runs_failed_total', { agent: 'Other' })).toBe(1);
    expect(await valueOf(metrics, 'shaman_llm_tokens_total', { model: 'scripted', kind: 'input' })).toBe(7);
    expect(await valueOf(metrics, 'shaman_llm_tokens_total', { model: 'scripted', kind: 'output' })).toBe(3);
  });

  it('samples gauges at scrape time and leaves out a sample that fails or hangs, without failing the scrape', async () => {
    const metrics = createAppMetrics('sampler', { defaultMetrics: false });
    let pending = 5;
    sampledGauge(metrics.registry, { name: 'probe_pending', help: 'h', labelNames: ['c'], sample: async () => [{ labels: { c: 'x' }, value: pending }] });
    sampledGauge(metrics.registry, { name: 'probe_hanging', help: 'h', labelNames: ['c'], sample: () => new Promise(() => undefined), timeoutMs: 50 });
    queueDepthGauge(metrics.registry, [{ name: 'sync', getJobCounts: async () => ({ waiting: 2, delayed: 1, active: 0, failed: 4 }) }]);
    expect(await metrics.text()).toContain('probe_pending{c="x",app="sampler"} 5');
    pending = 9;
    const text = await metrics.text();
    expect(text).toContain('probe_pending{c="x",app="sampler"} 9');
    expect(text).not.toMatch(/^probe_hanging\{/m);
    expect(text).toContain('shaman_queue_jobs{queue="sync",state="failed",app="sampler"} 4');
  });
});
