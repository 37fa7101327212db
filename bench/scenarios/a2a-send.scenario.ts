import { createTestNats } from '@shaman/testing';
import { randomUUID } from 'node:crypto';
import { spawnTs } from '../lib/child.js';
import { startCpuMeter } from '../lib/cpu.js';
import { createJsonPoster, runClosedLoop, type LoadResult } from '../lib/load.js';
import type { BenchContext, Scenario, ScenarioResult, Verdict } from '../lib/scenario.js';
import { startShamanStack } from '../lib/shaman-stack.js';
import { pidsOf } from '../lib/stack-processes.js';
import { ratio, round } from '../lib/stats.js';
import type { Row } from '../lib/table.js';

const TEXT = 'ping';
const REFERENCE_KEY = 'bench-reference-key';

/** The request both servers get: a v0.3 blocking `message/send` (blocking is the default), fresh messageId each time. */
const body = (id: number): string =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'message/send', params: { message: { kind: 'message', messageId: randomUUID(), role: 'user', parts: [{ kind: 'text', text: TEXT }] }, metadata: { agent: 'Echo' } } });

/** Counts only answers that are the completed Task with the echoed text, so a fast error is never a fast answer. */
const isCompletedEcho = (status: number, text: string): boolean => {
  if (status !== 200) return false;
  const answer = JSON.parse(text) as { result?: { status?: { state?: string }; artifacts?: { parts?: { text?: string }[] }[] } };
  return answer.result?.status?.state === 'completed' && answer.result.artifacts?.[0]?.parts?.[0]?.text === `Echo: ${TEXT}`;
};

type Measured = LoadResult & { cpuMsPerRequest: number };

/** A warm-up, then the measured window, with the CPU time every process but the load generator spent on it. */
const measure = async (input: { url: string; apiKey: string; pids: Record<string, number | undefined>; concurrency: number; ctx: BenchContext }): Promise<Measured> => {
  const poster = createJsonPoster(`${input.url}/a2a/v1`, { sockets: input.concurrency, headers: { 'x-api-key': input.apiKey } });
  let id = 0;
  const call = async () => {
    const res = await poster.post(body((id += 1)));
    return isCompletedEcho(res.status, res.body);
  };
  try {
    if (input.ctx.warmupSeconds > 0) await runClosedLoop({ concurrency: input.concurrency, seconds: input.ctx.warmupSeconds, warmupSeconds: 0, call });
    const cpu = await startCpuMeter(input.pids);
    const result = await runClosedLoop({ concurrency: input.concurrency, seconds: input.ctx.seconds, warmupSeconds: 0, call });
    const { ms } = await cpu.stop();
    const served = (ms['total'] ?? Number.NaN) - (ms['bench'] ?? 0);
    return { ...result, cpuMsPerRequest: result.count === 0 ? Number.NaN : served / result.count };
  } finally {
    poster.close();
  }
};

const row = (target: string, concurrency: number, r: Measured): Row => ({
  target,
  concurrency,
  requests: r.count,
  errors: r.errors,
  // Unrounded: the table prints two decimals, the JSON keeps the measurement.
  'req/s': r.perSecond,
  'p50 ms': r.p50,
  'p99 ms': r.p99,
  'max ms': r.max,
  'CPU ms/req': r.cpuMsPerRequest,
});

const verdicts = (concurrency: number, who: string, measured: LoadResult, reference: LoadResult): Verdict[] => {
  const throughput = ratio(measured.perSecond, reference.perSecond);
  const p50 = ratio(measured.p50, reference.p50);
  return [
    { what: `c=${concurrency} throughput, ${who} / reference`, value: `${round(throughput * 100, 0)} %`, target: '≥ 50 %', met: throughput >= 0.5 },
    { what: `c=${concurrency} p50, ${who} / reference`, value: `${round(p50, 2)}×`, target: '≤ 2×', met: p50 <= 2 },
  ];
};

/** The durable floor (bench/reference/durable-floor-*.ts): two processes on a scratch stream of their own. */
const startFloor = async () => {
  const nats = await createTestNats();
  const env = { NATS_URL: nats.url, FLOOR_PREFIX: `${nats.layout.subjectPrefix}.floor`, REFERENCE_API_KEY: REFERENCE_KEY };
  const worker = spawnTs('bench/reference/durable-floor-worker.ts', { env, readyMsg: 'floor worker ready' });
  const server = spawnTs('bench/reference/durable-floor-server.ts', { env, readyMsg: 'floor listening' });
  const stop = async () => {
    await Promise.all([server.stop(), worker.stop()]);
    await nats.cleanup();
  };
  try {
    await worker.ready;
    return { url: String((await server.ready)['url']), pids: { 'floor-server': server.process.pid, 'floor-worker': worker.process.pid }, stop };
  } catch (error) {
    await stop();
    throw error;
  }
};

/**
 * Issue 3: blocking `message/send` through our durable path (gateway → JetStream → executor with the scripted
 * zero-latency model → JetStream → gateway; projector running) beside a minimal in-memory @a2a-js/sdk server.
 */
export const a2aSendScenario: Scenario = {
  name: 'a2a-send',
  description: 'Blocking A2A message/send: ours (durable, JetStream) vs. in-memory @a2a-js/sdk reference; latency p50/p99 and req/s per concurrency.',
  run: async (ctx): Promise<ScenarioResult> => {
    const levels = (process.env['BENCH_CONCURRENCY'] ?? '1,16').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
    const shaman = await startShamanStack({ files: { 'Echo.md': '---\nname: Echo\nmodel: scripted\ndescription: Echoes\n---\nEcho.\n' } });
    const reference = spawnTs('bench/reference/a2a-sdk-server.ts', { env: { REFERENCE_API_KEY: REFERENCE_KEY }, readyMsg: 'reference listening' });
    let floor: Awaited<ReturnType<typeof startFloor>> | undefined;
    try {
      floor = await startFloor();
      const referenceUrl = String((await reference.ready)['url']);
      const rows: Row[] = [];
      const results: Verdict[] = [];
      for (const concurrency of levels) {
        // One system at a time, so neither competes with the other for the two cores.
        ctx.log(`a2a-send: c=${concurrency} reference`);
        const theirs = await measure({ url: referenceUrl, apiKey: REFERENCE_KEY, pids: { reference: reference.process.pid }, concurrency, ctx });
        ctx.log(`a2a-send: c=${concurrency} durable floor`);
        const floorResult = await measure({ url: floor.url, apiKey: REFERENCE_KEY, pids: floor.pids, concurrency, ctx });
        ctx.log(`a2a-send: c=${concurrency} shaman`);
        const ours = await measure({ url: shaman.gatewayUrl, apiKey: shaman.apiKey, pids: pidsOf(shaman), concurrency, ctx });
        for (const [name, r] of [['reference (@a2a-js/sdk, in-memory)', theirs], ['durable floor (2 acked appends, no logic)', floorResult], ['shaman (gateway+executor+projector)', ours]] as const) {
          rows.push(row(name, concurrency, r));
          if (r.firstError) ctx.log(`a2a-send: ${name} c=${concurrency} first error: ${r.firstError}`);
        }
        results.push(...verdicts(concurrency, 'ours', ours, theirs), ...verdicts(concurrency, 'floor', floorResult, theirs));
      }
      return { columns: ['target', 'concurrency', 'requests', 'errors', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'CPU ms/req'], rows, verdicts: results };
    } finally {
      await reference.stop();
      await floor?.stop();
      await shaman.stop();
    }
  },
};
