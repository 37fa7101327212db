import { Counter, Histogram } from 'prom-client';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppMetrics } from './registry.js';

const STARTED = Symbol('shaman.metrics.started');
type Timed = FastifyRequest & { [STARTED]?: bigint };

/**
 * HTTP request counts and latency by route and status on a Fastify server, and `GET /metrics`. The label is
 * the route pattern (`/agents/:name`), never the raw URL: tenant-chosen paths must not create series.
 * Hooks apply to every route of the instance, also those declared before; call it before `listen`.
 */
export const registerHttpMetrics = (app: FastifyInstance, metrics: AppMetrics, options: { serve?: boolean } = {}): void => {
  const { requests, duration } = httpMetricsOf(metrics);
  app.addHook('onRequest', async (request) => {
    (request as Timed)[STARTED] = process.hrtime.bigint();
  });
  app.addHook('onResponse', async (request, reply) => {
    const started = (request as Timed)[STARTED];
    const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) };
    requests.inc(labels);
    if (started !== undefined) duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
  });
  if (options.serve !== false) app.get('/metrics', async (_request, reply) => reply.header('content-type', metrics.contentType).send(await metrics.text()));
};

/** The HTTP series of a registry, created once: several servers of one process (public and internal listeners) share them. */
const httpMetricsOf = (metrics: AppMetrics): { requests: Counter; duration: Histogram } => {
  const existing = metrics.registry.getSingleMetric('http_requests_total');
  if (existing) return { requests: existing as Counter, duration: metrics.registry.getSingleMetric('http_request_duration_seconds') as Histogram };
  return {
    requests: new Counter({ name: 'http_requests_total', help: 'HTTP requests answered, by method, route and status.', labelNames: ['method', 'route', 'status'], registers: [metrics.registry] }),
    duration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency (until the response is sent), by method, route and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [metrics.registry],
    }),
  };
};
