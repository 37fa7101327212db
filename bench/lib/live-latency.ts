import type { NatsConnection } from '@nats-io/transport-node';
import { createClient } from 'graphql-ws';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { watchCommits } from './commit-watch.js';

const RUNS_UPDATED = 'subscription { runsUpdated { runId sequence status } }';

/**
 * The run status a commit leaves a one-step run in, as `runsUpdated` reports it (null: no status change). A
 * commit may hold several changes (a claim that shares the model's final answer's commit): the last one wins.
 */
const statusOf = (types: readonly string[]): string | null => {
  if (types.includes('StepCompleted')) return 'COMPLETED';
  if (types.includes('StepFailed')) return 'FAILED';
  if (types.includes('StepStarted')) return 'WORKING';
  if (types.includes('RunRequested')) return 'SUBMITTED';
  return null;
};

export type LiveLatency = {
  /** Latencies (ms) of the status changes appended between `from` and `to` (performance.now() times). */
  between(from: number, to: number): { latencies: number[]; missed: number };
  errors(): string[];
  stop(): void;
};

/**
 * Live-subscription latency, event appended → GraphQL subscriber receives it: a graphql-ws client subscribes
 * to `runsUpdated` for the organization, and a core-NATS subscription in this same process notes when each
 * status-changing commit was appended (commit-watch.ts). Both times are read from this process's clock, so
 * their difference needs no clock agreement with the apps. Matched by (run, status), one-step runs only.
 */
export const watchLiveLatency = (input: { nc: NatsConnection; subjectPrefix: string; orgId: string; graphqlUrl: string; apiKey: string }): LiveLatency => {
  const appended = new Map<string, number>();
  const received = new Map<string, number>();
  const errors: string[] = [];
  const commits = watchCommits({
    nc: input.nc,
    subjectPrefix: input.subjectPrefix,
    filter: `*.${input.orgId}.>`,
    onCommit: (c) => {
      const status = statusOf(c.types);
      const key = `${c.runId}:${status}`;
      if (status !== null && !appended.has(key)) appended.set(key, c.at);
    },
  });
  const client = createClient({ url: `${input.graphqlUrl.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { apiKey: input.apiKey }, retryAttempts: 0, lazy: true });
  const unsubscribe = client.subscribe<{ runsUpdated: { runId: string; status: string } }>(
    { query: RUNS_UPDATED },
    {
      next: (result) => {
        const at = performance.now();
        const value = result.data?.runsUpdated;
        if (result.errors) errors.push(...result.errors.map((e) => e.message));
        if (value && !received.has(`${value.runId}:${value.status}`)) received.set(`${value.runId}:${value.status}`, at);
      },
      error: (error) => errors.push(error instanceof Error ? error.message : JSON.stringify(error)),
      complete: () => errors.push('subscription completed'),
    },
  );
  return {
    between: (from, to) => {
      const latencies: number[] = [];
      let missed = 0;
      for (const [key, at] of appended) {
        if (at < from || at > to) continue;
        const got = received.get(key);
        if (got === undefined) missed += 1;
        else latencies.push(got - at);
      }
      return { latencies, missed };
    },
    errors: () => errors,
    stop: () => {
      unsubscribe();
      commits.stop();
      void client.dispose();
    },
  };
};
