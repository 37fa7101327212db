import { apiKeyFromHeaders, createApiKeyAuthenticator, type ApiKeyPrincipal, type Logger, type Pool } from '@shaman/platform';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { A2AError, restErrorBody } from '../errors.js';
import { rpcError } from '../jsonrpc/envelope.js';
import { negotiateVersion, type WireVersion } from '../protocol/version.js';
import { REST_BASE } from '../rest/rest-routes.js';
import { createRateLimiter, type RateLimitDecision } from './rate-limit.js';
import { createSlugLookup, orgSlugFromHost } from './tenancy.js';

export type EdgeOptions = {
  /** Rate-limit counters; without Redis (or with a limit of 0) requests are not limited. */
  redis?: Redis | null;
  rateLimitPerMinute?: number;
  /** Key prefix of the counters (the BullMQ prefix, so tests using their own prefix stay isolated). */
  redisPrefix?: string;
  /** GATEWAY_BASE_DOMAIN: `<org-slug>.<base>` must be the organization of the caller's key. */
  baseDomain?: string;
};

export type EdgeGuardDeps = EdgeOptions & { pool: Pool; logger: Logger; clock: () => Date; apiKeyCacheMs: number };

const versionOf = (req: FastifyRequest): WireVersion => {
  try {
    return negotiateVersion(req.headers['a2a-version']);
  } catch {
    return '0.3';
  }
};

/** An edge refusal in the shape of the binding the request used: REST error body, or JSON-RPC error (id null: the body was not read). */
const refuse = (req: FastifyRequest, reply: FastifyReply, error: A2AError): FastifyReply => {
  const version = versionOf(req);
  if (req.url.startsWith(REST_BASE)) return reply.code(error.restStatus).type('application/json').send(restErrorBody(error, version));
  return reply.code(error.httpStatus).type('application/json').send(rpcError(null, error, version));
};

const rateHeaders = (d: RateLimitDecision): Record<string, string> => ({
  'x-ratelimit-limit': String(d.limit),
  'x-ratelimit-remaining': String(d.remaining),
  'x-ratelimit-reset': String(d.resetSeconds),
});

/**
 * The gateway's edge, as Fastify hooks registered by one call: per-key rate limits with `X-RateLimit-*` headers
 * on every authenticated response and 429 beyond the limit; tenancy from the subdomain (a key of another
 * organization is refused with 403); and an oversized body answered as a protocol error (413) instead of
 * Fastify's own JSON. Requests without a valid key pass through untouched: the routes answer them (401, or
 * the public card). Runs before the body is read, so a refused request costs no parsing and creates nothing.
 */
export const registerEdgeGuards = (app: FastifyInstance, deps: EdgeGuardDeps): void => {
  const authenticator = createApiKeyAuthenticator(deps.pool, { ttlMs: deps.apiKeyCacheMs });
  const slugOf = createSlugLookup(deps.pool);
  const limit = deps.rateLimitPerMinute ?? 0;
  const limiter = deps.redis && limit > 0 ? createRateLimiter(deps.redis, { limitPerMinute: limit, prefix: deps.redisPrefix ?? 'shaman' }) : null;

  const checkTenancy = async (req: FastifyRequest, principal: ApiKeyPrincipal): Promise<A2AError | null> => {
    const slug = orgSlugFromHost(req.headers.host, deps.baseDomain);
    if (slug === null || (await slugOf(principal.orgId)) === slug) return null;
    return new A2AError('forbidden', `this API key does not belong to organization ${slug} (named by the host)`, { reason: 'organization_mismatch' });
  };

  // Redis down must not take the gateway down with it: the limit fails open, loudly.
  const countRequest = async (principal: ApiKeyPrincipal): Promise<RateLimitDecision | null> => {
    if (!limiter) return null;
    try {
      return await limiter(principal.keyId, deps.clock());
    } catch (err) {
      deps.logger.warn({ err }, 'rate limit unavailable (redis); request let through');
      return null;
    }
  };

  const guard = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const key = apiKeyFromHeaders(req.headers);
    if (!key) return;
    const auth = await authenticator(key, deps.clock());
    if (!auth.ok) return;
    const mismatch = await checkTenancy(req, auth.principal);
    if (mismatch) return refuse(req, reply, mismatch);
    const decision = await countRequest(auth.principal);
    if (!decision) return;
    // On the raw response too: streaming routes write their head themselves (writeHead merges these).
    for (const [name, value] of Object.entries(rateHeaders(decision))) {
      void reply.header(name, value);
      reply.raw.setHeader(name, value);
    }
    if (decision.allowed) return;
    void reply.header('retry-after', String(decision.resetSeconds));
    return refuse(req, reply, new A2AError('rate_limited', `Rate limit exceeded: ${decision.limit} requests per minute for this API key; retry in ${decision.resetSeconds}s`, { limit: decision.limit, retryAfterSeconds: decision.resetSeconds }));
  };
  // Nothing to check (no limit, no base domain): no second authentication per request.
  if (limiter || deps.baseDomain) app.addHook('onRequest', guard);

  // Fastify refuses an oversized body (413) before any route runs, with its own error JSON; answer in the protocol's shape.
  app.addHook('onSend', async (req, reply, payload) => {
    if (reply.statusCode !== 413) return payload;
    const error = new A2AError('payload_too_large', `Payload too large: the body exceeds ${app.initialConfig.bodyLimit ?? 'the limit of'} bytes`, { limitBytes: app.initialConfig.bodyLimit });
    const version = versionOf(req);
    void reply.type('application/json');
    return JSON.stringify(req.url.startsWith(REST_BASE) ? restErrorBody(error, version) : rpcError(null, error, version));
  });
};
