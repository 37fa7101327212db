import type { InternalTokenVerifier, publishedJwks } from '@shaman/platform';
import Fastify, { type FastifyInstance } from 'fastify';
import { createSlugLookup, registerEdgeGuards } from '../edge/index.js';
import { registerJsonRpc } from '../jsonrpc/rpc-route.js';
import type { MethodRegistry } from '../protocol/invoke.js';
import { acceptJsonBodies, createGatewayShared, type GatewayDeps, type GatewayShared } from '../server.js';
import { cancelTask } from '../tasks/cancel-task.js';
import { getTask } from '../tasks/get-task.js';
import { createCallDepthLimits, DEFAULT_MAX_CALL_DEPTH } from './call-depth.js';
import { callOf, createInternalAuthenticator } from './internal-auth.js';
import { internalSendMessage } from './internal-send.js';

export type InternalRoleOptions = {
  verifier: InternalTokenVerifier;
  /** Published at `GET /.well-known/jwks.json`: public keys only (empty under the HS256 fallback). */
  jwks: ReturnType<typeof publishedJwks>;
  /** The call-depth limit of organizations that set none (GATEWAY_MAX_CALL_DEPTH). */
  maxCallDepth?: number;
};

/**
 * The gateway's internal role (docs/a2a.md, "Internal role"): its own listener, where executors' `call_agent`
 * sends land. The same JSON-RPC binding and versions as the public role, but only platform JWTs authenticate
 * and only `message/send`, `tasks/get` and `tasks/cancel` are offered; no cards, no REST, no streaming.
 */
export const createInternalGatewayServer = (deps: GatewayDeps, internal: InternalRoleOptions, shared: GatewayShared = createGatewayShared(deps)): FastifyInstance => {
  const { clock, tasks, tenants, pinToRun } = shared;
  const depthLimits = createCallDepthLimits(deps.pool, { fallback: internal.maxCallDepth ?? DEFAULT_MAX_CALL_DEPTH });
  const registry: MethodRegistry = {
    unary: {
      'message/send': internalSendMessage({ store: deps.store, tenants, tasks, watcher: deps.watcher, blockingTimeoutMs: deps.blockingTimeoutMs, clock, pinToRun, depthLimits }),
      'tasks/get': getTask({ tasks }),
      'tasks/cancel': cancelTask({ store: deps.store, tasks, watcher: deps.watcher, clock, waitMs: 5000, requestedBy: (principal) => ({ kind: 'agent', id: callOf(principal).initiatorId }) }),
    },
    streams: {},
  };
  const app = Fastify({ logger: false, bodyLimit: deps.bodyLimit });
  acceptJsonBodies(app);
  // Only the 413 shaping: no rate limit or subdomain tenancy applies to the platform's own calls.
  registerEdgeGuards(app, { pool: deps.pool, logger: deps.logger, clock, apiKeyCacheMs: 0 });
  registerJsonRpc(app, { registry, authenticate: createInternalAuthenticator(internal.verifier), slugOf: createSlugLookup(deps.pool), logger: deps.logger });
  app.get('/.well-known/jwks.json', async (_req, reply) => reply.header('cache-control', 'public, max-age=300').send(internal.jwks));
  app.get('/healthz', async () => ({ ok: true }));
  return app;
};
