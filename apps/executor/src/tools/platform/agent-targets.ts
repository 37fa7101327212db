import { externalAgentOf } from '@shaman/agents';
import type { ToolContext } from '../../activities/call-tool.activity.js';
import type { AgentNameResolver } from '../../resolution/index.js';
import type { ExternalAgents } from '../external/external-agents.js';
import type { AgentTarget, AgentTargets } from './call-agent.tool.js';

/**
 * What a name in a `call_agent` call leads to. With the organization's database, the resolution pipeline
 * decides (docs/agents.md, "Resolution": alias → caller's repository → other repositories → agents.json
 * external agents → registries) and an unknown or ambiguous name is refused with what was searched. Without
 * one, only the caller's agents.json is consulted and any other name goes to the gateway as given.
 */
export const agentTargets = (deps: { resolver: AgentNameResolver | null; external: ExternalAgents }): AgentTargets => {
  const external = (caller: ToolContext, name: string, agent: Parameters<ExternalAgents['call']>[1]['agent']): AgentTarget => ({
    kind: 'external',
    call: (input, signal) => deps.external.call(caller, { name, agent, ...input }, signal),
  });
  return async (caller, name) => {
    if (!deps.resolver) {
      const agent = await deps.external.find(caller, name);
      return agent ? external(caller, name, agent) : { kind: 'internal', name };
    }
    const resolved = await deps.resolver.resolve(caller, name);
    switch (resolved.kind) {
      case 'internal':
        // A plain agents directory has no repository name the gateway knows: there the bare name is unambiguous.
        return { kind: 'internal', name: resolved.repository === caller.repository ? resolved.name : resolved.qualifiedName };
      case 'external':
        return external(caller, resolved.name, externalAgentOf(resolved));
      case 'ambiguous':
      case 'not_found':
        throw new Error(resolved.message);
    }
  };
};
