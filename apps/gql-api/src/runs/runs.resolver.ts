import { z } from 'zod';
import { gqlError } from '../errors.js';
import type { GqlContext } from '../graphql/context.js';
import { decodeRunCursor, encodeRunCursor } from './run.cursor.js';
import { stepEdges, type Run, type RunStatus, type Step, type StepEdge } from './run.mapper.js';
import { countRuns, findRun, listRuns } from './run.repository.js';

type RunEdge = { cursor: string; node: Run };
type PageInfo = { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
type RunConnection = { edges: RunEdge[]; pageInfo: PageInfo };

const DEFAULT_PAGE = 20;
const PageSize = z.number().int().min(1).max(100);
const RunId = z.guid();

const run = async (_: unknown, args: { id: string }, ctx: GqlContext): Promise<Run | null> => {
  if (!RunId.safeParse(args.id).success) throw gqlError('BAD_USER_INPUT', 'id is not a run id');
  return ctx.read((c) => findRun(c, args.id));
};

const runs = async (_: unknown, args: { first?: number | null; after?: string | null }, ctx: GqlContext): Promise<RunConnection> => {
  const first = args.first ?? DEFAULT_PAGE;
  if (!PageSize.safeParse(first).success) throw gqlError('BAD_USER_INPUT', 'first must be between 1 and 100');
  const after = args.after == null ? null : decodeRunCursor(args.after);
  if (args.after != null && after === null) throw gqlError('BAD_USER_INPUT', 'after is not a cursor from runs');
  // One row more than asked tells whether there is a next page.
  const rows = await ctx.read((c) => listRuns(c, { limit: first + 1, after }));
  const edges = rows.slice(0, first).map((node) => ({ cursor: encodeRunCursor({ createdAt: node.createdKey, id: node.id }), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > first,
      // Forward pagination: a cursor we issued points at a run, so something precedes the page (Relay allows this).
      hasPreviousPage: after !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
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

export const runsResolvers = {
  Query: { run, runs },
  // Counted only when asked for: a count over every run of an organization is not free.
  RunConnection: { totalCount: (_: RunConnection, __: unknown, ctx: GqlContext): Promise<number> => ctx.read(countRuns) },
  Run: {
    steps: (parent: Run, _: unknown, ctx: GqlContext): Promise<Step[]> => ctx.stepsOfRun.load(parent.id),
    edges: async (parent: Run, _: unknown, ctx: GqlContext): Promise<StepEdge[]> => stepEdges(await ctx.stepsOfRun.load(parent.id)),
  },
  RunStatus: runStatusValues,
};
