import { createHash } from 'node:crypto';
import { AgentName } from '@shaman/events';
import type { AgentDefinitionError } from '../agent-definition.error.js';
import { isReservedName } from '../frontmatter.schema.js';
import { loadAgentRepository } from '../load-repository.js';
import type { AgentDefinition } from '../parse-agent.js';
import { AGENTS_MANIFEST, readAgentsManifest, type ManifestResult } from './agents-manifest.js';
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
};

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
  const result: RepositorySyncResult = { commit, worktree, agents, aliases: {}, errors: [...loaded.errors, ...manifest.errors].map(toProblem), added: [], changed: [], removed: [], kept: [] };
  for (const [name, definition] of [...loaded.agents].sort(([a], [b]) => a.localeCompare(b))) {
    agents[name] = { file: definition.path, commit, worktree, digest: digestOf(definition) };
    const before = previous[name];
    if (!before) result.added.push(name);
    else if (before.digest !== agents[name].digest) result.changed.push(name);
  }
  const brokenFiles = new Set(loaded.errors.map((e) => e.file));
  for (const [name, before] of Object.entries(previous).sort(([a], [b]) => a.localeCompare(b))) {
    if (agents[name]) continue;
    if (brokenFiles.has(before.file)) {
      agents[name] = before;
      result.kept.push(name);
    } else result.removed.push(name);
  }
  result.aliases = resolveAliases(manifest, agents, result.errors);
  return result;
};

/** Aliases that point at a live agent and do not shadow one; the rest are reported against agents.json. */
const resolveAliases = (manifest: ManifestResult, agents: Record<string, LiveAgent>, errors: SyncProblem[]): Record<string, string> => {
  const aliases: Record<string, string> = {};
  for (const [alias, target] of Object.entries(manifest.manifest.aliases)) {
    const field = `aliases.${alias}`;
    const line = manifest.lineOf(alias);
    const report = (problem: string) => errors.push({ file: AGENTS_MANIFEST, line, field, message: `${AGENTS_MANIFEST}:${line}: ${field}: ${problem}` });
    if (agents[alias]) report(`alias ${alias} is also an agent's name`);
    else if (!agents[target]) report(`no live agent named ${target}`);
    else aliases[alias] = target;
  }
  return aliases;
};
