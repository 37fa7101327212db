import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats } from '@shaman/platform';
import { createJetStreamEventStore } from '@shaman/event-store';
import { stepRequestStream } from '@shaman/events';
import { runRequested } from '@shaman/testing';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { messageSend, taskOf } from '../lib/a2a-message.js';
import { watchInFlight } from '../lib/in-flight.js';
import { createJsonPoster } from '../lib/load.js';
import { mib, rssBytes, sampleRss } from '../lib/memory.js';
import type { Scenario, ScenarioResult, Verdict } from '../lib/scenario.js';
import { startShamanStack, type ShamanStack } from '../lib/shaman-stack.js';
import { round, summarize } from '../lib/stats.js';
import type { Row } from '../lib/table.js';

const TARGET_IN_FLIGHT = 10_000;
const GIB = 1024 ** 3;
/** Requests sent at once while a level is injected. */
const SENDERS = 64;

const config = () => {
  const max = Number(process.env['BENCH_MAX_INFLIGHT'] ?? TARGET_IN_FLIGHT);
  const via = process.env['BENCH_SLOW_VIA'] ?? 'store';
  const config = {
    max,
    latencyMs: Number(process.env['BENCH_SLOW_LATENCY_MS'] ?? 2000),
    capacityLatencyMs: Number(process.env['BENCH_CAPACITY_LATENCY_MS'] ?? 30_000),
    timeoutMs: Number(process.env['BENCH_SLOW_TIMEOUT_SECONDS'] ?? 120) * 1000,
    via,
    levels: [...new Set([100, 1000, max].filter((n) => n <= max))],
  };
  if (!Number.isInteger(max) || max < 1) throw new Error(`BENCH_MAX_INFLIGHT must be a positive integer, got ${process.env['BENCH_MAX_INFLIGHT']}`);
  if (via !== 'store' && via !== 'gateway') throw new Error(`BENCH_SLOW_VIA must be store or gateway, got ${via}`);
  if (!(config.latencyMs > 0) || !(config.capacityLatencyMs > 0) || !(config.timeoutMs > 0)) {
    throw new Error('BENCH_SLOW_LATENCY_MS, BENCH_CAPACITY_LATENCY_MS and BENCH_SLOW_TIMEOUT_SECONDS must be positive');
  }
  return config;
};

/** Sends `count` one-step runs as fast as SENDERS parallel senders go; resolves with each step's send time. */
const inject = async (input: { stack: ShamanStack; nc: NatsConnection; via: string; count: number }): Promise<Map<string, number>> => {
  const { stack, count } = input;
  const sentAt = new Map<string, number>();
  const store = await createJetStreamEventStore({ nc: input.nc, stream: stack.nats.stream, subjectPrefix: stack.nats.subjectPrefix });
  const poster = createJsonPoster(`${stack.gatewayUrl}/a2a/v1`, { sockets: SENDERS, headers: { 'x-api-key': stack.apiKey } });
  // The gateway's non-blocking message/send answers `submitted` once RunRequested is appended; `store` appends
  // the same RunRequested itself, so the executor, not the gateway's accept rate, sets the pace.
  const sendOne = async (i: number): Promise<void> => {
    const at = performance.now();
    if (input.via === 'store') {
      const event = runRequested({ orgId: stack.orgId, agent: 'Echo', repository: stack.repository, text: `slow ${i}` });
      await store.appendToStream(stepRequestStream(event.metadata), [event]);
      sentAt.set(event.metadata.stepId, at);
      return;
    }
    const res = await poster.post(messageSend({ id: i, agent: 'Echo', text: `slow ${i}`, blocking: false }));
    const task = taskOf(res.status, res.body);
    if (task === null) throw new Error(`non-blocking message/send failed (${res.status}): ${res.body.slice(0, 200)}`);
    sentAt.set(task.id, at);
  };
  let next = 0;
  try {
    await Promise.all(Array.from({ length: Math.min(SENDERS, count) }, async () => {
      while (next < count) await sendOne(next++);
    }));
  } finally {
    poster.close();
  }
  return sentAt;
};

/** One level: send `count` runs, wait (bounded) until each has ended, and measure what the executor held. */
const measureLevel = async (input: { stack: ShamanStack; nc: NatsConnection; count: number; cfg: ReturnType<typeof config> }) => {
  const { stack, count, cfg } = input;
  const executorPid = stack.apps.find((a) => a.name === 'executor')?.process.pid;
  const watch = watchInFlight({ nc: input.nc, subjectPrefix: stack.nats.subjectPrefix });
  const idleRss = await rssBytes(executorPid);
  const rss = sampleRss({ executor: executorPid });
  const start = performance.now();
  const sentAt = await inject({ stack, nc: input.nc, via: cfg.via, count });
  const sendSeconds = (performance.now() - start) / 1000;
  while (watch.ended() < count && performance.now() - start < cfg.timeoutMs) await sleep(50);
  const peakRss = (await rss.stop())['executor'] ?? Number.NaN;
  watch.stop();
  const latencies = [...sentAt].flatMap(([step, at]) => (watch.endedAt.has(step) ? [(watch.endedAt.get(step)! - at) / 1000] : []));
  const last = [...watch.endedAt.values()].reduce((max, at) => Math.max(max, at), start);
  const wallSeconds = (last - start) / 1000;
  return { sendSeconds, wallSeconds, latency: summarize(latencies), peak: watch.peak(), ended: watch.ended(), failed: watch.failed(), idleRss, peakRss };
};

