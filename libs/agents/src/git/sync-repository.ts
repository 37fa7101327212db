import { createHash } from 'node:crypto';
import { AgentName } from '@shaman/events';
import type { AgentDefinitionError } from '../agent-definition.error.js';
import { isReservedName } from '../frontmatter.schema.js';
import { loadAgentRepository } from '../load-repository.js';
import type { AgentDefinition } from '../parse-agent.js';
import { AGENTS_MANIFEST, readAgentsManifest, type ExternalAgent, type ManifestResult } from './agents-manifest.js';
import { secretReferences } from '../secret-references.js';
import { GitSyncError } from './git-sync.error.js';
import type { RepositoryCache } from './repository-cache.js';

/** A live agent: its file in the worktree of the commit it was last valid at, and a digest of that definition. */
export type LiveAgent = { file: string; commit: string; worktree: string; digest: string };
/** One reason a file of the repository is not live, located for an editor. */
export type SyncProblem = { file: string; line: number; field: string | null; message: string };

export type RepositoryToSync = {
  name: string;
  url: string;
  branch: string;
  token?: string | undefined;
  /** What the previous sync made live; `{}` the first time. */
  agents: Readonly<Record<string, LiveAgent>>;
  /**
   * The organization's secret names, to check agents.json's `${SECRET}` references against (a missing one is a
   * problem reported at sync, not a surprise at call time). Undefined skips the check.
   */
  secretNames?: ReadonlySet<string>;
};

/** What listings need of a definition that went live at this sync (see AgentDefinitionChanged). */
export type LiveDefinitionSummary = { file: string; digest: string; exposed: boolean; description: string; tags: string[]; model: string | null };

export type RepositorySyncResult = {
  commit: string;
  worktree: string;
  agents: Record<string, LiveAgent>;
  aliases: Record<string, string>;
  errors: SyncProblem[];
  added: string[];
  changed: string[];
  removed: string[];
  /** Invalid at this commit, still live at the commit they were last good at. */
  kept: string[];
  /** Summaries of the `added` and `changed` definitions. */
  definitions: Record<string, LiveDefinitionSummary>;
  /** The commit each removed agent was last live at. */
  removedFrom: Record<string, string>;
  /** Valid external agents of agents.json, credentials still as `${SECRET}` references. */
  externalAgents: Record<string, ExternalAgent>;
};

/** Names the platform keeps, plus the agent-name alphabet (`<repo>/<Agent>` must stay unambiguous). */
export const repositoryNameProblem = (name: string): string | null => {
  if (!AgentName.safeParse(name).success || name.length > 63) return 'use 1–63 letters, digits, "-" and "_", starting with a letter or digit';
  return isReservedName(name) ? 'is reserved (system, admin, root, internal)' : null;
};

const digestOf = (agent: AgentDefinition): string => createHash('sha256').update(JSON.stringify(agent)).digest('hex');

const toProblem = (error: AgentDefinitionError): SyncProblem => ({ file: error.file, line: error.line, field: error.field ?? null, message: error.message });

/**
 * Syncs one repository: fetch, check out the branch head, load its agents and `agents.json`, and work out
 * what changed against the previous agent set.
 *
 * A commit with invalid files does not take agents away: the valid ones go live at the new commit, and an
 * agent whose file is now invalid stays live at the commit it was last good at, so a typo pushed to main
 * degrades to "old version + a reported error" instead of an outage. An agent whose file is gone is removed.
 * A failure of the whole sync (git) throws `GitSyncError` and changes nothing.
 */
