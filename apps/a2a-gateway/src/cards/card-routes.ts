import { createHash } from 'node:crypto';
import { apiKeyFromHeaders, type ApiKeyPrincipal } from '@shaman/platform';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { A2AError, restErrorBody, toA2AError } from '../errors.js';
import { negotiateVersion } from '../protocol/version.js';
import type { TenantDirectory } from '../tenants.js';
import { buildAgentCard, buildSingleAgentCard, type CardCapabilities } from './agent-card.js';
import { cardToV1 } from './card-v1.js';

export type CardRouteDeps = {
  tenants: TenantDirectory;
  authenticate: (headers: FastifyRequest['headers']) => Promise<ApiKeyPrincipal>;
  publicUrl: () => string;
  capabilities: () => CardCapabilities;
};

/**
 * Sends a card with an ETag (a hash of the exact body) and Cache-Control, answering 304 to a matching
 * If-None-Match (spec 1.0 §8.6 caching guidance). A card that depends on the key is `private`.
 */
const sendCard = (req: FastifyRequest, reply: FastifyReply, input: { card: object; keyed: boolean }) => {
  const body = JSON.stringify(input.card);
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
  void reply.header('etag', etag).header('cache-control', `${input.keyed ? 'private' : 'public'}, max-age=60`).header('vary', 'A2A-Version, Authorization, X-API-Key');
  const match = req.headers['if-none-match'];
  if (match !== undefined && (match === '*' || match.split(',').some((t) => t.trim().replace(/^W\//, '') === etag))) return reply.code(304).send();
  return reply.type('application/json').send(body);
};

/** The organization card, and one card per exposed agent. Both speak the version the `A2A-Version` header asks for. */
export const registerCards = (app: FastifyInstance, deps: CardRouteDeps): void => {
  const fail = (reply: FastifyReply, error: unknown) => {
    const e = toA2AError(error);
    if (e.code === 'unauthenticated') void reply.header('www-authenticate', 'Bearer');
    return reply.code(e.restStatus).send(restErrorBody(e, '1.0'));
  };

  app.get('/.well-known/agent-card.json', async (req, reply) => {
    try {
      const version = negotiateVersion(req.headers['a2a-version']);
      // A bad key gets the platform card, as no key does: the card is public, and says how to authenticate.
      const principal = apiKeyFromHeaders(req.headers) ? await deps.authenticate(req.headers).catch(() => null) : null;
      const tenant = principal ? await deps.tenants.get(principal.orgId) : null;
      const agents = tenant ? await tenant.agents.list() : [];
      const card = buildAgentCard({ baseUrl: deps.publicUrl(), tenant, agents, capabilities: deps.capabilities() });
      return sendCard(req, reply, { card: version === '1.0' ? cardToV1(card) : card, keyed: principal !== null });
    } catch (error) {
      return fail(reply, error);
    }
  });

  const agentCard = async (req: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply) => {
    try {
      const version = negotiateVersion(req.headers['a2a-version']);
      const principal = await deps.authenticate(req.headers);
      const tenant = await deps.tenants.get(principal.orgId);
      const resolved = tenant ? await tenant.agents.resolve(req.params.name) : undefined;
      // Private agents answer exactly as unknown ones do.
      if (!resolved?.definition.exposed) return await reply.code(404).send(restErrorBody(new A2AError('invalid_params', `No agent named ${req.params.name}`, { reason: 'agent_not_found' }), '1.0'));
      const card = buildSingleAgentCard({ baseUrl: deps.publicUrl(), agent: resolved.definition, capabilities: deps.capabilities() });
      return sendCard(req, reply, { card: version === '1.0' ? cardToV1(card) : card, keyed: true });
    } catch (error) {
      return fail(reply, error);
    }
  };
  app.get('/a2a/v1/agents/:name', agentCard);
  app.get('/a2a/v1/agents/:name/.well-known/agent-card.json', agentCard);
};
