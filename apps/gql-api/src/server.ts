import { ApolloServer } from '@apollo/server';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import type { Logger, Pool } from '@shaman/platform';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { formatGqlError, httpError, internalHttpError } from './errors.js';
import { createGqlContext, type GqlContext } from './graphql/context.js';
import { depthLimitRule } from './graphql/depth-limit.rule.js';
import { createApiKeyAuth } from './http/api-key.hook.js';
import { registerHealthRoutes } from './http/health.routes.js';
import { registerRepositoryWebhook, type RepositoryWebhookDeps } from './repositories/webhook.route.js';
import { resolvers, typeDefs } from './schema/schema.js';

export type GqlServerDeps = {
  pool: Pool;
  logger: Logger;
  maxDepth: number;
  /** The push webhook of repositories; the route exists only when given. */
  webhooks?: Omit<RepositoryWebhookDeps, 'pool'>;
};
export type GqlServer = { app: FastifyInstance; close: () => Promise<void> };

const BODY_LIMIT_BYTES = 1024 * 1024;

const createApollo = async ({ logger, maxDepth }: Pick<GqlServerDeps, 'logger' | 'maxDepth'>): Promise<ApolloServer<GqlContext>> => {
  const apollo = new ApolloServer<GqlContext>({
    typeDefs,
    resolvers,
    introspection: true,
    validationRules: [depthLimitRule(maxDepth)],
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
  const apollo = await createApollo(deps);
  // Widened to Fastify's logger type so the instance stays a plain FastifyInstance (pino's own type would leak
  // into every route and hook generic).
  const loggerInstance: FastifyBaseLogger = deps.logger;
  const app = Fastify({ bodyLimit: BODY_LIMIT_BYTES, loggerInstance });
  app.setErrorHandler(handleHttpError);
  registerHealthRoutes(app, deps.pool);
  if (deps.webhooks) await registerRepositoryWebhook(app, { pool: deps.pool, ...deps.webhooks });
  const auth = createApiKeyAuth(deps.pool);
  app.route({
    method: ['GET', 'POST'],
    url: '/graphql',
    onRequest: auth.onRequest,
    handler: fastifyApolloHandler(apollo, { context: async (request) => createGqlContext(deps.pool, auth.principalOf(request)) }),
  });
  return {
    app,
    close: async () => {
      await app.close();
      await apollo.stop();
    },
  };
};