/**
 * The model latency a level runs with. The levels below the largest show throughput at BENCH_SLOW_LATENCY_MS. The
 * largest asks how many one executor *carries* at once, so its model answers only after every run could have been
 * claimed (BENCH_CAPACITY_LATENCY_MS, 30 s): at 2 s the first runs would end before the last were claimed, and the
 * figure would be the claim rate × 2 s rather than the capacity. Half-minute answers are ordinary for agents.
 */
const latencyOf = (cfg: ReturnType<typeof config>, count: number): number => (count === cfg.levels.at(-1) && count > 1000 ? cfg.capacityLatencyMs : cfg.latencyMs);

/** A stack whose executor answers after `latencyMs` and may hold every run of the largest level. */
const slowStack = (cfg: ReturnType<typeof config>, latencyMs: number): Promise<ShamanStack> =>
  startShamanStack({
    files: { 'Echo.md': '---\nname: Echo\nmodel: scripted\ndescription: Echoes\n---\nEcho.\n' },
    executorEnv: { SCRIPTED_LATENCY_MS: String(latencyMs), EXECUTOR_CONCURRENCY: String(cfg.max + 100), EXECUTOR_MAX_ACK_PENDING: String(Math.max(20_000, cfg.max * 2)) },
  });

/**
 * Issue 8: how many slow model calls one executor carries at once. The executor's scripted model waits
 * BENCH_SLOW_LATENCY_MS per answer (BENCH_CAPACITY_LATENCY_MS at the largest level, see `latencyOf`); each level
 * sends N one-step runs at once, and the executor is let take as many as it will (EXECUTOR_CONCURRENCY and max
 * ack pending above the largest level). A level with another latency gets its own stack.
 */
export const slowModelCapacityScenario: Scenario = {
  name: 'slow-model-capacity',
  description:
    'One executor, scripted model with BENCH_SLOW_LATENCY_MS (2000) per answer: N one-step runs sent at once (100, 1000, then BENCH_MAX_INFLIGHT = 10000 at BENCH_CAPACITY_LATENCY_MS = 30000), peak in flight, executor RSS, throughput vs. concurrency / latency.',
  run: async (ctx): Promise<ScenarioResult> => {
    const cfg = config();
    let stack: ShamanStack | null = null;
    let stackLatency = -1;
    let nc: NatsConnection | null = null;
    const closeStack = async (): Promise<void> => {
      await nc?.close();
      await stack?.stop();
      [nc, stack] = [null, null];
    };
    try {
      const rows: Row[] = [];
      const verdicts: Verdict[] = [];
      for (const count of cfg.levels) {
        const latencyMs = latencyOf(cfg, count);
        if (stack === null || latencyMs !== stackLatency) {
          await closeStack();
          stack = await slowStack(cfg, latencyMs);
          stackLatency = latencyMs;
          nc = await connectNats(stack.nats.url, 'bench-slow');
        }
        ctx.log(`slow-model-capacity: ${count} runs via ${cfg.via}, model latency ${latencyMs} ms`);
        const m = await measureLevel({ stack, nc: nc!, count, cfg });
        const perRunKib = (m.peakRss - m.idleRss) / 1024 / Math.max(1, m.peak);
        rows.push({
          runs: count,
          'latency s': latencyMs / 1000,
          'send s': m.sendSeconds,
          'peak in flight': m.peak,
          completed: m.ended - m.failed,
          failed: m.failed,
          unfinished: count - m.ended,
          'wall s': m.wallSeconds,
          'p50 s': m.latency.p50,
          'p99 s': m.latency.p99,
          'runs/s': (m.ended - m.failed) / m.wallSeconds,
          'in flight / p50': m.peak / m.latency.p50,
          'exec idle MiB': mib(m.idleRss),
          'exec peak MiB': mib(m.peakRss),
          'KiB / run': perRunKib,
        });
        if (count === cfg.levels.at(-1)) {
          const projected = m.idleRss + (perRunKib * 1024 * TARGET_IN_FLIGHT);
          verdicts.push(
            { what: 'slow runs one executor carried at once', value: `${m.peak}`, target: `≥ ${TARGET_IN_FLIGHT}`, met: m.peak >= TARGET_IN_FLIGHT },
            { what: `executor peak RSS at ${m.peak} in flight`, value: `${round(mib(m.peakRss), 0)} MiB`, target: '< 1024 MiB', met: m.peakRss < GIB },
            { what: `executor RSS projected to ${TARGET_IN_FLIGHT} in flight`, value: `${round(mib(projected), 0)} MiB`, target: '< 1024 MiB', met: projected < GIB },
          );
        }
      }
      return { columns: Object.keys(rows[0] ?? {}), rows, verdicts, window: 'each level until its runs end' };
    } finally {
      await closeStack();
    }
  },
};
