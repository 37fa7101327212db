import { fetchRegistryListing, type RegistryFetch } from '@shaman/agents';
import { assertPublicUrl, openOrgSecrets, type PoolClient, type SecretBox } from '@shaman/platform';
import type { RegistryEvents } from './registry-events.sink.js';
import { findRegistry, recordRegistryCheck, type RegistryRecord } from './registry.repository.js';

export type RegistryCheckDeps = {
  /** Opens the registry's credential; null without SHAMAN_SECRET_KEY (a registry with `auth` then fails its check). */
  secretBox: SecretBox | null;
  /** Lets registries on loopback/private addresses through the SSRF guard (REPO_ALLOW_LOCAL_URLS). */
  allowPrivateUrls: boolean;
  /** For the whole request: a registry slower than this is unhealthy. */
  timeoutMs: number;
  /** Where a change of health is recorded (RegistryHealthChanged); absent: not recorded. */
  events?: RegistryEvents | null;
};

/** Runs `fn` in a transaction bound to the registry's organization. */
export type OrgTransaction = <T>(fn: (client: PoolClient) => Promise<T>) => Promise<T>;

const tokenOf = async (client: PoolClient, secretBox: SecretBox | null, of: { registry: RegistryRecord; orgId: string }): Promise<string | null | Error> => {
  const { auth } = of.registry;
  if (auth === null) return null;
  if (!secretBox) return new Error(`its secret ${auth} cannot be opened: the server has no SHAMAN_SECRET_KEY`);
  return (await openOrgSecrets(client, secretBox, of.orgId)).get(auth) ?? new Error(`its secret ${auth} is not set`);
};

/**
 * Asks a registry for its listing now and records the outcome (health, error, listing, ETag), and a
 * RegistryHealthChanged event when its status changed. The request runs outside any transaction, so a slow
 * registry never holds a database connection; it is bounded by `timeoutMs`. Null when the registry does not
 * exist (or was removed meanwhile).
 */
export const checkRegistry = async (deps: RegistryCheckDeps, tx: OrgTransaction, target: { orgId: string; id: string }): Promise<RegistryRecord | null> => {
  const found = await tx(async (client) => {
    const registry = await findRegistry(client, target.id);
    return registry ? { registry, token: await tokenOf(client, deps.secretBox, { registry, orgId: target.orgId }) } : null;
  });
  if (!found) return null;
  const { registry, token } = found;
  const outcome: RegistryFetch =
    token instanceof Error
      ? { ok: false, error: token.message }
      : await fetchRegistryListing({
          url: registry.url,
          // Only with a listing to keep: a 304 to a registry we hold nothing of would leave it empty.
          etag: registry.agents.length > 0 ? registry.etag : null,
          token,
          timeoutMs: deps.timeoutMs,
          assertUrl: (url) => assertPublicUrl(url, { allowPrivate: deps.allowPrivateUrls }),
        });
  const recorded = await tx((client) => recordRegistryCheck(client, target.id, outcome));
  if (!recorded) return null;
  // After the commit: executors that hear of the change must read the new status.
  await deps.events?.checked(target.orgId, recorded.registry, recorded.previousStatus);
  return recorded.registry;
};
