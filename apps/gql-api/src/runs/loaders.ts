import type { PoolClient } from '@shaman/platform';
import { createBatchLoader, type BatchLoader } from '../graphql/batch-loader.js';
import type { UsageTotals } from '../usage/money.js';
import { usageOfRuns, usageOfSteps } from '../usage/usage.repository.js';
import { listStepsOfRuns } from './run.repository.js';
import type { Step } from './run.mapper.js';
import type { InputRequest, LlmCall, ToolCall } from './step-activity.mapper.js';
import { listInputRequests, listLlmCalls, listToolCalls } from './step-activity.repository.js';

type Read = <T>(fn: (client: PoolClient) => Promise<T>) => Promise<T>;

/**
 * Per-request loaders behind Run and Step fields: however many runs and steps a query touches, each kind of
 * data costs one statement per level of the query (no N+1). Fresh per request: results are tenant data.
 */
export type RunLoaders = {
  stepsOfRun: BatchLoader<string, Step[]>;
  usageOfRun: BatchLoader<string, UsageTotals | null>;
  usageOfStep: BatchLoader<string, UsageTotals | null>;
  toolCallsOfStep: BatchLoader<string, ToolCall[]>;
  llmCallsOfStep: BatchLoader<string, LlmCall[]>;
  inputRequestsOfStep: BatchLoader<string, InputRequest[]>;
};

const groupBy = <T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> => {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
};

const listsByStep = <T extends { stepId: string }>(read: Read, list: (c: PoolClient, ids: readonly string[]) => Promise<T[]>): BatchLoader<string, T[]> =>
  createBatchLoader(async (ids: readonly string[]) => groupBy(await read((c) => list(c, ids)), (x) => x.stepId), (): T[] => []);

export const createRunLoaders = (read: Read): RunLoaders => ({
  stepsOfRun: createBatchLoader(async (ids: readonly string[]) => groupBy(await read((c) => listStepsOfRuns(c, ids)), (s) => s.runId), (): Step[] => []),
  usageOfRun: createBatchLoader((ids: readonly string[]) => read((c) => usageOfRuns(c, ids)), () => null),
  usageOfStep: createBatchLoader((ids: readonly string[]) => read((c) => usageOfSteps(c, ids)), () => null),
  toolCallsOfStep: listsByStep(read, listToolCalls),
  llmCallsOfStep: listsByStep(read, listLlmCalls),
  inputRequestsOfStep: listsByStep(read, listInputRequests),
});
