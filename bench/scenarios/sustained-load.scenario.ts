import { jetstreamManager } from '@nats-io/jetstream';
import { connectNats } from '@shaman/platform';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { messageSend, taskOf } from '../lib/a2a-message.js';
import { watchLiveLatency } from '../lib/live-latency.js';
import { createJsonPoster, runClosedLoop } from '../lib/load.js';
import { startCpuMeter } from '../lib/cpu.js';
import { mib, readRss, sampleRss } from '../lib/memory.js';
import { probeProjectionLag } from '../lib/projection-lag.js';
import type { BenchContext, Scenario, ScenarioResult, Verdict } from '../lib/scenario.js';
import { startShamanStack, type ShamanStack } from '../lib/shaman-stack.js';
import { pidsOf } from '../lib/stack-processes.js';
import { round, summarize, type LatencySummary } from '../lib/stats.js';
import type { Row } from '../lib/table.js';

const RUNS_PER_SECOND = 1_000;
const LAG_P99_MS = 100;
/** How long the live subscriber gets, after a window, to deliver what the window appended; later ones count as missed. */
const LIVE_DRAIN_MS = 15_000;
const MEMORY_COLUMNS = { 'a2a-gateway': 'gateway MiB', executor: 'executor MiB', projector: 'projector MiB', 'gql-api': 'gql-api MiB' } as const;
const CPU_GROUPS = ['a2a-gateway', 'executor', 'projector', 'gql-api', 'nats-server', 'postgres', 'redis', 'bench', 'total'] as const;

/** A percentile of no samples is unknown ("n/a"), not 0 ms. */
const orNone = (s: LatencySummary, p: 'p50' | 'p99'): number => (s.count === 0 ? Number.NaN : s[p]);

const memoryCells = (rss: Record<string, number>): Row =>
  Object.fromEntries(Object.entries(MEMORY_COLUMNS).map(([app, column]) => [column, mib(rss[app] ?? Number.NaN)]));

/** One closed-loop window of blocking one-step runs, with projection lag, live latency and peak RSS beside it. */
const measureLevel = async (input: { stack: ShamanStack; concurrency: number; seconds: number; ctx: BenchContext }) => {
  const { stack, concurrency, ctx } = input;
  const poster = createJsonPoster(`${stack.gatewayUrl}/a2a/v1`, { sockets: concurrency, headers: { 'x-api-key': stack.apiKey } });
  const nc = await connectNats(stack.nats.url, 'bench-sustained');
  // Subscribed before the warm-up, so it is live by the time the measured window starts.
  const liveWatch = watchLiveLatency({ nc, subjectPrefix: stack.nats.subjectPrefix, orgId: stack.orgId, graphqlUrl: stack.graphqlUrl!, apiKey: stack.apiKey });
  let id = 0;
  const call = async () => {
    const res = await poster.post(messageSend({ id: (id += 1), agent: 'Echo', text: 'ping' }));
    const task = taskOf(res.status, res.body);
    return task?.state === 'completed' && task.text === 'Echo: ping';
  };
  try {
    ctx.log(`sustained-load: c=${concurrency} warm-up`);
    if (ctx.warmupSeconds > 0) await runClosedLoop({ concurrency, seconds: ctx.warmupSeconds, warmupSeconds: 0, call });
    ctx.log(`sustained-load: c=${concurrency} for ${input.seconds} s`);
    const lag = await probeProjectionLag({ jsm: await jetstreamManager(nc), stream: stack.nats.stream, adminUrl: stack.adminUrl });
    const rss = sampleRss(pidsOf(stack));
    const cpu = await startCpuMeter(pidsOf(stack));
    const from = performance.now();
    const load = await runClosedLoop({ concurrency, seconds: input.seconds, warmupSeconds: 0, call });
    const to = performance.now();
    const [used, lagged, peaks] = await Promise.all([cpu.stop(), lag.stop(), rss.stop()]);
    // The subscriber may trail the load: wait (bounded) for what the window appended, so p99 is not cut short.
    for (const until = performance.now() + LIVE_DRAIN_MS; liveWatch.between(from, to).missed > 0 && performance.now() < until; ) await sleep(100);
    const live = liveWatch.between(from, to);
    if (liveWatch.errors().length > 0) ctx.log(`sustained-load: c=${concurrency} subscription errors: ${liveWatch.errors().slice(0, 3).join('; ')}`);
    if (load.firstError) ctx.log(`sustained-load: c=${concurrency} first error: ${load.firstError}`);
    if (lagged.unresolved > 0 || lagged.errors > 0) ctx.log(`sustained-load: c=${concurrency} lag probes unresolved ${lagged.unresolved}, failed ${lagged.errors}`);
    return { load, lag: summarize(lagged.lags), live: { ...summarize(live.latencies), missed: live.missed }, peaks, cpu: used };
  } finally {
    liveWatch.stop();
    poster.close();
    await nc.close();
  }
};

