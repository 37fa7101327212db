import { z } from 'zod';
import { gqlError } from '../errors.js';
import type { GqlContext } from '../graphql/context.js';
import { money, NO_USAGE, type Money, type UsageTotals } from '../usage/money.js';
import { INITIATOR_KINDS, parseRunsArgs, type InitiatorKind, type RunFilter, type RunsArgs } from './run-query.js';
import { encodeRunCursor, type RunOrder } from './run.cursor.js';
import { durationMs, stepEdges, type Run, type RunStatus, type Step, type StepEdge } from './run.mapper.js';
import { countRuns, findRun, findStep, listRuns } from './run.repository.js';

type RunEdge = { cursor: string; node: Run };
type PageInfo = { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
/** `filter` rides along, unexposed, for totalCount. */
type RunConnection = { edges: RunEdge[]; pageInfo: PageInfo; filter: RunFilter };

const Id = z.guid();
const requireId = (id: string, what: string): void => {
  if (!Id.safeParse(id).success) throw gqlError('BAD_USER_INPUT', `id is not a ${what} id`);
};

const run = async (_: unknown, args: { id: string }, ctx: GqlContext): Promise<Run | null> => {
  requireId(args.id, 'run');
  return ctx.read((c) => findRun(c, args.id));
};

const step = async (_: unknown, args: { id: string }, ctx: GqlContext): Promise<Step | null> => {
  requireId(args.id, 'step');
  return ctx.read((c) => findStep(c, args.id));
};

const cursorOf = (order: RunOrder, node: Run): string =>
  encodeRunCursor({ ...order, key: order.field === 'CREATED_AT' ? node.createdKey : node.updatedKey, id: node.id });

const runs = async (_: unknown, args: RunsArgs, ctx: GqlContext): Promise<RunConnection> => {
  const { filter, page } = parseRunsArgs(args);
  // One row more than asked tells whether there is a next page.
  const rows = await ctx.read((c) => listRuns(c, filter, { ...page, limit: page.limit + 1 }));
  const edges = rows.slice(0, page.limit).map((node) => ({ cursor: cursorOf(page.order, node), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > page.limit,
      // Forward pagination: a cursor we issued points at a run, so something precedes the page (Relay allows this).
      hasPreviousPage: page.after !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    filter,
  };
};

/** GraphQL enum names → read-model values (input-required is not a valid GraphQL name). */
const runStatusValues = {
  SUBMITTED: 'submitted',
  WORKING: 'working',
  INPUT_REQUIRED: 'input-required',
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELED: 'canceled',
} as const satisfies Record<string, RunStatus>;

const initiatorKindValues = Object.fromEntries(INITIATOR_KINDS.map((kind) => [kind.toUpperCase(), kind])) as Record<string, InitiatorKind>;

const usageOfRun = async (parent: Run, ctx: GqlContext): Promise<UsageTotals> => (await ctx.runLoaders.usageOfRun.load(parent.id)) ?? NO_USAGE;
const stepsOf = (parent: Run, _: unknown, ctx: GqlContext): Promise<Step[]> => ctx.runLoaders.stepsOfRun.load(parent.id);

export const runsResolvers = {
  Query: { run, runs, step },
  // Counted only when asked for, with the page's filter: a count over every run of an organization is not free.
  RunConnection: { totalCount: (parent: RunConnection, _: unknown, ctx: GqlContext): Promise<number> => ctx.read((c) => countRuns(c, parent.filter)) },
  Run: {
    nodes: stepsOf,
    steps: stepsOf,
    edges: async (parent: Run, _: unknown, ctx: GqlContext): Promise<StepEdge[]> => stepEdges(await ctx.runLoaders.stepsOfRun.load(parent.id)),
    usage: (parent: Run, _: unknown, ctx: GqlContext): Promise<UsageTotals> => usageOfRun(parent, ctx),
    cost: async (parent: Run, _: unknown, ctx: GqlContext): Promise<Money> => money((await usageOfRun(parent, ctx)).costMicros),
    durationMs: (parent: Run): number | null => durationMs(parent.createdAt, parent.completedAt),
  },
  RunStatus: runStatusValues,
  InitiatorKind: initiatorKindValues,
};
