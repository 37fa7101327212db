import { createJetStreamEventStore, encodeCommit, type JetStreamEventStore } from '@shaman/event-store';
import { createTestNats } from '@shaman/testing';
import { randomUUID } from 'node:crypto';
import { runClosedLoop, type LoadResult } from '../lib/load.js';
import type { BenchContext, Scenario, ScenarioResult, Verdict } from '../lib/scenario.js';
import { ratio, round } from '../lib/stats.js';
import type { Row } from '../lib/table.js';

const TARGET_RATIO = 0.5;

/** A tool result as the executor records it: one event, one commit, about 400 bytes of JSON. */
const toolResulted = (address: { orgId: string; runId: string; stepId: string }) => ({
  type: 'ToolResulted',
  data: { toolCallId: 'call_0_0', name: 'run_data_write', output: { key: 'bench/notes', written: true }, isError: false, latencyMs: 1 },
  metadata: { ...address, eventId: randomUUID(), at: new Date().toISOString() },
});

/**
 * One subject per caller, like one step per executor slot; a closed loop never has more calls in flight than
 * callers, so a free subject is always there to take.
 */
const subjects = (count: number) => {
  const orgId = randomUUID();
  const runId = randomUUID();
  const free = Array.from({ length: count }, () => ({ address: { orgId, runId, stepId: randomUUID() }, version: 0n }));
  return {
    use: async <T>(work: (slot: (typeof free)[number]) => Promise<T>): Promise<T> => {
      const slot = free.pop()!;
      try {
        return await work(slot);
      } finally {
        free.push(slot);
      }
    },
  };
};

/**
 * Ours: `appendToStream` as the executor calls it, with the expected version it last saw (JetStream's
 * expected-last-subject-sequence), a deterministic `Nats-Msg-Id`, the event-types header, the commit encoded
 * per call. Raw: `js.publish` of an equally large pre-encoded payload, no id, no header, no expectation:
 * the acknowledged-publish rate of this server, the physical limit.
 */
const measure = async (input: { store: JetStreamEventStore; mode: 'raw' | 'ours'; concurrency: number; ctx: BenchContext }): Promise<LoadResult> => {
  const { store, mode, concurrency, ctx } = input;
  const pool = subjects(concurrency);
  const rawPayload = encodeCommit([toolResulted({ orgId: randomUUID(), runId: randomUUID(), stepId: randomUUID() })]);
  const name = (a: { orgId: string; runId: string; stepId: string }) => `evt.${a.orgId}.${a.runId}.${a.stepId}`;
  return runClosedLoop({
    concurrency,
    seconds: ctx.seconds,
    warmupSeconds: ctx.warmupSeconds,
    call: () =>
      pool.use(async (slot) => {
        if (mode === 'raw') return (await store.js.publish(store.subjectOf(name(slot.address)), rawPayload)).seq > 0;
        const result = await store.appendToStream(name(slot.address), [toolResulted(slot.address)], { expectedStreamVersion: slot.version });
        slot.version = result.nextExpectedStreamVersion;
        return !result.duplicate;
      }),
  });
};

/**
 * Issue 8: event appends/s through our event store beside raw JetStream acknowledged publishes/s, measured in
 * the same run on a scratch stream, one after the other at each concurrency (BENCH_APPEND_CONCURRENCY).
 */
export const eventStoreAppendsScenario: Scenario = {
  name: 'event-store-appends',
  description: 'Event-store appendToStream (expected version, msg id, headers) vs. raw JetStream acked js.publish on a scratch stream, per concurrency (BENCH_APPEND_CONCURRENCY, default 1,16,64): appends/s and the ratio (target ≥ 50 %).',
  run: async (ctx): Promise<ScenarioResult> => {
    const levels = (process.env['BENCH_APPEND_CONCURRENCY'] ?? '1,16,64').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
    const nats = await createTestNats();
    try {
      const store = await createJetStreamEventStore({ nc: nats.nc, stream: nats.layout.stream, subjectPrefix: nats.layout.subjectPrefix });
      const rows: Row[] = [];
      const verdicts: Verdict[] = [];
      for (const concurrency of levels) {
        const results: Record<'raw' | 'ours', LoadResult | undefined> = { raw: undefined, ours: undefined };
        for (const mode of ['raw', 'ours'] as const) {
          ctx.log(`event-store-appends: c=${concurrency} ${mode}`);
          const r = await measure({ store, mode, concurrency, ctx });
          results[mode] = r;
          if (r.firstError) ctx.log(`event-store-appends: c=${concurrency} ${mode} first error: ${r.firstError}`);
          // Each window starts on an empty stream, so neither side pays for the other's stored messages.
          await store.jsm.streams.purge(nats.layout.stream);
        }
        const share = ratio(results.ours!.perSecond, results.raw!.perSecond);
        for (const [target, r] of [['raw js.publish (acked)', results.raw!], ['event store appendToStream', results.ours!]] as const) {
          rows.push({ target, concurrency, appends: r.count, errors: r.errors, 'appends/s': r.perSecond, 'p50 ms': r.p50, 'p99 ms': r.p99, 'ours / raw': target === 'raw js.publish (acked)' ? '' : `${round(share * 100, 0)} %` });
        }
        verdicts.push({ what: `c=${concurrency} appends, ours / raw`, value: `${round(share * 100, 0)} %`, target: `≥ ${TARGET_RATIO * 100} %`, met: share >= TARGET_RATIO });
      }
      return { columns: ['target', 'concurrency', 'appends', 'errors', 'appends/s', 'p50 ms', 'p99 ms', 'ours / raw'], rows, verdicts };
    } finally {
      await nats.cleanup();
    }
  },
};
