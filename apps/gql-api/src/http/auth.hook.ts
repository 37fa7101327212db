import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Authenticator } from '../auth/authenticate.js';
import type { Principal } from '../auth/principal.js';
import { httpError } from '../errors.js';

/**
 * Authenticates every request of the scope it is added to, before the body is read, and answers 401/403
 * itself: Apollo never runs for an unauthenticated caller. The principal is kept per request object rather
 * than as a Fastify request decoration, whose type augmentation would be global to every app in the program.
 */
export const createAuthHook = (authenticate: Authenticator) => {
  const principals = new WeakMap<FastifyRequest, Principal>();

  const onRequest: onRequestAsyncHookHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    const result = await authenticate(request.headers);
    if (result.ok) {
      principals.set(request, result.principal);
      return;
    }
    const { status, body } = httpError(result.status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN', result.message);
    if (status === 401) void reply.header('www-authenticate', 'Bearer');
    await reply.code(status).send(body);
  };

  /** The caller of a request that passed `onRequest`. */
  const principalOf = (request: FastifyRequest): Principal => {
    const principal = principals.get(request);
    if (!principal) throw new Error('request reached GraphQL without passing authentication');
    return principal;
  };

  return { onRequest, principalOf };
};
