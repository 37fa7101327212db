import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppMetrics } from './metrics/registry.js';

export type HealthServer = { port: number; close(): Promise<void> };

/** A dependency check for `/readyz`: resolves when the dependency answers, throws (or returns false) when not. */
export type ReadinessCheck = () => Promise<boolean | void> | boolean | void;

export type Readiness = { ready: boolean; body: { status: 'ok' | 'degraded' | 'unavailable'; checks: Record<string, string> } };

const SOFT = Symbol('shaman.readiness.soft');

/**
 * A dependency the app works without, worse (Redis for a gateway: rate limits fail open): when it fails,
 * `/readyz` still answers 200, with status `degraded` and the failure named. Taking every gateway out of a load
 * balancer because Redis blinked would turn a degraded service into an outage.
 */
export const softCheck = (check: ReadinessCheck): ReadinessCheck => Object.assign(() => check(), { [SOFT]: true });
const isSoft = (check: ReadinessCheck): boolean => SOFT in check;

const CHECK_TIMEOUT_MS = 2000;

/**
 * Runs every check at once, each bounded by a timeout, and names each result: `ok`, or what failed. A
 * load balancer or orchestrator only needs the status code; a person reading the body sees which dependency.
 */
export const checkReadiness = async (checks: Record<string, ReadinessCheck>): Promise<Readiness> => {
  const results = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, string]> => {
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS)));
        const ok = await Promise.race([Promise.resolve(check()), timeout]);
        return [name, ok === false ? 'failing' : 'ok'];
      } catch (error) {
        return [name, `failing: ${(error as Error).message || String(error)}`];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const failing = results.filter(([, r]) => r !== 'ok').map(([name]) => name);
  const ready = failing.every((name) => isSoft(checks[name] ?? (() => undefined)));
  return { ready, body: { status: failing.length === 0 ? 'ok' : ready ? 'degraded' : 'unavailable', checks: Object.fromEntries(results) } };
};

/** NATS: the connection is open and the server answers a round trip (a reconnecting client does not). */
export const natsCheck = (nc: { isClosed(): boolean; isDraining(): boolean; flush(): Promise<void> }): ReadinessCheck => async () => {
  if (nc.isClosed() || nc.isDraining()) throw new Error('connection closed');
  await nc.flush();
};

/** PostgreSQL: a pooled connection runs `SELECT 1`. */
export const postgresCheck = (pool: { query(sql: string): Promise<unknown> }): ReadinessCheck => async () => {
  await pool.query('SELECT 1');
};

/** Redis: PING answers PONG. */
export const redisCheck = (redis: { ping(): Promise<string> }): ReadinessCheck => async () => {
  const answer = await redis.ping();
  if (answer !== 'PONG') throw new Error(`PING answered ${answer}`);
};

const json = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};

/**
 * The HTTP side of apps that serve no HTTP of their own (executor, projector): `/healthz` (the process
 * answers), `/readyz` (every check passes, and `ready()` when given, e.g. the consumer is open) and, with
 * `metrics`, `/metrics` for Prometheus.
 */
export const startHealthServer = async (options: { port: number; ready?: () => boolean; checks?: Record<string, ReadinessCheck>; metrics?: AppMetrics; host?: string }): Promise<HealthServer> => {
  const ready = options.ready;
  const checks: Record<string, ReadinessCheck> = { ...options.checks, ...(ready ? { app: () => ready() } : {}) };
  const server = createServer((req, res) => {
    const path = req.url?.split('?')[0];
    if (path === '/healthz') return json(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      void checkReadiness(checks).then((r) => json(res, r.ready ? 200 : 503, r.body));
      return;
    }
    if (path === '/metrics' && options.metrics) {
      const metrics = options.metrics;
      void metrics.text().then(
        (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
        (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error)),
      );
      return;
    }
    json(res, 404, { status: 'not found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
};
