import type { ExternalAgent } from '../git/agents-manifest.js';
import type { ExternalResolution } from './resolution.types.js';

/** An external resolution (agents.json or a registry) as the agents.json entry the A2A client calls. */
export const externalAgentOf = (resolution: ExternalResolution, description = ''): ExternalAgent => ({
  url: resolution.url,
  description,
  protocolVersion: resolution.protocolVersion,
  auth: resolution.auth,
});
