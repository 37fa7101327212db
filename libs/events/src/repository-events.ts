import { z } from 'zod';
import { AgentName, EventId, OrgId } from './ids.js';

/** A synced agent repository of an organization. */
export const RepositoryId = z.uuid().brand<'RepositoryId'>();
export type RepositoryId = z.infer<typeof RepositoryId>;

/**
 * Identity of a repository event. Repository events belong to an organization, not to a run: they have no
 * run or step, so they live on their own subject (`repo.<org>.<repository>`) and in their own union.
 */
export const RepositoryEventMetadata = z.object({
  eventId: EventId,
  orgId: OrgId,
  repositoryId: RepositoryId,
  at: z.iso.datetime(),
});
export type RepositoryEventMetadata = z.infer<typeof RepositoryEventMetadata>;

const defineRepositoryEvent = <TType extends string, TData extends z.ZodType>(type: TType, data: TData) =>
  z.object({ type: z.literal(type), data, metadata: RepositoryEventMetadata });

/** Where a definition is wrong, as an editor shows it. `line` is 1-based; 0 when the problem has no file. */
export const DefinitionProblem = z.object({
  file: z.string(),
  line: z.number().int().nonnegative(),
  field: z.string().nullable(),
  message: z.string(),
});
export type DefinitionProblem = z.infer<typeof DefinitionProblem>;

/** A git commit id as git prints it (SHA-1 or SHA-256). */
const Commit = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'a full hexadecimal commit id');

/**
 * A sync of a repository finished: the branch head it read and what changed. `problems` lists every invalid
 * definition at that commit; the agents they concern stay live at their last good commit (`kept`).
 */
export const RepositorySynced = defineRepositoryEvent(
  'RepositorySynced',
  z.object({
    repository: z.string().min(1),
    branch: z.string().min(1),
    commit: Commit,
    previousCommit: Commit.nullable(),
    added: z.array(AgentName),
    changed: z.array(AgentName),
    removed: z.array(AgentName),
    kept: z.array(AgentName),
    problems: z.array(DefinitionProblem),
  }),
);
export type RepositorySynced = z.infer<typeof RepositorySynced>;

/**
 * An agent went live at a commit, new or with a changed definition. Carries what listings need (exposure,
 * description, tags, model) so read models never open the worktree.
 */
export const AgentDefinitionChanged = defineRepositoryEvent(
  'AgentDefinitionChanged',
  z.object({
    repository: z.string().min(1),
    agent: AgentName,
    change: z.enum(['added', 'changed']),
    commit: Commit,
    file: z.string().min(1),
    digest: z.string().regex(/^[0-9a-f]{64}$/),
    exposed: z.boolean(),
    description: z.string(),
    tags: z.array(z.string()),
    model: z.string().nullable(),
  }),
);
export type AgentDefinitionChanged = z.infer<typeof AgentDefinitionChanged>;

/** An agent's file is gone at `commit`: it no longer resolves. Runs pinned to older commits are unaffected. */
export const AgentRemoved = defineRepositoryEvent(
  'AgentRemoved',
  z.object({ repository: z.string().min(1), agent: AgentName, commit: Commit, lastCommit: Commit }),
);
export type AgentRemoved = z.infer<typeof AgentRemoved>;

export const RepositoryEvent = z.discriminatedUnion('type', [RepositorySynced, AgentDefinitionChanged, AgentRemoved]);
export type RepositoryEvent = z.infer<typeof RepositoryEvent>;

/** The stream of one repository's events, relative to the subject prefix. */
export const repositoryStream = (orgId: string, repositoryId: string): string => `repo.${orgId}.${repositoryId}`;
/** Filter for every repository event of every organization. */
export const ALL_REPOSITORY_EVENTS = 'repo.>';
