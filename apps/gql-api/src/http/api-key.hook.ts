import { apiKeyFromHeaders, authenticateApiKey, type ApiKeyPrincipal, type ApiKeyRejection, type Pool } from '@shaman/platform';
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { httpError } from '../errors.js';

const MESSAGES: Record<ApiKeyRejection, string> = {
  missing: 'an API key is required (Authorization: Bearer sk_… or x-api-key)',
  malformed: 'invalid API key',
  unknown: 'invalid API key',
  revoked: 'this API key has been revoked',
  expired: 'this API key has expired',
};

/**
 * Authenticates every request of the scope it is added to, before the body is read, and answers 401 itself:
 * Apollo never runs for an unauthenticated caller. The principal is kept per request object rather than as a
 * Fastify request decoration, whose type augmentation would be global to every app in the program.
 */
export const createApiKeyAuth = (pool: Pool) => {
  const principals = new WeakMap<FastifyRequest, ApiKeyPrincipal>();

  const onRequest: onRequestAsyncHookHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    const result = await authenticateApiKey(pool, apiKeyFromHeaders(request.headers));
    if (result.ok) {
      principals.set(request, result.principal);
      return;
    }
    const { status, body } = httpError('UNAUTHENTICATED', MESSAGES[result.reason]);
    await reply.code(status).header('www-authenticate', 'Bearer').send(body);
  };

  /** The caller of a request that passed `onRequest`. */
  const principalOf = (request: FastifyRequest): ApiKeyPrincipal => {
    const principal = principals.get(request);
    if (!principal) throw new Error('request reached GraphQL without passing API key authentication');
    return principal;
  };

  return { onRequest, principalOf };
};
