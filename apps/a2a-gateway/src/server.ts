import type { JetStreamEventStore } from '@shaman/event-store';
import { apiKeyFromHeaders, createApiKeyAuthenticator, type ApiKeyPrincipal, type Logger, type Pool } from '@shaman/platform';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { buildAgentCard } from './agent-card.js';
import { A2AError, toA2AError } from './errors.js';
import { parseEnvelope, rpcError, rpcResult, type RpcId } from './jsonrpc/envelope.js';
import type { RunWatcher } from './run-watcher.js';
import { cancelTask } from './tasks/cancel-task.js';
import { getTask } from './tasks/get-task.js';
import { sendMessage } from './tasks/send-message.js';
import { createTaskReader } from './tasks/task-reader.js';
import { createTenantDirectory } from './tenants.js';

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
};

type Method = (principal: ApiKeyPrincipal, params: unknown) => Promise<unknown>;

/** A2A methods this gateway knows but does not offer yet; the card does not declare their capabilities. */
const UNSUPPORTED = new Set(['message/stream', 'tasks/resubscribe', 'tasks/pushNotificationConfig/set', 'tasks/pushNotificationConfig/get', 'tasks/pushNotificationConfig/list', 'tasks/pushNotificationConfig/delete', 'agent/getAuthenticatedExtendedCard']);

export const createGatewayServer = (deps: GatewayDeps): FastifyInstance => {
  const clock = deps.clock ?? (() => new Date());
  const tasks = createTaskReader({ pool: deps.pool, store: deps.store });
  const tenants = createTenantDirectory(deps.pool);
  const methods: Record<string, Method> = {
    'message/send': sendMessage({ store: deps.store, tenants, tasks, watcher: deps.watcher, blockingTimeoutMs: deps.blockingTimeoutMs, clock }),
    'tasks/get': getTask({ tasks }),
    'tasks/cancel': cancelTask({ store: deps.store, tasks, watcher: deps.watcher, clock, waitMs: 5000 }),
  };
  const app = Fastify({ logger: false, bodyLimit: deps.bodyLimit });
  // Parse JSON ourselves: a malformed body must be a JSON-RPC -32700 with HTTP 200, not Fastify's 400.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  const authenticator = createApiKeyAuthenticator(deps.pool, { ttlMs: deps.apiKeyCacheMs ?? 0 });
  const authenticate = async (headers: Record<string, string | string[] | undefined>): Promise<ApiKeyPrincipal> => {
    const result = await authenticator(apiKeyFromHeaders(headers), clock());
    if (!result.ok) throw new A2AError('unauthenticated', `Unauthenticated: API key ${result.reason}`);
    return result.principal;
  };

  const fail = (reply: FastifyReply, id: RpcId, error: unknown) => {
    const e = toA2AError(error);
    if (e.code === 'internal') deps.logger.error({ err: error }, 'a2a request failed');
    if (e.code === 'unauthenticated') void reply.header('www-authenticate', 'Bearer');
    return reply.code(e.httpStatus).send(rpcError(id, e));
  };

  app.post('/a2a/v1', async (req, reply) => {
    let principal: ApiKeyPrincipal;
    try {
      principal = await authenticate(req.headers);
    } catch (error) {
      return fail(reply, null, error);
    }
    let id: RpcId = null;
    try {
      const rpc = parseEnvelope(typeof req.body === 'string' ? req.body : '');
      id = rpc.id;
      const method = methods[rpc.method];
      if (!method) {
        if (UNSUPPORTED.has(rpc.method)) throw new A2AError('unsupported_operation', `${rpc.method} is not supported by this agent (see its card's capabilities)`);
        throw new A2AError('method_not_found', `Method not found: ${rpc.method}`);
      }
      return reply.send(rpcResult(id, await method(principal, rpc.params)));
    } catch (error) {
      return fail(reply, (error as { rpcId?: RpcId }).rpcId ?? id, error);
    }
  });

  app.get('/.well-known/agent-card.json', async (req, reply) => {
    const key = apiKeyFromHeaders(req.headers);
    const principal = key ? await authenticate(req.headers).catch(() => null) : null;
    const tenant = principal ? await tenants.get(principal.orgId) : null;
    const agents = tenant ? await tenant.agents.list() : [];
    return reply.header('cache-control', 'public, max-age=60').send(buildAgentCard({ baseUrl: deps.publicUrl(), tenant, agents }));
  });
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_req, reply) => {
    try {
      await deps.pool.query('SELECT 1');
      return { ok: true };
    } catch {
      return reply.code(503).send({ ok: false, failing: 'postgres' });
    }
  });
  return app;
};
