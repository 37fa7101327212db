import type { AgentDefinition } from '@shaman/agents';

/**
 * The A2A v0.3 agent card. With a tenant, its exposed agents become skills (from `agentcard.skills`, or one
 * skill per agent); without one (no key presented), a platform card that tells a client how to authenticate.
 * Private agents (`exposed: false`) never appear.
 */
export const buildAgentCard = (input: { baseUrl: string; tenant: { name: string } | null; agents: readonly AgentDefinition[] }) => {
  const url = `${input.baseUrl}/a2a/v1`;
  const skills = input.agents
    .filter((a) => a.exposed)
    .flatMap((a) =>
      a.agentcard?.skills?.length
        ? a.agentcard.skills.map((s) => ({ id: `${a.name}.${s.id}`, name: s.name, description: s.description ?? a.description, tags: [a.name, ...(s.tags ?? [])], ...(s.examples ? { examples: s.examples } : {}) }))
        : [{ id: a.name, name: a.name, description: a.description || `Agent ${a.name}`, tags: [a.name, ...a.tags] }],
    );
  return {
    protocolVersion: '0.3.0',
    name: input.tenant ? `${input.tenant.name} on Shaman` : 'Shaman',
    description: 'Agents defined in git, invoked over A2A. Address one with params.metadata.agent or an @AgentName prefix.',
    version: '0.1.0',
    url,
    preferredTransport: 'JSONRPC',
    additionalInterfaces: [{ url, transport: 'JSONRPC' }],
    provider: { organization: 'Shaman', url: input.baseUrl },
    capabilities: { streaming: false, pushNotifications: false, stateTransitionHistory: false },
    securitySchemes: {
      apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'An organization API key (sk_live_… / sk_test_…)' },
      bearer: { type: 'http', scheme: 'bearer', description: 'The same API key as a bearer token' },
    },
    security: [{ apiKey: [] }, { bearer: [] }],
    defaultInputModes: ['text/plain', 'application/json'],
    defaultOutputModes: ['text/plain', 'application/json'],
    skills,
    supportsAuthenticatedExtendedCard: false,
  };
};
