import { z } from 'zod';
import { gqlError } from '../errors.js';
import type { GqlContext } from '../graphql/context.js';
import { listLatestRunData, listRunDataHistory, type RunDataEntry } from './run-data.repository.js';

const RunId = z.guid();
const Text = z.string().min(1).max(256);

const check = (ok: boolean, message: string): void => {
  if (!ok) throw gqlError('BAD_USER_INPUT', message);
};

const runData = async (_: unknown, args: { runId: string; prefix?: string | null; tag?: string | null }, ctx: GqlContext): Promise<RunDataEntry[]> => {
  check(RunId.safeParse(args.runId).success, 'runId is not a run id');
  check(args.prefix == null || Text.safeParse(args.prefix).success, 'prefix must be 1..256 characters');
  check(args.tag == null || Text.safeParse(args.tag).success, 'tag must be 1..256 characters');
  return ctx.read((c) => listLatestRunData(c, { runId: args.runId, prefix: args.prefix ?? null, tag: args.tag ?? null }));
};

const runDataHistory = async (_: unknown, args: { runId: string; key: string }, ctx: GqlContext): Promise<RunDataEntry[]> => {
  check(RunId.safeParse(args.runId).success, 'runId is not a run id');
  check(Text.safeParse(args.key).success, 'key must be 1..256 characters');
  return ctx.read((c) => listRunDataHistory(c, args));
};

export const runDataResolvers = { Query: { runData, runDataHistory } };
