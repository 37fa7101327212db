import type { ExternalAuth, InternalResolution, RegistrySource, RepositorySource, Resolution, ResolutionSources, SearchedPlace } from './resolution.types.js';

type Found = Exclude<Resolution, { kind: 'not_found' }>;
type Search = { searched: SearchedPlace[]; via: string | undefined };

const internal = (repository: string, name: string, via: string | undefined): InternalResolution => ({
  kind: 'internal',
  name,
  repository,
  qualifiedName: `${repository}/${name}`,
  ...(via === undefined ? {} : { via }),
});

const list = (names: readonly string[]): string =>
  names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1] ?? ''}`;

const describePlace = (place: SearchedPlace): string => {
  switch (place.kind) {
    case 'alias':
      return `alias in ${place.repository}/agents.json`;
    case 'repository':
      return place.repository;
    case 'repositories':
      return `${place.repositories.length === 1 ? 'repository' : 'repositories'} ${list(place.repositories)}`;
    case 'external_agents':
      return 'agents.json external agents';
    case 'registry':
      return `${place.registry} (${place.status === 'skipped' ? `skipped: ${place.reason ?? 'unavailable'}` : 'healthy'})`;
  }
};

/** `agent "X" not found: <every place searched, in order>`; registries are grouped under one word as written. */
export const notFoundMessage = (name: string, searched: readonly SearchedPlace[], via?: string): string => {
  const registries = searched.filter((p) => p.kind === 'registry');
  const places = searched.filter((p) => p.kind !== 'registry').map(describePlace);
  if (registries.length > 0) places.push(`${registries.length === 1 ? 'registry' : 'registries'} ${registries.map(describePlace).join(', ')}`);
  const what = via === undefined ? `agent "${name}"` : `agent "${name}" (alias "${via}")`;
  return `${what} not found: ${places.length === 0 ? 'nowhere to search' : places.join(', ')}`;
};

/** `repo/Agent` (or `repo/alias`): one repository, nothing else; a qualified name never reaches external agents. */
const resolveQualified = (name: string, all: readonly RepositorySource[], search: Search): Found | null => {
  const slash = name.indexOf('/');
  const repoName = name.slice(0, slash);
  const agent = name.slice(slash + 1);
  search.searched.push({ kind: 'repository', repository: repoName });
  const repo = all.find((r) => r.name === repoName);
  if (!repo) return null;
  if (repo.agents.includes(agent)) return internal(repo.name, agent, search.via);
  const target = repo.aliases[agent];
  return target !== undefined && repo.agents.includes(target) ? internal(repo.name, target, search.via ?? agent) : null;
};

/** Steps 2 and 3: the caller's repository first, then exactly one other repository, or ambiguity. */
const resolveInRepositories = (name: string, sources: ResolutionSources, search: Search): Found | null => {
  const { caller, others } = sources;
  if (caller) {
    search.searched.push({ kind: 'repository', repository: caller.name });
    if (caller.agents.includes(name)) return internal(caller.name, name, search.via);
  }
  if (others.length === 0) return null;
  search.searched.push({ kind: 'repositories', repositories: others.map((r) => r.name) });
  const holders = others.filter((r) => r.agents.includes(name));
  const [only] = holders;
  if (holders.length === 1 && only) return internal(only.name, name, search.via);
  if (holders.length === 0) return null;
  const candidates = holders.map((r) => `${r.name}/${name}`);
  return { kind: 'ambiguous', name, candidates, message: `agent "${name}" is ambiguous: repositories ${list(holders.map((r) => r.name))} each have one; call it as ${list(candidates)}` };
};

/** A registry's credential goes only to agents on the registry's own origin: never to a host it merely lists. */
const registryAuth = (registry: RegistrySource, agentUrl: string): ExternalAuth => {
  if (registry.auth === null) return { type: 'none' };
  const sameOrigin = URL.canParse(agentUrl) && URL.canParse(registry.url) && new URL(agentUrl).origin === new URL(registry.url).origin;
  return sameOrigin ? { type: 'bearer', token: `\${${registry.auth}}` } : { type: 'none' };
};

/** Steps 4 and 5: agents.json's external agents, then each registry in order (unhealthy ones skipped). */
const resolveExternally = (name: string, sources: ResolutionSources, search: Search): Found | null => {
  const via = search.via === undefined ? {} : { via: search.via };
  if (sources.caller) {
    search.searched.push({ kind: 'external_agents', repository: sources.caller.name });
    const declared = sources.caller.externalAgents[name];
    if (declared) return { kind: 'external', name, url: declared.url, protocolVersion: declared.protocolVersion, auth: declared.auth, source: 'agents.json', ...via };
  }
  for (const registry of sources.registries) {
    if (registry.agents === null) {
      search.searched.push({ kind: 'registry', registry: registry.name, status: 'skipped', reason: registry.reason ?? registry.status });
      continue;
    }
    search.searched.push({ kind: 'registry', registry: registry.name, status: 'searched' });
    const listed = registry.agents.find((a) => a.name === name);
    if (listed) return { kind: 'external', name, url: listed.url, protocolVersion: listed.protocolVersion, auth: registryAuth(registry, listed.url), source: `registry:${registry.name}`, ...via };
  }
  return null;
};

/**
 * Which agent `name` means to a caller, by one ordered pipeline (docs/agents.md, "Resolution"):
 * 1. an alias in the caller repository's agents.json (its target goes through the steps below);
 * 2. an agent of the caller's repository;
 * 3. an agent of exactly one other repository of the organization (`repo/Agent` names one directly; a bare
 *    name several repositories have is ambiguous, and the answer lists the qualified names);
 * 4. an external agent declared in the caller's agents.json;
 * 5. the organization's registries, in order; one that is unhealthy or did not answer is skipped, and says so;
 * otherwise `not_found`, whose message names every place searched. Pure: the caller loads the sources.
 */
export const resolveAgentName = (name: string, sources: ResolutionSources): Resolution => {
  const search: Search = { searched: [], via: undefined };
  let target = name;
  if (sources.caller) {
    search.searched.push({ kind: 'alias', repository: sources.caller.name });
    const aliased = sources.caller.aliases[name];
    if (aliased !== undefined) [target, search.via] = [aliased, name];
  }
  const all = sources.caller ? [sources.caller, ...sources.others] : sources.others;
  const found = target.includes('/')
    ? resolveQualified(target, all, search)
    : (resolveInRepositories(target, sources, search) ?? resolveExternally(target, sources, search));
  return found ?? { kind: 'not_found', name: target, searched: search.searched, message: notFoundMessage(target, search.searched, search.via) };
};
