import { InternalTokenError, type ApiKeyPrincipal, type InternalCallClaims, type InternalTokenVerifier } from '@shaman/platform';
import type { FastifyRequest } from 'fastify';
import { A2AError } from '../errors.js';

/** The internal role's caller: the calling step, acting for the organization its token names. */
export type InternalPrincipal = ApiKeyPrincipal & { call: InternalCallClaims };

const JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Authenticates an internal-role request: `Authorization: Bearer <platform JWT>` and nothing else. An API key
 * (in either header) is refused exactly as a bad key is on the public role, so the internal listener never
 * becomes a second door for keys. Each refusal names its reason (`data.reason`), never the token.
 */
export const createInternalAuthenticator =
  (verifier: InternalTokenVerifier) =>
  async (headers: FastifyRequest['headers']): Promise<InternalPrincipal> => {
    const auth = headers['authorization'];
    const token = typeof auth === 'string' ? /^Bearer\s+(\S+)$/i.exec(auth)?.[1] : undefined;
    if (headers['x-api-key'] !== undefined || !token || !JWS.test(token)) {
      throw new A2AError('unauthenticated', 'Unauthenticated: the internal role accepts platform tokens only (Authorization: Bearer <JWT>)', { reason: token ? 'not_a_platform_token' : 'missing' });
    }
    try {
      const call = await verifier.verify(token);
      return { keyId: `agent:${call.initiatorId}`, orgId: call.orgId, scopes: [], call };
    } catch (error) {
      if (error instanceof InternalTokenError) throw new A2AError('unauthenticated', `Unauthenticated: platform token refused (${error.code}): ${error.message}`, { reason: error.code });
      throw error;
    }
  };

/** The claims behind a principal the internal authenticator made; anything else reaching an internal method is a wiring bug. */
export const callOf = (principal: ApiKeyPrincipal): InternalCallClaims => {
  const call = (principal as Partial<InternalPrincipal>).call;
  if (!call) throw new A2AError('internal', 'internal error');
  return call;
};
