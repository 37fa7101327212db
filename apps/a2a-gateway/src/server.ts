import type { NatsConnection } from '@nats-io/transport-node';
import type { JetStreamEventStore } from '@shaman/event-store';
import { apiKeyFromHeaders, checkReadiness, createApiKeyAuthenticator, postgresCheck, type ApiKeyPrincipal, type Logger, type Pool, type ReadinessCheck } from '@shaman/platform';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { registerCards } from './cards/card-routes.js';
import { createSlugLookup, registerEdgeGuards, type EdgeOptions } from './edge/index.js';
import { getExtendedCard } from './cards/extended-card.js';
import { A2AError } from './errors.js';
import { registerJsonRpc } from './jsonrpc/rpc-route.js';
import { registeredCapabilities, type MethodRegistry } from './protocol/invoke.js';
import { createPushAttacher, createPushMethods, type PushOptions } from './push/index.js';
import { registerRest } from './rest/rest-routes.js';
import { createStreamMethods } from './streaming/index.js';
import { createRunPinner, type RunPinner } from './run-pin.js';
import type { RunWatcher } from './run-watcher.js';
import { cancelTask } from './tasks/cancel-task.js';
import { getTask } from './tasks/get-task.js';
import { listTasks } from './tasks/list-tasks.js';
import { sendMessage } from './tasks/send-message.js';
import { createTaskReader, type TaskReader } from './tasks/task-reader.js';
import { createTenantDirectory, type TenantDirectory } from './tenants.js';

export type GatewayDeps = {
  pool: Pool;
  store: JetStreamEventStore;
  watcher: RunWatcher;
  logger: Logger;
  publicUrl: () => string;
  blockingTimeoutMs: number;
  bodyLimit: number;
  /** See GATEWAY_API_KEY_CACHE_MS; 0 when absent. */
  apiKeyCacheMs?: number;
  clock?: () => Date;
  /** Rate limits and subdomain tenancy (src/edge); without it only the body-limit answer is shaped. */
  edge?: EdgeOptions;
  /** Push-notification config methods (src/push); without it they answer -32003 and the card does not claim them. */
  push?: PushOptions;
  /** Streaming (src/streaming) reads the log through it; without it the stream methods answer -32004 and the card says streaming: false. */
  nc?: NatsConnection;
  /** What `/readyz` checks (src/metrics/observability.ts); PostgreSQL alone when absent. */
  readiness?: Record<string, ReadinessCheck>;
};

/** Request bodies we read: JSON, and the A2A media type 1.0.1 prefers for REST. Others are HTTP 415. */
const JSON_TYPES = ['application/json', 'application/a2a+json'];

/** Parse JSON ourselves: a malformed body must be a JSON-RPC -32700 with HTTP 200, not Fastify's 400. */
export const acceptJsonBodies = (app: FastifyInstance): void => {
  app.addContentTypeParser(JSON_TYPES, { parseAs: 'string' }, (_req, body, done) => done(null, body));
};

/** What the public and the internal role (src/internal) share in one process: caches of tenants, agents and pins. */
export type GatewayShared = { clock: () => Date; tasks: TaskReader; tenants: TenantDirectory; pinToRun: RunPinner };
export const createGatewayShared = (deps: GatewayDeps): GatewayShared => ({
  clock: deps.clock ?? (() => new Date()),
  tasks: createTaskReader({ pool: deps.pool, store: deps.store }),
  tenants: createTenantDirectory(deps.pool),
  // A root joining an existing run is read at that run's commit (docs/agents.md, "Pinning").
  pinToRun: createRunPinner({ store: deps.store }),
});

export const createGatewayServer = (deps: GatewayDeps, shared: GatewayShared = createGatewayShared(deps)): FastifyInstance => {
  const { clock, tasks, tenants, pinToRun } = shared;
  // Methods by internal (v0.3) name. Streaming (src/streaming) and push (src/push) register theirs here; the
  // cards declare a capability only once all of its methods are present.
  const registry: MethodRegistry = { unary: {}, streams: {} };
  const capabilities = () => registeredCapabilities(registry);
  Object.assign(registry.unary, {
    'message/send': sendMessage({ store: deps.store, tenants, tasks, watcher: deps.watcher, blockingTimeoutMs: deps.blockingTimeoutMs, clock, pinToRun, attachPush: deps.push && createPushAttacher({ ...deps.push, pool: deps.pool, tasks }) }),
    'tasks/get': getTask({ tasks }),
    'tasks/list': listTasks({ pool: deps.pool, tasks }),
    'tasks/cancel': cancelTask({ store: deps.store, tasks, watcher: deps.watcher, clock, waitMs: 5000 }),
    'agent/getAuthenticatedExtendedCard': getExtendedCard({ tenants, publicUrl: deps.publicUrl, capabilities }),
  } satisfies MethodRegistry['unary']);
  if (deps.push) Object.assign(registry.unary, createPushMethods({ ...deps.push, pool: deps.pool, tasks }));
  // Aborted as the server starts closing, so open SSE streams end instead of holding `close` up.
  const shutdown = new AbortController();
  if (deps.nc) Object.assign(registry.streams, createStreamMethods({ store: deps.store, nc: deps.nc, tenants, tasks, watcher: deps.watcher, clock, pinToRun, shutdown: shutdown.signal }));

  const app = Fastify({ logger: false, bodyLimit: deps.bodyLimit });
  app.addHook('preClose', async () => shutdown.abort());
  acceptJsonBodies(app);

  const authenticator = createApiKeyAuthenticator(deps.pool, { ttlMs: deps.apiKeyCacheMs ?? 0 });
  const authenticate = async (headers: FastifyRequest['headers']): Promise<ApiKeyPrincipal> => {
    const result = await authenticator(apiKeyFromHeaders(headers), clock());
    if (!result.ok) throw new A2AError('unauthenticated', `Unauthenticated: API key ${result.reason}`);
    return result.principal;
  };

  registerEdgeGuards(app, { ...deps.edge, pool: deps.pool, logger: deps.logger, clock, apiKeyCacheMs: deps.apiKeyCacheMs ?? 0 });
  const slugOf = createSlugLookup(deps.pool);
  registerJsonRpc(app, { registry, authenticate, slugOf, logger: deps.logger });
  registerRest(app, { registry, authenticate, slugOf, logger: deps.logger });
  registerCards(app, { tenants, authenticate, publicUrl: deps.publicUrl, capabilities });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const readiness = await checkReadiness(deps.readiness ?? { postgres: postgresCheck(deps.pool) });
    return reply.code(readiness.ready ? 200 : 503).send(readiness.body);
  });
  return app;
};
