import { withOrg, type ApiKeyPrincipal, type Pool, type PoolClient } from '@shaman/platform';
import { listStepsOfRuns } from '../runs/run.repository.js';
import type { Step } from '../runs/run.mapper.js';
import { createBatchLoader, type BatchLoader } from './batch-loader.js';

/** What every resolver gets: who is asking, and reads that row-level security scopes to them. */
export type GqlContext = {
  principal: ApiKeyPrincipal;
  /** Runs `fn` in a transaction bound to the caller's organization; RLS decides what is visible. */
  read: <T>(fn: (client: PoolClient) => Promise<T>) => Promise<T>;
  /** The steps of a run, batched across all runs of the request into one query. */
  stepsOfRun: BatchLoader<string, Step[]>;
};

const groupByRun = (steps: readonly Step[]): Map<string, Step[]> => {
  const byRun = new Map<string, Step[]>();
  for (const step of steps) {
    const ofRun = byRun.get(step.runId);
    if (ofRun) ofRun.push(step);
    else byRun.set(step.runId, [step]);
  }
  return byRun;
};

/** A fresh context per request: loaders memoize, and must not share results across requests or tenants. */
export const createGqlContext = (pool: Pool, principal: ApiKeyPrincipal): GqlContext => {
  const read = <T>(fn: (client: PoolClient) => Promise<T>): Promise<T> => withOrg(pool, principal.orgId, fn);
  const stepsOfRun = createBatchLoader(async (runIds: readonly string[]) => groupByRun(await read((c) => listStepsOfRuns(c, runIds))), () => []);
  return { principal, read, stepsOfRun };
};
