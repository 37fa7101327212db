/**
 * `npm run bench`: runs each scenario in bench/scenarios/ on the local services (PostgreSQL, Redis, NATS on
 * 127.0.0.1) with the scripted zero-latency model, prints a table per scenario and writes everything as JSON to
 * bench/results/. It reports figures against their targets and exits 0 whether or not they are met; it exits
 * non-zero only when a scenario could not run.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { REPO_ROOT } from './lib/child.js';
import type { BenchContext, ScenarioResult } from './lib/scenario.js';
import { formatTable } from './lib/table.js';
import { SCENARIOS } from './scenarios/index.js';

const Env = z.object({
  /** Measured window per scenario step (e.g. per concurrency level and target). */
  BENCH_SECONDS: z.coerce.number().positive().default(10),
  /** Discarded warm-up before each measured window. */
  BENCH_WARMUP_SECONDS: z.coerce.number().nonnegative().default(2),
  /** Comma-separated scenario names to run; all when empty. */
  BENCH_ONLY: z.string().default(''),
});

const config = Env.parse(process.env);
const only = config.BENCH_ONLY.split(',').map((s) => s.trim()).filter(Boolean);
const unknown = only.filter((name) => !SCENARIOS.some((s) => s.name === name));
if (unknown.length > 0) throw new Error(`Unknown scenario(s): ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
const selected = SCENARIOS.filter((s) => only.length === 0 || only.includes(s.name));

// Other work on the machine skews every figure; the load average says how busy it was when the run began.
const [load1] = loadavg();
console.error(`bench: ${cpus().length} CPUs, load average ${load1?.toFixed(2)} at start`);
const ctx: BenchContext = { seconds: config.BENCH_SECONDS, warmupSeconds: config.BENCH_WARMUP_SECONDS, log: (line) => console.error(`· ${line}`) };
const startedAt = new Date();
const results: { name: string; description: string; result?: ScenarioResult; error?: string }[] = [];

for (const scenario of selected) {
  console.error(`▶ ${scenario.name}: ${scenario.description}`);
  try {
    const result = await scenario.run(ctx);
    results.push({ name: scenario.name, description: scenario.description, result });
    console.log(`\n${scenario.name} (${result.window ?? `${config.BENCH_SECONDS} s per row`}, ${config.BENCH_WARMUP_SECONDS} s warm-up)\n${formatTable(result.columns, result.rows)}`);
    for (const table of result.tables ?? []) console.log(`\n${table.title}\n${formatTable(table.columns, table.rows)}`);
    if (result.verdicts.length > 0) {
      const verdictRows = result.verdicts.map((v) => ({ figure: v.what, value: v.value, target: v.target, met: v.met ? 'yes' : 'NO' }));
      console.log(`\n${formatTable(['figure', 'value', 'target', 'met'], verdictRows)}`);
    }
  } catch (error) {
    results.push({ name: scenario.name, description: scenario.description, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    console.error(`✗ ${scenario.name} could not run: ${error instanceof Error ? error.message : String(error)}`);
  }
}

const dir = join(REPO_ROOT, 'bench', 'results');
await mkdir(dir, { recursive: true });
const file = join(dir, `${startedAt.toISOString().replaceAll(':', '-')}.json`);
const machine = { cpus: cpus().length, loadAverageAtStart: load1, cpuModel: cpus()[0]?.model ?? 'unknown', memoryBytes: totalmem(), node: process.version, platform: process.platform };
await writeFile(file, `${JSON.stringify({ startedAt, finishedAt: new Date(), machine, config, scenarios: results }, null, 2)}\n`);
console.log(`\nresults: ${file}`);
process.exitCode = results.some((r) => r.error !== undefined) ? 1 : 0;
