import type { NatsConnection } from '@nats-io/transport-node';
import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { createPool, type Logger } from '@shaman/platform';
import type { OrgSecrets } from '../tools/mcp-client-pool.js';
import { createAgentNameResolver, type AgentNameResolver } from './agent-name-resolver.js';
import { invalidateOnOrgEvents } from './resolution-invalidation.js';
import { createRegistrySkipRecorder } from './registry-skips.js';

/**
 * The agent name resolver of a running executor: its own small pool (reads are a few per organization every
 * 10 s), invalidation on the organization's repository and registry events, RegistrySkipped warnings on the
 * registry's subject, and the external-agent SSRF allowance for registries. Null without DATABASE_URL: there
 * are no repositories or registries to resolve against.
 */
export const startAgentNameResolution = (options: {
  config: { DATABASE_URL?: string | undefined; NATS_STREAM: string; NATS_SUBJECT_PREFIX: string; EXTERNAL_AGENTS_ALLOW_PRIVATE_URLS: boolean };
  nc: NatsConnection;
  logger: Logger;
  orgSecrets?: OrgSecrets | undefined;
}): { resolver: AgentNameResolver; stop(): Promise<void> } | null => {
  const { config } = options;
  if (!config.DATABASE_URL) return null;
  const pool = createPool(config.DATABASE_URL, { applicationName: 'executor-resolution', max: 2 });
  // Opened at the first skip (this starts before the executor's own store exists); a failure is retried then.
  let store: Promise<JetStreamEventStore> | null = null;
  const storeOf = (): Promise<JetStreamEventStore> => {
    store ??= createJetStreamEventStore({ nc: options.nc, stream: config.NATS_STREAM, subjectPrefix: config.NATS_SUBJECT_PREFIX }).catch((error: unknown) => {
      store = null;
      throw error;
    });
    return store;
  };
  const onSkipped = createRegistrySkipRecorder({ append: async (stream, events) => (await storeOf()).appendToStream(stream, events), logger: options.logger });
  const resolver = createAgentNameResolver({ pool, logger: options.logger, orgSecrets: options.orgSecrets, allowPrivateUrls: config.EXTERNAL_AGENTS_ALLOW_PRIVATE_URLS, onSkipped });
  const unsubscribe = invalidateOnOrgEvents(options.nc, config.NATS_SUBJECT_PREFIX, resolver);
  return {
    resolver,
    stop: async () => {
      unsubscribe();
      await pool.end();
    },
  };
};
