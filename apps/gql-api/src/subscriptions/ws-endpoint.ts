import type { WebsocketHandler } from '@fastify/websocket';
import type { JetStreamEventStore } from '@shaman/event-store';
import type { Logger } from '@shaman/platform';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GraphQLSchema, ValidationRule } from 'graphql';
import type * as GraphQL from 'graphql';
import { CloseCode } from 'graphql-ws';
import { makeHandler } from 'graphql-ws/use/@fastify/websocket';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Authenticator } from '../auth/authenticate.js';
import type { Principal } from '../auth/principal.js';
import { formatGqlError } from '../errors.js';
import { complexityLimitRule } from '../graphql/complexity.rule.js';
import { depthLimitRule } from '../graphql/depth-limit.rule.js';
import type { OperationAllowlist } from '../http/allowlist.hook.js';
import { createFeedRegistry } from './feed-registry.js';
import { coalesceFrames } from './coalesce-frames.js';
import type { SubscriptionContext } from './subscription-context.js';

// graphql-ws and graphql-tools check `instanceof` against their graphql: `validate` must be the instance that
// built the schema, and errors returned to graphql-ws its GraphQLError. Node resolves `graphql` to its CommonJS
// build for every package; vitest resolves our own import to the ESM build, a second instance. Loading it as
// Node does is right in both.
const { GraphQLError, validate, specifiedRules } = createRequire(import.meta.url)('graphql') as typeof GraphQL;

export type LiveEndpointDeps = {
  /** The HTTP endpoint's authenticator: the same keys and tokens, the same rules. */
  authenticate: Authenticator;
  logger: Logger;
  store: JetStreamEventStore;
  schema: GraphQLSchema;
  maxDepth: number;
  maxComplexity?: number;
  /** Allow-list mode, as over HTTP: only listed operation texts subscribe. */
  allowlist?: OperationAllowlist;
};

/**
 * graphql-ws `connection_init` payload: the credentials an HTTP request carries in headers (browsers cannot set
 * headers on a WebSocket): `authorization` (`Bearer sk_…` or an OIDC token), or `apiKey`, and for a person
 * `organization` (slug or id, like `x-shaman-org`).
 */
type ConnectionParams = { authorization?: unknown; apiKey?: unknown; organization?: unknown } | undefined;
type Extra = { principal?: Principal; headers?: Record<string, string | undefined> };

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const headersOf = (params: ConnectionParams): Record<string, string | undefined> => ({
  authorization: text(params?.authorization),
  'x-api-key': text(params?.apiKey),
  'x-shaman-org': text(params?.organization),
});

// Queries and mutations stay on POST /graphql: their resolvers need the HTTP context (RLS-bound reads, loaders).
const subscriptionsOnly: ValidationRule = (context) => ({
  OperationDefinition: (node) => {
    if (node.operation !== 'subscription') {
      context.reportError(new GraphQLError('only subscriptions are served over WebSocket; send queries and mutations to POST /graphql', { nodes: node }));
    }
  },
});

/**
 * The graphql-ws endpoint (subprotocol `graphql-transport-ws`). Credentials come in `connection_init`
 * (`{ authorization: 'Bearer sk_…' }` or `{ apiKey }`): missing or invalid ones (401 over HTTP) close the socket
 * with 4401 Unauthorized, a refused organization (403) with 4403 Forbidden. `close()` ends every
 * subscription's consumer.
 */
export const createLiveEndpoint = (deps: LiveEndpointDeps): { wsHandler: WebsocketHandler; close: () => Promise<void> } => {
  const feeds = createFeedRegistry(deps.store);
  const live = { store: deps.store, feeds };
  const rules = [...specifiedRules, depthLimitRule(deps.maxDepth), complexityLimitRule(deps.maxComplexity ?? 10_000), subscriptionsOnly];
  const format = formatGqlError(deps.logger);
  const handler = makeHandler<ConnectionParams, Extra>({
    schema: deps.schema,
    validate: (schema, document) => validate(schema, document, rules),
    onConnect: async (ctx) => {
      const headers = headersOf(ctx.connectionParams);
      const result = await deps.authenticate(headers);
      if (!result.ok) {
        // graphql-ws closes with 4403 Forbidden on `false`; no or bad credentials are 4401 Unauthorized.
        if (result.status === 401) ctx.extra.socket.close(CloseCode.Unauthorized, 'Unauthorized');
        return false;
      }
      ctx.extra.principal = result.principal;
      ctx.extra.headers = headers;
      return true;
    },
    // The allow-list, then the credentials again, so a key revoked since connect starts nothing new.
    onSubscribe: async (ctx, _id, payload) => {
      if (deps.allowlist && !deps.allowlist.has(createHash('sha256').update(payload.query).digest('hex'))) {
        return [new GraphQLError('this server runs only allow-listed operations, and this one is not on the list', { extensions: { code: 'FORBIDDEN' } })];
      }
      const result = await deps.authenticate(ctx.extra.headers ?? {});
      if (!result.ok) return [new GraphQLError(result.message, { extensions: { code: 'UNAUTHENTICATED' } })];
      ctx.extra.principal = result.principal;
      return undefined;
    },
    context: (ctx): SubscriptionContext => {
      if (!ctx.extra.principal) throw new Error('subscription before authentication');
      return { principal: ctx.extra.principal, live };
    },
    // Same error policy as HTTP: our codes pass, anything else becomes INTERNAL without its message.
    // eslint-disable-next-line max-params -- graphql-ws fixes this hook's signature; only `result` is used.
    onNext: (_ctx, _id, _payload, _args, result) =>
      result.errors ? { ...result, errors: result.errors.map((error) => format(error.toJSON(), error)) } : undefined,
    isProd: true,
  });
  const wsHandler: WebsocketHandler = function (socket, request) {
    coalesceFrames(socket, request.raw.socket);
    return handler.call(this, socket, request);
  };
  return { wsHandler, close: () => feeds.closeAll() };
};

type AsyncHook = (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/**
 * Wraps an HTTP hook of /graphql (authentication, allow-list) so that it lets WebSocket upgrades through: the
 * endpoint applies both itself, per connection_init and per subscribe.
 */
export const exceptUpgrades = (hook: AsyncHook): AsyncHook =>
  async function (request, reply) {
    if (request.ws) return;
    await hook.call(this, request, reply);
  };
