import { scopeAllowsAgent, type ApiKeyPrincipal } from '@shaman/platform';
import type { Method } from '../protocol/methods.js';
import type { TenantDirectory } from '../tenants.js';
import { buildAgentCard, type CardCapabilities } from './agent-card.js';

/**
 * `agent/getAuthenticatedExtendedCard` / `GetExtendedAgentCard` / REST `GET /v1/card` | `/extendedAgentCard`:
 * the organization's card for this key, listing every exposed agent the key may call (v0.3 shape; the edge
 * translates for v1.0). Authentication is checked before any method runs.
 */
export const getExtendedCard =
  (deps: { tenants: TenantDirectory; publicUrl: () => string; capabilities: () => CardCapabilities }): Method =>
  async (principal: ApiKeyPrincipal) => {
    const tenant = await deps.tenants.get(principal.orgId);
    const agents = tenant ? (await tenant.agents.list()).filter((a) => scopeAllowsAgent(principal.scopes, a.name)) : [];
    return buildAgentCard({ baseUrl: deps.publicUrl(), tenant, agents, capabilities: deps.capabilities() });
  };