export const syncRepository = async (repository: RepositoryToSync, cache: RepositoryCache): Promise<RepositorySyncResult> => {
  const problem = repositoryNameProblem(repository.name);
  if (problem) throw new GitSyncError('git.bad_name', `repository name ${repository.name} ${problem}`);
  const { commit, worktree } = await cache.sync({ url: repository.url, branch: repository.branch, token: repository.token });
  const [loaded, manifest] = await Promise.all([loadAgentRepository(worktree), readAgentsManifest(worktree)]);
  const previous = repository.agents;
  const agents: Record<string, LiveAgent> = {};
  const result: RepositorySyncResult = {
    commit, worktree, agents, aliases: {}, errors: [...loaded.errors, ...manifest.errors].map(toProblem),
    added: [], changed: [], removed: [], kept: [], definitions: {}, removedFrom: {}, externalAgents: {},
  };
  for (const [name, definition] of [...loaded.agents].sort(([a], [b]) => a.localeCompare(b))) {
    agents[name] = { file: definition.path, commit, worktree, digest: digestOf(definition) };
    const before = previous[name];
    if (!before) result.added.push(name);
    else if (before.digest !== agents[name].digest) result.changed.push(name);
    else continue;
    result.definitions[name] = summaryOf(definition, agents[name].digest);
  }
  const brokenFiles = new Set(loaded.errors.map((e) => e.file));
  for (const [name, before] of Object.entries(previous).sort(([a], [b]) => a.localeCompare(b))) {
    if (agents[name]) continue;
    if (brokenFiles.has(before.file)) {
      agents[name] = before;
      result.kept.push(name);
    } else {
      result.removed.push(name);
      result.removedFrom[name] = before.commit;
    }
  }
  result.aliases = resolveAliases(manifest, agents, result.errors);
  result.externalAgents = checkExternalAgents(manifest, { agents, aliases: result.aliases, secretNames: repository.secretNames }, result.errors);
  return result;
};

const summaryOf = (definition: AgentDefinition, digest: string): LiveDefinitionSummary => ({
  file: definition.path,
  digest,
  exposed: definition.exposed,
  description: definition.description,
  tags: [...definition.tags],
  model: definition.model,
});

/**
 * External agents that neither shadow a repository agent or alias nor reference a secret the organization
 * lacks; the rest are reported against agents.json with the line and field.
 */
const checkExternalAgents = (
  manifest: ManifestResult,
  known: { agents: Record<string, LiveAgent>; aliases: Record<string, string>; secretNames: ReadonlySet<string> | undefined },
  errors: SyncProblem[],
): Record<string, ExternalAgent> => {
  const external: Record<string, ExternalAgent> = {};
  for (const [name, agent] of Object.entries(manifest.manifest.agents)) {
    const problems: { field: string; message: string }[] = [];
    if (known.agents[name] || known.aliases[name]) problems.push({ field: `agents.${name}`, message: `external agent ${name} has the name of an agent or alias of this repository` });
    const credentials = agent.auth.type === 'bearer' ? [['token', agent.auth.token]] : agent.auth.type === 'apiKey' ? [['value', agent.auth.value]] : [];
    for (const [key, value] of credentials as [string, string][]) {
      for (const secret of secretReferences(value)) {
        if (known.secretNames && !known.secretNames.has(secret)) problems.push({ field: `agents.${name}.auth.${key}`, message: `references \${${secret}}, which is not set in the organization's secrets` });
      }
    }
    for (const p of problems) {
      const line = manifest.lineOf(...p.field.split('.'));
      errors.push({ file: AGENTS_MANIFEST, line, field: p.field, message: `${AGENTS_MANIFEST}:${line}: ${p.field}: ${p.message}` });
    }
    if (problems.length === 0) external[name] = agent;
  }
  return external;
};

/** Aliases that point at a live agent and do not shadow one; the rest are reported against agents.json. */
const resolveAliases = (manifest: ManifestResult, agents: Record<string, LiveAgent>, errors: SyncProblem[]): Record<string, string> => {
  const aliases: Record<string, string> = {};
  for (const [alias, target] of Object.entries(manifest.manifest.aliases)) {
    const field = `aliases.${alias}`;
    const line = manifest.lineOf('aliases', alias);
    const report = (problem: string) => errors.push({ file: AGENTS_MANIFEST, line, field, message: `${AGENTS_MANIFEST}:${line}: ${field}: ${problem}` });
    if (agents[alias]) report(`alias ${alias} is also an agent's name`);
    else if (!agents[target]) report(`no live agent named ${target}`);
    else aliases[alias] = target;
  }
  return aliases;
};