/**
 * Issue 8: sustained blocking one-step runs through gateway → JetStream → executor → projector with a
 * GraphQL `runsUpdated` subscriber attached, per concurrency level: runs/s, latency, projection lag, live
 * subscription latency, and every process's RSS at idle and at its peak under load.
 */
export const sustainedLoadScenario: Scenario = {
  name: 'sustained-load',
  description:
    'Sustained one-step runs/s for BENCH_SUSTAIN_SECONDS (default 60) at BENCH_SUSTAIN_CONCURRENCY (16,64), with projection lag p50/p99, runsUpdated subscription latency p50/p99, and RSS of each process at idle and under load.',
  run: async (ctx): Promise<ScenarioResult> => {
    const seconds = Number(process.env['BENCH_SUSTAIN_SECONDS'] ?? 60);
    const levels = (process.env['BENCH_SUSTAIN_CONCURRENCY'] ?? '16,64').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
    if (!(seconds > 0)) throw new Error(`BENCH_SUSTAIN_SECONDS must be a positive number, got ${process.env['BENCH_SUSTAIN_SECONDS']}`);
    const rows: Row[] = [];
    const cpuRows: Row[] = [];
    const verdicts: Verdict[] = [];
    for (const concurrency of levels) {
      // A fresh stack per level: a level the live subscriber trails must not leave its backlog to the next.
      const stack = await startShamanStack({ files: { 'Echo.md': '---\nname: Echo\nmodel: scripted\ndescription: Echoes\n---\nEcho.\n' }, gqlApi: true });
      try {
        if (rows.length === 0) {
          await sleep(2_000); // started, connected, nothing to do: the idle reading
          rows.push({ load: 'idle', ...memoryCells(await readRss(pidsOf(stack))) });
        }
        const m = await measureLevel({ stack, concurrency, seconds, ctx });
        rows.push({
          load: `c=${concurrency}`,
          runs: m.load.count,
          errors: m.load.errors,
          'runs/s': m.load.perSecond,
          'p50 ms': m.load.p50,
          'p99 ms': m.load.p99,
          'lag p50 ms': orNone(m.lag, 'p50'),
          'lag p99 ms': orNone(m.lag, 'p99'),
          'live p50 ms': orNone(m.live, 'p50'),
          'live p99 ms': orNone(m.live, 'p99'),
          'live missed': m.live.missed,
          ...memoryCells(m.peaks),
        });
        const perRun = (ms: number | undefined): number => (m.load.count === 0 ? Number.NaN : (ms ?? Number.NaN) / m.load.count);
        cpuRows.push({
          load: `c=${concurrency}`,
          'cores busy': (m.cpu.ms['total'] ?? Number.NaN) / m.cpu.wallMs,
          ...Object.fromEntries(CPU_GROUPS.map((group) => [group, perRun(m.cpu.ms[group])])),
        });
        verdicts.push(
          { what: `c=${concurrency} one-step runs/s`, value: `${round(m.load.perSecond, 0)}`, target: `≥ ${RUNS_PER_SECOND}`, met: m.load.perSecond >= RUNS_PER_SECOND },
          { what: `c=${concurrency} projection lag p99`, value: `${round(m.lag.p99, 1)} ms`, target: `≤ ${LAG_P99_MS} ms`, met: m.lag.count > 0 && m.lag.p99 <= LAG_P99_MS },
        );
      } finally {
        await stack.stop();
      }
    }
    const columns = ['load', 'runs', 'errors', 'runs/s', 'p50 ms', 'p99 ms', 'lag p50 ms', 'lag p99 ms', 'live p50 ms', 'live p99 ms', 'live missed', ...Object.values(MEMORY_COLUMNS)];
    const cpuTable = {
      title: 'CPU time per completed run, ms, by process (PostgreSQL: all its processes; bench: the load, the subscriber and the probes)',
      columns: ['load', 'cores busy', ...CPU_GROUPS],
      rows: cpuRows,
    };
    return { columns, rows, verdicts, tables: [cpuTable], window: `${seconds} s per level` };
  },
};
