import type { AgentDefinition } from '@shaman/agents';

/** What this gateway can do right now; the card declares exactly this (issue 3: nothing undeclared is claimed). */
export type CardCapabilities = { streaming: boolean; pushNotifications: boolean };

/** Where the bindings live: JSON-RPC at `/a2a/v1`, REST at `/a2a/rest` (+ `/v1/…` for 0.3, bare paths for 1.0). */
export const endpoints = (baseUrl: string) => ({ jsonrpc: `${baseUrl}/a2a/v1`, rest: `${baseUrl}/a2a/rest` });
export const agentEndpoint = (baseUrl: string, agent: string) => `${baseUrl}/a2a/v1/agents/${encodeURIComponent(agent)}`;

export const agentSkills = (agent: AgentDefinition) =>
  agent.agentcard?.skills?.length
    ? agent.agentcard.skills.map((s) => ({ id: `${agent.name}.${s.id}`, name: s.name, description: s.description ?? agent.description, tags: [agent.name, ...(s.tags ?? [])], ...(s.examples ? { examples: s.examples } : {}) }))
    : [{ id: agent.name, name: agent.name, description: agent.description || `Agent ${agent.name}`, tags: [agent.name, ...agent.tags] }];

const common = (input: { baseUrl: string; capabilities: CardCapabilities }) => ({
  protocolVersion: '0.3.0',
  provider: { organization: 'Shaman', url: input.baseUrl },
  capabilities: { ...input.capabilities, stateTransitionHistory: false },
  securitySchemes: {
    apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'An organization API key (sk_live_… / sk_test_…)' },
    bearer: { type: 'http', scheme: 'bearer', description: 'The same API key as a bearer token' },
  },
  security: [{ apiKey: [] }, { bearer: [] }],
  defaultInputModes: ['text/plain', 'application/json'],
  defaultOutputModes: ['text/plain', 'application/json'],
  supportsAuthenticatedExtendedCard: true,
});

/**
 * The organization's A2A v0.3 card. With a tenant, its exposed agents become skills (from `agentcard.skills`,
 * or one skill per agent); without one (no key presented), a platform card that tells a client how to
 * authenticate. Private agents (`exposed: false`) never appear.
 */
export const buildAgentCard = (input: { baseUrl: string; tenant: { name: string } | null; agents: readonly AgentDefinition[]; capabilities: CardCapabilities }) => {
  const { jsonrpc, rest } = endpoints(input.baseUrl);
  return {
    name: input.tenant ? `${input.tenant.name} on Shaman` : 'Shaman',
    description: 'Agents defined in git, invoked over A2A. Address one with params.metadata.agent or an @AgentName prefix.',
    version: '0.1.0',
    url: jsonrpc,
    preferredTransport: 'JSONRPC',
    additionalInterfaces: [
      { url: jsonrpc, transport: 'JSONRPC' },
      { url: rest, transport: 'HTTP+JSON' },
    ],
    ...common(input),
    skills: input.agents.filter((a) => a.exposed).flatMap(agentSkills),
  };
};

/** One exposed agent's v0.3 card: its own JSON-RPC endpoint, where every message goes to this agent. */
export const buildSingleAgentCard = (input: { baseUrl: string; agent: AgentDefinition; capabilities: CardCapabilities }) => {
  const url = agentEndpoint(input.baseUrl, input.agent.name);
  return {
    name: input.agent.name,
    description: input.agent.description || `Agent ${input.agent.name}`,
    version: input.agent.version ?? '0.1.0',
    url,
    preferredTransport: 'JSONRPC',
    additionalInterfaces: [{ url, transport: 'JSONRPC' }],
    ...common(input),
    skills: agentSkills(input.agent),
  };
};
export type AgentCardV03 = ReturnType<typeof buildAgentCard>;
