import { messageSend, taskOf } from '../lib/a2a-message.js';
import { createJsonPoster, runClosedLoop, type LoadResult } from '../lib/load.js';
import type { BenchContext, Scenario, ScenarioResult } from '../lib/scenario.js';
import { startShamanStack } from '../lib/shaman-stack.js';
import { round } from '../lib/stats.js';
import type { Row } from '../lib/table.js';

const TURNS = 10;
const ONE_STEP_P50_MS = 5;
const ONE_STEP_P99_MS = 25;

const agent = (name: string, tools: string[]): string =>
  `---\nname: ${name}\nmodel: scripted\ndescription: Benchmark agent\nmaxIterations: ${TURNS + 2}\ntools: [${tools.join(', ')}]\n---\nBenchmark.\n`;

/**
 * `Single` answers at once (one model call). `Worker` makes TURNS model calls: TURNS − 1 that each ask for a
 * `run_data_write` (a platform tool: recorded in the step's own commit, no server to call), then the answer.
 * Both on the scripted model at zero latency, so the difference is orchestration: per extra turn, one model
 * call recorded, one tool call recorded, its result recorded.
 */
const files = (): Record<string, string> => {
  const writes = Array.from({ length: TURNS - 1 }, (_, i) => `  - toolCalls: [{ name: run_data_write, arguments: { key: bench/${i + 1}, value: "{{input}}" } }]`);
  return {
    'Single.md': agent('Single', []),
    'Single.script.yaml': 'turns:\n  - reply: "done: {{input}}"\n',
    'Worker.md': agent('Worker', ['run_data_write']),
    'Worker.script.yaml': `turns:\n${writes.join('\n')}\n  - reply: "done: {{input}}"\n`,
  };
};

const measure = async (input: { url: string; apiKey: string; agent: string; concurrency: number; ctx: BenchContext }): Promise<LoadResult> => {
  const poster = createJsonPoster(`${input.url}/a2a/v1`, { sockets: input.concurrency, headers: { 'x-api-key': input.apiKey } });
  let id = 0;
  try {
    return await runClosedLoop({
      concurrency: input.concurrency,
      seconds: input.ctx.seconds,
      warmupSeconds: input.ctx.warmupSeconds,
      call: async () => {
        const res = await poster.post(messageSend({ id: (id += 1), agent: input.agent, text: 'go' }));
        const task = taskOf(res.status, res.body);
        return task?.state === 'completed' && task.text === 'done: go';
      },
    });
  } finally {
    poster.close();
  }
};

/**
 * Issue 8: what each additional turn of a run costs. A blocking `message/send` to a 1-turn agent and to a
 * 10-turn agent with tool calls, one after the other on the same stack; overhead per turn =
 * (p50 10-turn − p50 1-turn) / 9. The 1-turn row is also the one-step latency the issue targets.
 */
export const orchestrationOverheadScenario: Scenario = {
  name: 'orchestration-overhead',
  description: `Blocking runs of a 1-turn and a ${TURNS}-turn agent (${TURNS - 1} run_data_write tool calls), scripted model at zero latency, at BENCH_OVERHEAD_CONCURRENCY (1): p50/p99 of each and overhead per additional turn.`,
  run: async (ctx): Promise<ScenarioResult> => {
    const concurrency = Number(process.env['BENCH_OVERHEAD_CONCURRENCY'] ?? 1);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`BENCH_OVERHEAD_CONCURRENCY must be a positive integer, got ${process.env['BENCH_OVERHEAD_CONCURRENCY']}`);
    const stack = await startShamanStack({ files: files() });
    try {
      ctx.log(`orchestration-overhead: 1 turn, c=${concurrency}`);
      const one = await measure({ url: stack.gatewayUrl, apiKey: stack.apiKey, agent: 'Single', concurrency, ctx });
      ctx.log(`orchestration-overhead: ${TURNS} turns, c=${concurrency}`);
      const ten = await measure({ url: stack.gatewayUrl, apiKey: stack.apiKey, agent: 'Worker', concurrency, ctx });
      const perTurn = (ten.p50 - one.p50) / (TURNS - 1);
      const row = (turns: number, r: LoadResult): Row => ({ turns, concurrency, runs: r.count, errors: r.errors, 'runs/s': r.perSecond, 'p50 ms': r.p50, 'p99 ms': r.p99, 'max ms': r.max });
      for (const [name, r] of [['1-turn', one], [`${TURNS}-turn`, ten]] as const) if (r.firstError) ctx.log(`orchestration-overhead: ${name} first error: ${r.firstError}`);
      return {
        columns: ['turns', 'concurrency', 'runs', 'errors', 'runs/s', 'p50 ms', 'p99 ms', 'max ms', 'per extra turn ms'],
        rows: [row(1, one), { ...row(TURNS, ten), 'per extra turn ms': perTurn }],
        verdicts: [
          { what: `one-step p50 (1-turn, c=${concurrency})`, value: `${round(one.p50, 2)} ms`, target: `≤ ${ONE_STEP_P50_MS} ms`, met: one.count > 0 && one.p50 <= ONE_STEP_P50_MS },
          { what: `one-step p99 (1-turn, c=${concurrency})`, value: `${round(one.p99, 2)} ms`, target: `≤ ${ONE_STEP_P99_MS} ms`, met: one.count > 0 && one.p99 <= ONE_STEP_P99_MS },
        ],
      };
    } finally {
      await stack.stop();
    }
  },
};
