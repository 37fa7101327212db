import type { NatsConnection } from '@nats-io/transport-node';
import { createPool, type Logger } from '@shaman/platform';
import type { OrgSecrets } from '../tools/mcp-client-pool.js';
import { createAgentNameResolver, type AgentNameResolver } from './agent-name-resolver.js';
import { invalidateOnRepositoryEvents } from './resolution-invalidation.js';

/**
 * The agent name resolver of a running executor: its own small pool (reads are a few per organization every
 * 10 s), invalidation on the organization's repository events, and the external-agent SSRF allowance for
 * registries. Null without DATABASE_URL: there are no repositories or registries to resolve against.
 */
export const startAgentNameResolution = (options: {
  config: { DATABASE_URL?: string | undefined; NATS_SUBJECT_PREFIX: string; EXTERNAL_AGENTS_ALLOW_PRIVATE_URLS: boolean };
  nc: NatsConnection;
  logger: Logger;
  orgSecrets?: OrgSecrets | undefined;
}): { resolver: AgentNameResolver; stop(): Promise<void> } | null => {
  const { config } = options;
  if (!config.DATABASE_URL) return null;
  const pool = createPool(config.DATABASE_URL, { applicationName: 'executor-resolution', max: 2 });
  const resolver = createAgentNameResolver({ pool, logger: options.logger, orgSecrets: options.orgSecrets, allowPrivateUrls: config.EXTERNAL_AGENTS_ALLOW_PRIVATE_URLS });
  const unsubscribe = invalidateOnRepositoryEvents(options.nc, config.NATS_SUBJECT_PREFIX, resolver);
  return {
    resolver,
    stop: async () => {
      unsubscribe();
      await pool.end();
    },
  };
};
