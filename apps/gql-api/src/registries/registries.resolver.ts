import type { GqlContext } from '../graphql/context.js';
import { userError } from '../graphql/user-error.js';
import { checkRegistry } from './registry-check.js';
import { registryEvents } from './registry-events.sink.js';
import { lastRegistryEvent } from './registry-last-event.js';
import { isRegistryId, modelCacheProblems, registryInputProblems, type AddRegistryFields, type ModelCacheFields } from './registry.input.js';
import { deleteRegistry, insertRegistry, listRegistries, type RegistryRecord } from './registry.repository.js';
import { readModelCache, writeModelCache } from './model-cache.repository.js';

/** A check from GraphQL waits at most this long: the caller is a person, and a dead registry must not hang them. */
export const TEST_TIMEOUT_MS = 5000;

type RegistryView = Omit<RegistryRecord, 'auth' | 'etag' | 'status'> & { authSecret: string | null; status: string; agentCount: number };

const view = (r: RegistryRecord): RegistryView => {
  const { auth, etag: _etag, status, ...rest } = r;
  return { ...rest, authSecret: auth, status: status.toUpperCase(), agentCount: r.agents.length };
};

const allowPrivate = (ctx: GqlContext): boolean => ctx.repositories?.allowLocalUrls ?? false;
const eventsOf = (ctx: GqlContext) => registryEvents({ store: ctx.store, logger: ctx.logger });

const registries = async (_: unknown, __: unknown, ctx: GqlContext): Promise<RegistryView[]> => (await ctx.read(listRegistries)).map(view);

const addRegistry = async (_: unknown, { input }: { input: AddRegistryFields }, ctx: GqlContext) => {
  const errors = await registryInputProblems(input, { allowPrivateUrls: allowPrivate(ctx) });
  if (errors.length > 0) return { registry: null, errors };
  const added = await ctx.write((c) => insertRegistry(c, { orgId: ctx.principal.orgId, name: input.name, url: input.url, auth: input.authSecret ?? null }));
  if (!added) return { registry: null, errors: [userError('INVALID', `a registry named ${input.name} already exists`, 'name')] };
  await eventsOf(ctx).added(ctx.principal.orgId, added);
  return { registry: view(added), errors: [] };
};

const testRegistry = async (_: unknown, { id }: { id: string }, ctx: GqlContext) => {
  const none = { registry: null, status: null, agentCount: null, error: null };
  if (!isRegistryId(id)) return { ...none, errors: [userError('INVALID', 'id must be a registry id', 'id')] };
  const deps = { secretBox: ctx.repositories?.secretBox ?? null, allowPrivateUrls: allowPrivate(ctx), timeoutMs: TEST_TIMEOUT_MS, events: eventsOf(ctx) };
  const checked = await checkRegistry(deps, ctx.write, { orgId: ctx.principal.orgId, id });
  if (!checked) return { ...none, errors: [userError('NOT_FOUND', `no registry with id ${id}`, 'id')] };
  const registry = view(checked);
  return { registry, status: registry.status, agentCount: checked.status === 'healthy' ? registry.agentCount : null, error: checked.lastError, errors: [] };
};

const removeRegistry = async (_: unknown, { id }: { id: string }, ctx: GqlContext) => {
  if (!isRegistryId(id)) return { removed: false, errors: [userError('INVALID', 'id must be a registry id', 'id')] };
  const removed = await ctx.write((c) => deleteRegistry(c, id));
  if (!removed) return { removed: false, errors: [userError('NOT_FOUND', `no registry with id ${id}`, 'id')] };
  await eventsOf(ctx).removed(ctx.principal.orgId, removed);
  return { removed: true, errors: [] };
};

const modelCache = (_: unknown, __: unknown, ctx: GqlContext) => ctx.read((c) => readModelCache(c, ctx.principal.orgId));

const setModelCache = async (_: unknown, { input }: { input: ModelCacheFields }, ctx: GqlContext) => {
  const errors = modelCacheProblems(input);
  if (errors.length > 0) return { settings: null, errors };
  return { settings: await ctx.write((c) => writeModelCache(c, ctx.principal.orgId, input)), errors: [] };
};

// `first` bounds the list for the complexity limit (a list of registries of full listings adds up quickly).
const agentsOf = (registry: RegistryView, args: { first?: number | null }) => (args.first == null ? registry.agents : registry.agents.slice(0, Math.max(0, args.first)));

export const registriesResolvers = {
  Query: { registries, modelCache },
  Registry: { agents: agentsOf, lastEvent: (registry: RegistryView, _: unknown, ctx: GqlContext) => lastRegistryEvent(ctx.store, ctx.principal.orgId, registry.id) },
  Mutation: { addRegistry, testRegistry, removeRegistry, setModelCache },
};
