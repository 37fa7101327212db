import { ApolloServer } from '@apollo/server';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import websocket from '@fastify/websocket';
import type { JetStreamEventStore } from '@shaman/event-store';
import type { Logger, Pool, ReadinessCheck } from '@shaman/platform';
import type { GraphQLSchema } from 'graphql';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { formatGqlError, httpError, internalHttpError } from './errors.js';
import { createGqlContext, type GqlContext, type RepositoryServices } from './graphql/context.js';
import { complexityLimitRule } from './graphql/complexity.rule.js';
import { depthLimitRule } from './graphql/depth-limit.rule.js';
import { allowlistHook, type OperationAllowlist } from './http/allowlist.hook.js';
import { createAuthenticator } from './auth/authenticate.js';
import type { OidcVerifier } from './auth/oidc.js';
import { createAuthHook } from './http/auth.hook.js';
import { registerHealthRoutes } from './http/health.routes.js';
import { registerRepositoryWebhook, type RepositoryWebhookDeps } from './repositories/webhook.route.js';
import { createSchema } from './schema/schema.js';
import { createLiveEndpoint, exceptUpgrades } from './subscriptions/ws-endpoint.js';
import { registerUiRoutes } from './ui/ui.routes.js';

export type GqlServerDeps = {
  pool: Pool;
  logger: Logger;
  maxDepth: number;
  /** The push webhook of repositories; the route exists only when given. */
  webhooks?: Omit<RepositoryWebhookDeps, 'pool'>;
  /** Repository and secret management (mutations); without it they answer INTERNAL "not configured". */
  repositories?: RepositoryServices;
  /**
   * The event store, for mutations that act on runs (cancel, input) and for subscriptions (graphql-ws on
   * GET /graphql); without it those mutations answer INTERNAL and there is no WebSocket endpoint.
   */
  store?: JetStreamEventStore;
  /** Verifies people's OIDC bearer tokens; without it only API keys authenticate. */
  oidc?: OidcVerifier;
  /** Estimated cost an operation may not exceed (graphql/complexity.rule.ts); default 10,000. */
  maxComplexity?: number;
  /** Schema introspection; default on (GQL_INTROSPECTION turns it off in production). */
  introspection?: boolean;
  /** When given, only these operations run (http/allowlist.hook.ts). */
  allowlist?: OperationAllowlist;
  /** What `/readyz` checks (src/metrics/observability.ts); PostgreSQL alone when absent. */
  readiness?: Record<string, ReadinessCheck>;
};
export type GqlServer = { app: FastifyInstance; close: () => Promise<void> };

const BODY_LIMIT_BYTES = 1024 * 1024;

const createApollo = async (deps: Pick<GqlServerDeps, 'logger' | 'maxDepth' | 'maxComplexity' | 'introspection'> & { schema: GraphQLSchema }): Promise<ApolloServer<GqlContext>> => {
  const { logger, maxDepth, schema } = deps;
  const apollo = new ApolloServer<GqlContext>({
    schema,
    introspection: deps.introspection ?? true,
    validationRules: [depthLimitRule(maxDepth), complexityLimitRule(deps.maxComplexity ?? 10_000)],
    formatError: formatGqlError(logger),
    includeStacktraceInErrorResponses: false,
    // main.ts owns the signals and closes Fastify before Apollo.
    stopOnTerminationSignals: false,
    logger,
  });
  await apollo.start();
  return apollo;
};

// Errors raised by Fastify itself, outside GraphQL (body too large, bad JSON, unsupported media type) or
// a crash in a hook, answered in the GraphQL error shape; a 5xx never carries its message out.
const handleHttpError = (error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
  const status = error.statusCode ?? 500;
  if (status < 500) return reply.code(status).send(httpError('BAD_USER_INPUT', error.message).body);
  request.log.error({ err: error }, 'unexpected error outside GraphQL execution');
  const internal = internalHttpError();
  return reply.code(internal.status).send(internal.body);
};

/**
 * The GraphQL API on Fastify: `POST|GET /graphql` behind API-key authentication, `/healthz`, `/readyz`, and
 * with `webhooks` the repositories' push webhook (HMAC-authenticated, see webhook.route.ts).
 * Not listening yet; `close()` stops accepting requests, waits for those in flight, then stops Apollo.
 */
export const createGqlServer = async (deps: GqlServerDeps): Promise<GqlServer> => {
  const schema = createSchema();
  const apollo = await createApollo({ ...deps, schema });
  // Widened to Fastify's logger type so the instance stays a plain FastifyInstance (pino's own type would leak
  // into every route and hook generic).
  const loggerInstance: FastifyBaseLogger = deps.logger;
  const app = Fastify({ bodyLimit: BODY_LIMIT_BYTES, loggerInstance });
  app.setErrorHandler(handleHttpError);
  registerHealthRoutes(app, deps.readiness ?? deps.pool);
  // The live DAG web UI (static files at /ui/; the page authenticates its own GraphQL calls).
  await registerUiRoutes(app);
  if (deps.webhooks) await registerRepositoryWebhook(app, { pool: deps.pool, ...deps.webhooks });
  const authenticate = createAuthenticator({ pool: deps.pool, oidc: deps.oidc ?? null });
  const auth = createAuthHook(authenticate);
  // Subscriptions: a WebSocket upgrade of GET /graphql, authenticated in graphql-ws's connection_init.
  const live = deps.store
    ? createLiveEndpoint({ authenticate, logger: deps.logger, store: deps.store, schema, maxDepth: deps.maxDepth, maxComplexity: deps.maxComplexity, allowlist: deps.allowlist })
    : null;
  if (live) await app.register(websocket, { options: { maxPayload: BODY_LIMIT_BYTES } });
  const graphqlRoute = {
    url: '/graphql',
    onRequest: live ? exceptUpgrades(auth.onRequest) : auth.onRequest,
    ...(deps.allowlist ? { preHandler: live ? exceptUpgrades(allowlistHook(deps.allowlist)) : allowlistHook(deps.allowlist) } : {}),
    handler: fastifyApolloHandler(apollo, { context: async (request) => createGqlContext(deps.pool, auth.principalOf(request), { repositories: deps.repositories ?? null, store: deps.store ?? null, logger: deps.logger }) }),
  };
  // Two routes: @fastify/websocket accepts a wsHandler only on a GET-only route.
  app.route({ method: 'POST', ...graphqlRoute });
  app.route({ method: 'GET', ...graphqlRoute, ...(live ? { wsHandler: live.wsHandler } : {}) });
  return {
    app,
    close: async () => {
      // Fastify's close shuts the sockets; the feeds are closed too in case a socket's close is still pending.
      await app.close();
      await live?.close();
      await apollo.stop();
    },
  };
};
