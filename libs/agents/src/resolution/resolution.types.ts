import type { ExternalAgent } from '../git/agents-manifest.js';
import type { RegistryAgent, RegistryStatus } from './registry-listing.schema.js';

/** How an external agent is called: agents.json's auth, credentials as `${SECRET}` references (resolved at call time). */
export type ExternalAuth = ExternalAgent['auth'];

/** What one repository contributes to resolution: its live agents and its agents.json. */
export type RepositorySource = {
  name: string;
  agents: readonly string[];
  /** agents.json `aliases`: alias -> agent name. */
  aliases: Readonly<Record<string, string>>;
  /** agents.json `agents`: external A2A agents by name. */
  externalAgents: Readonly<Record<string, ExternalAgent>>;
};

/**
 * A registry as resolution sees it. `agents` is its listing when it answered one, null when it was skipped
 * (unhealthy, or not reachable now); `reason` says why for the not-found message.
 */
export type RegistrySource = {
  name: string;
  /** The registry's root; the credential is sent only to agents on the same origin. */
  url: string;
  status: RegistryStatus;
  agents: readonly RegistryAgent[] | null;
  /** The organization secret (by name) the registry is read with, if any. */
  auth: string | null;
  reason?: string;
};

/** Everything a name may resolve against, in the order of the pipeline (docs/agents.md, "Resolution"). */
export type ResolutionSources = {
  /** The caller's repository; null when the caller is in none (a directory-based organization). */
  caller: RepositorySource | null;
  /** The organization's other repositories. */
  others: readonly RepositorySource[];
  registries: readonly RegistrySource[];
};

/** Where the name was looked for, in order, as the not-found message lists it. */
export type SearchedPlace =
  | { kind: 'alias'; repository: string }
  | { kind: 'repository'; repository: string }
  | { kind: 'repositories'; repositories: string[] }
  | { kind: 'external_agents'; repository: string }
  | { kind: 'registry'; registry: string; status: 'searched' | 'skipped'; reason?: string };

export type InternalResolution = {
  kind: 'internal';
  name: string;
  repository: string;
  /** `repository/name`: unambiguous whoever resolves it next (the gateway's internal role). */
  qualifiedName: string;
  /** The alias that led here, when one did. */
  via?: string;
};

export type ExternalResolution = {
  kind: 'external';
  name: string;
  url: string;
  protocolVersion: '0.3' | '1.0';
  auth: ExternalAuth;
  source: 'agents.json' | `registry:${string}`;
  via?: string;
};

export type Resolution =
  | InternalResolution
  | ExternalResolution
  | { kind: 'ambiguous'; name: string; message: string; candidates: string[] }
  | { kind: 'not_found'; name: string; message: string; searched: SearchedPlace[] };
