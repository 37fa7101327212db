import { deleteRepository, listRepositories, updateRepository, upsertRepository, type RepositoryRecord } from '@shaman/platform';
import { randomBytes } from 'node:crypto';
import { gqlError } from '../errors.js';
import { connectionOf, type Connection } from '../graphql/connection.js';
import type { GqlContext, RepositoryServices } from '../graphql/context.js';
import { userError, type UserError } from '../graphql/user-error.js';
import { repositoryInputProblems, type RepositoryFields } from './repository.input.js';
import { toRepositoryView, type RepositoryView } from './repository.view.js';

const services = (ctx: GqlContext): RepositoryServices => {
  if (!ctx.repositories) throw gqlError('INTERNAL', 'repository management is not configured on this server');
  return ctx.repositories;
};

const byName = async (ctx: GqlContext, name: string): Promise<RepositoryRecord | undefined> =>
  (await ctx.read((c) => listRepositories(c, ctx.principal.orgId))).find((r) => r.name === name);

// Organizations have tens of repositories, not thousands: the page is cut from the list sorted by name, and
// the cursor is the last name seen, so a repository added meanwhile is neither skipped nor repeated.
const repositories = async (_: unknown, args: { first?: number | null; after?: string | null }, ctx: GqlContext): Promise<Connection<RepositoryView>> => {
  const all = await ctx.read((c) => listRepositories(c, ctx.principal.orgId));
  return connectionOf(all.map(toRepositoryView), (r) => r.name, args);
};

const repository = async (_: unknown, args: { name: string }, ctx: GqlContext): Promise<RepositoryView | null> => {
  const found = await byName(ctx, args.name);
  return found ? toRepositoryView(found) : null;
};

/** The periodic sync follows the row; when Redis is down the row still stands and the next worker start reconciles. */
const schedule = async (svc: RepositoryServices, repo: RepositoryRecord): Promise<UserError[]> => {
  try {
    await svc.queue.schedule(repo);
    return [];
  } catch {
    return [userError('UNAVAILABLE', 'stored, but the periodic sync could not be scheduled now (queue unavailable); it is scheduled when a sync worker next starts')];
  }
};

type AddInput = Required<Pick<RepositoryFields, 'name'>> & { url: string; branch?: string | null; token?: string | null; syncIntervalSeconds?: number | null };

const addRepository = async (_: unknown, { input }: { input: AddInput }, ctx: GqlContext) => {
  const svc = services(ctx);
  const problems = repositoryInputProblems(input, { canSealToken: svc.secretBox !== null, allowLocalUrls: svc.allowLocalUrls ?? false });
  if (problems.length > 0) return { repository: null, webhookSecret: null, errors: problems };
  const webhookSecret = svc.secretBox ? randomBytes(32).toString('hex') : null;
  const repo = await ctx.write((c) =>
    upsertRepository(c, {
      orgId: ctx.principal.orgId,
      name: input.name,
      url: input.url,
      branch: input.branch ?? 'main',
      tokenCiphertext: input.token ? (svc.secretBox?.encrypt(input.token) ?? null) : null,
      webhookSecretCiphertext: webhookSecret && svc.secretBox ? svc.secretBox.encrypt(webhookSecret) : null,
      syncIntervalSeconds: input.syncIntervalSeconds ?? 300,
    }),
  );
  return { repository: toRepositoryView(repo), webhookSecret, errors: await schedule(svc, repo) };
};

type UpdateInput = RepositoryFields & { clearToken?: boolean | null };

const updateRepositoryMutation = async (_: unknown, { input }: { input: UpdateInput }, ctx: GqlContext) => {
  const svc = services(ctx);
  const existing = await byName(ctx, input.name);
  if (!existing) return { repository: null, errors: [userError('NOT_FOUND', `no repository named ${input.name}`, 'name')] };
  const problems = repositoryInputProblems({ ...input, url: input.url ?? (input.token != null ? existing.url : null) }, { canSealToken: svc.secretBox !== null, allowLocalUrls: svc.allowLocalUrls ?? false });
  if (problems.length > 0) return { repository: null, errors: problems };
  const tokenCiphertext = input.token ? (svc.secretBox?.encrypt(input.token) ?? null) : input.clearToken ? null : undefined;
  const repo = await ctx.write((c) =>
    updateRepository(c, { orgId: ctx.principal.orgId, name: input.name }, {
      url: input.url ?? undefined,
      branch: input.branch ?? undefined,
      tokenCiphertext,
      syncIntervalSeconds: input.syncIntervalSeconds ?? undefined,
    }),
  );
  if (!repo) return { repository: null, errors: [userError('NOT_FOUND', `no repository named ${input.name}`, 'name')] };
  const errors = input.syncIntervalSeconds != null ? await schedule(svc, repo) : [];
  return { repository: toRepositoryView(repo), errors };
};

const removeRepository = async (_: unknown, args: { name: string }, ctx: GqlContext) => {
  const id = await ctx.write((c) => deleteRepository(c, { orgId: ctx.principal.orgId, name: args.name }));
  if (!id) return { removedId: null, errors: [userError('NOT_FOUND', `no repository named ${args.name}`, 'name')] };
  // A job already queued finds no row and ends as `gone`; a scheduler left behind is removed at reconciliation.
  const queue = ctx.repositories?.queue;
  if (!queue) return { removedId: id, errors: [userError('UNAVAILABLE', 'removed; its periodic sync is removed when a sync worker next starts')] };
  const errors = await queue.unschedule(id).then(
    () => [],
    () => [userError('UNAVAILABLE', 'removed; its periodic sync is removed when a sync worker next starts')],
  );
  return { removedId: id, errors };
};

const syncRepositoryMutation = async (_: unknown, args: { name: string }, ctx: GqlContext) => {
  const svc = services(ctx);
  const repo = await byName(ctx, args.name);
  if (!repo) return { jobId: null, repository: null, errors: [userError('NOT_FOUND', `no repository named ${args.name}`, 'name')] };
  try {
    const { jobId } = await svc.queue.enqueueNow(repo.orgId, repo.id);
    return { jobId, repository: toRepositoryView(repo), errors: [] };
  } catch {
    return { jobId: null, repository: toRepositoryView(repo), errors: [userError('UNAVAILABLE', 'the sync queue is unavailable; try again')] };
  }
};

export const repositoriesResolvers = {
  Query: { repositories, repository },
  Mutation: { addRepository, updateRepository: updateRepositoryMutation, removeRepository, syncRepository: syncRepositoryMutation },
};
