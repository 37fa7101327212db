import type { JetStreamEventStore } from '@shaman/event-store';
import { withOrg, type Logger, type Pool, type PoolClient, type RepositorySyncQueue, type SecretBox } from '@shaman/platform';
import type { Principal } from '../auth/principal.js';
import { createRunLoaders, type RunLoaders } from '../runs/loaders.js';

/** What repository and secret management need beyond the database. */
export type RepositoryServices = {
  queue: Pick<RepositorySyncQueue, 'schedule' | 'unschedule' | 'enqueueNow'>;
  /** Seals tokens and secrets; null without SHAMAN_SECRET_KEY, and then nothing sealed can be stored. */
  secretBox: SecretBox | null;
  /** Lets tenants add file://, local-path and private-network repository URLs (development and tests only). */
  allowLocalUrls?: boolean;
};

/** What every resolver gets: who is asking, and reads that row-level security scopes to them. */
export type GqlContext = {
  principal: Principal;
  /** For operations that are not tenant-scoped (creating an organization, a person's memberships). */
  pool: Pool;
  /** Where mutations that act on runs append their requests; null when the server runs without NATS. */
  store: JetStreamEventStore | null;
  /** Runs `fn` in a transaction bound to the caller's organization; RLS decides what is visible. */
  read: <T>(fn: (client: PoolClient) => Promise<T>) => Promise<T>;
  /** The same, for mutations: RLS's WITH CHECK refuses a row of another organization. */
  write: <T>(fn: (client: PoolClient) => Promise<T>) => Promise<T>;
  /** Per-request batch loaders behind Run and Step fields (runs/loaders.ts). */
  runLoaders: RunLoaders;
  repositories: RepositoryServices | null;
  /** For what resolvers report but do not answer (an audit entry that could not be written). */
  logger: Logger | null;
};

/** A fresh context per request: loaders memoize, and must not share results across requests or tenants. */
export const createGqlContext = (
  pool: Pool,
  principal: Principal,
  services: { repositories?: RepositoryServices | null; store?: JetStreamEventStore | null; logger?: Logger | null } = {},
): GqlContext => {
  const read = <T>(fn: (client: PoolClient) => Promise<T>): Promise<T> => withOrg(pool, principal.orgId, fn);
  return { principal, pool, store: services.store ?? null, read, write: read, runLoaders: createRunLoaders(read), repositories: services.repositories ?? null, logger: services.logger ?? null };
};
