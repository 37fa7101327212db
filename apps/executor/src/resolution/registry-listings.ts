import { fetchRegistryListing, type RegistryAgent, type RegistryFetch, type RegistryFetchOptions, type RegistrySource } from '@shaman/agents';
import type { Logger } from '@shaman/platform';
import type { RegistryRow } from './org-snapshot.js';

/** How long a listing without Cache-Control max-age is kept before it is asked again (conditionally, by ETag). */
export const DEFAULT_LISTING_TTL_MS = 60_000;
/** How long a registry that just failed is skipped without asking again, so a dead one is not asked on every call. */
export const FAILURE_HOLD_MS = 10_000;

type Held = { etag: string | null; agents: RegistryAgent[]; expiresAt: number };

export type RegistryListingsDeps = {
  /** Opens the registry's credential (an organization secret by name); undefined when it cannot be had. */
  secret: (orgId: string, name: string) => Promise<string | undefined>;
  assertUrl: (url: string) => Promise<unknown>;
  timeoutMs: number;
  logger: Pick<Logger, 'warn'>;
  clock?: () => number;
  fetchListing?: (options: RegistryFetchOptions) => Promise<RegistryFetch>;
};

export type RegistryListings = {
  /** The registry as resolution sees it: its listing, or null with the reason it was skipped. */
  source(orgId: string, row: RegistryRow): Promise<RegistrySource>;
  /**
   * Drops what is held of a registry (its listing and a recent failure): a registry event says it changed
   * (removed, or its health as the health check sees it), so the next resolution asks it again.
   */
  forget(registryId: string): void;
};

/**
 * Registry listings held in memory by ETag and max-age: a fresh one is used as is, a stale one is asked again
 * with If-None-Match (a 304 keeps it), and the health check's stored listing seeds the first ask. A registry
 * recorded as unhealthy is skipped without a request; one that fails now is skipped with a warning. Concurrent
 * resolutions share one request per registry.
 */
export const createRegistryListings = (deps: RegistryListingsDeps): RegistryListings => {
  const clock = deps.clock ?? Date.now;
  const fetchListing = deps.fetchListing ?? fetchRegistryListing;
  const held = new Map<string, Held>();
  const inFlight = new Map<string, Promise<Held | string>>();
  const failed = new Map<string, { reason: string; until: number }>();

  const refresh = async (orgId: string, row: RegistryRow): Promise<Held | string> => {
    const previous = held.get(row.id) ?? (row.listing ? { etag: row.etag, agents: row.listing, expiresAt: 0 } : undefined);
    const token = row.auth === null ? null : await deps.secret(orgId, row.auth);
    if (row.auth !== null && token === undefined) return `its secret ${row.auth} is not set`;
    const answer = await fetchListing({ url: row.url, etag: previous?.etag ?? null, token, timeoutMs: deps.timeoutMs, assertUrl: deps.assertUrl });
    if (!answer.ok) return `unreachable: ${answer.error}`;
    const expiresAt = clock() + (answer.maxAgeSeconds === null ? DEFAULT_LISTING_TTL_MS : answer.maxAgeSeconds * 1000);
    if (answer.notModified && !previous) return 'answered 304 to a request without If-None-Match';
    const next: Held = answer.notModified && previous ? { ...previous, expiresAt } : { etag: answer.etag, agents: answer.notModified ? [] : answer.agents, expiresAt };
    held.set(row.id, next);
    return next;
  };

  const current = (orgId: string, row: RegistryRow): Promise<Held | string> => {
    const fresh = held.get(row.id);
    if (fresh && fresh.expiresAt > clock()) return Promise.resolve(fresh);
    const failure = failed.get(row.id);
    if (failure && failure.until > clock()) return Promise.resolve(failure.reason);
    let pending = inFlight.get(row.id);
    if (!pending) {
      pending = refresh(orgId, row)
        .then((outcome) => {
          if (typeof outcome === 'string') failed.set(row.id, { reason: outcome, until: clock() + FAILURE_HOLD_MS });
          else failed.delete(row.id);
          return outcome;
        })
        .finally(() => inFlight.delete(row.id));
      inFlight.set(row.id, pending);
    }
    return pending;
  };

  return {
    source: async (orgId, row) => {
      const base = { name: row.name, url: row.url, status: row.status, auth: row.auth };
      if (row.status === 'unhealthy') {
        deps.logger.warn({ orgId, registry: row.name, lastError: row.lastError }, 'registry skipped by agent resolution: unhealthy');
        return { ...base, agents: null, reason: 'unhealthy' };
      }
      const listing = await current(orgId, row);
      if (typeof listing === 'string') {
        deps.logger.warn({ orgId, registry: row.name, reason: listing }, 'registry skipped by agent resolution');
        return { ...base, agents: null, reason: listing };
      }
      return { ...base, agents: listing.agents };
    },
    forget: (registryId) => {
      held.delete(registryId);
      failed.delete(registryId);
    },
  };
};
