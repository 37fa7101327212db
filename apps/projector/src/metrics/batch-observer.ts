import { Histogram, type Registry } from 'prom-client';
import { SpanKind, contextOf, inSpan, linkTo, startSpan, type Logger } from '@shaman/platform';
import type { ReceivedCommit } from '../decode-commit-message.js';

type AnyEvent = { type: string; metadata?: { at?: string; traceparent?: string | undefined } };

const eventsOf = (commits: readonly ReceivedCommit[]): AnyEvent[] =>
  commits.flatMap((c) => [...c.events, ...c.repositoryEvents, ...c.runEvents].map((s) => s.event as unknown as AnyEvent));

/**
 * Wraps each batch the projector commits: a `projector.batch` span linked to the trace of every commit in it,
 * plus one short `project <types>` span inside each distinct trace (so a run's trace shows when its events
 * reached the read models), and, once the transaction committed, the projection lag of the batch: now minus
 * the time its newest event was decided. Read models are what GraphQL answers from, so this lag is how stale
 * an answer can be.
 */
export const batchObserver = (registry: Registry, deps: { logger: Logger; clock?: () => number }) => {
  const clock = deps.clock ?? Date.now;
  const lag = new Histogram({
    name: 'shaman_projection_lag_seconds',
    help: 'Now minus the time the newest event of a projected batch was decided, observed when the batch committed.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  const size = new Histogram({ name: 'shaman_projection_batch_commits', help: 'Commits per projected batch.', buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000], registers: [registry] });
  return async (commits: readonly ReceivedCommit[], apply: () => Promise<void>): Promise<void> => {
    const events = eventsOf(commits);
    const traces = new Map<string, string[]>();
    for (const e of events) {
      const traceparent = e.metadata?.traceparent;
      if (traceparent) traces.set(traceparent, [...(traces.get(traceparent) ?? []), e.type]);
    }
    const links = [...traces.keys()].map(linkTo).filter((l) => l !== null);
    const perTrace = [...traces].map(([traceparent, types]) =>
      startSpan(`project ${[...new Set(types)].join(',')}`, { kind: SpanKind.CONSUMER, parent: contextOf({ traceparent }), attributes: { 'shaman.events': types.length } }),
    );
    const attributes = { 'shaman.commits': commits.length, 'shaman.events': events.length, 'shaman.last_seq': commits.at(-1)?.seq ?? 0 };
    try {
      await inSpan('projector.batch', { kind: SpanKind.CONSUMER, attributes, links }, apply);
    } finally {
      for (const span of perTrace) span.end();
    }
    size.observe(commits.length);
    const newest = Math.max(...events.map((e) => Date.parse(e.metadata?.at ?? '')).filter((t) => Number.isFinite(t)));
    if (Number.isFinite(newest)) lag.observe(Math.max(0, clock() - newest) / 1000);
  };
};
