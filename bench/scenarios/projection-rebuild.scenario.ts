import { jetstream } from '@nats-io/jetstream';
import { commitHeaders, encodeCommit } from '@shaman/event-store';
import { createTestDatabase, createTestNats } from '@shaman/testing';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { REPO_ROOT } from '../lib/child.js';
import type { Scenario, ScenarioResult } from '../lib/scenario.js';
import { round } from '../lib/stats.js';

const TARGET = 20_000;

/**
 * The commits of one finished step, as the executor records them: request, claim, a model call that asks for a
 * tool (with its price in the same commit), the tool call and its result, a second model call, the answer.
 */
type RawEvent = { type: string; data: Record<string, unknown>; metadata: Record<string, unknown> };

const stepCommits = (orgId: string, at: string): { subject: string; events: RawEvent[] }[] => {
  const ids = { orgId, runId: randomUUID(), stepId: randomUUID() };
  const meta = () => ({ ...ids, eventId: randomUUID(), at });
  const agent = { name: 'Bench', repository: '/bench', commit: null };
  const usage = { inputTokens: 12, outputTokens: 7 };
  const llm = (iteration: number, toolCalls: unknown[]): RawEvent[] => [
    { type: 'LlmResponded', data: { iteration, provider: 'scripted', model: 'scripted', requestHash: 'a'.repeat(64), response: { content: toolCalls.length ? null : 'done', toolCalls, finishReason: toolCalls.length ? 'tool_calls' : 'stop' }, usage, latencyMs: 1 }, metadata: meta() },
    { type: 'UsageRecorded', data: { iteration, provider: 'scripted', model: 'scripted', agent: 'Bench', ...usage, costMicros: 3, priceTable: 'bench' }, metadata: meta() },
  ];
  const call = { id: 'call-1', name: 'lookup', arguments: { q: 'x' } };
  const evt = `evt.${ids.orgId}.${ids.runId}.${ids.stepId}`;
  return [
    { subject: `req.${ids.orgId}.${ids.runId}.${ids.stepId}`, events: [{ type: 'RunRequested', data: { agent, message: { messageId: randomUUID(), role: 'user', parts: [{ kind: 'text', text: 'go' }] }, parentStepId: null, depth: 0, initiator: { kind: 'system', id: 'bench' } }, metadata: meta() }] },
    { subject: evt, events: [{ type: 'StepStarted', data: { agent, model: 'scripted', executorId: 'bench', attempt: 1 }, metadata: meta() }] },
    { subject: evt, events: llm(0, [call]) },
    { subject: evt, events: [{ type: 'ToolCalled', data: { iteration: 0, toolCallId: call.id, name: call.name, arguments: call.arguments }, metadata: meta() }] },
    { subject: evt, events: [{ type: 'ToolResulted', data: { toolCallId: call.id, name: call.name, output: { ok: true }, isError: false, latencyMs: 1 }, metadata: meta() }] },
    { subject: evt, events: llm(1, []) },
    { subject: evt, events: [{ type: 'StepCompleted', data: { output: { parts: [{ kind: 'text', text: 'done' }] }, usage: { inputTokens: 24, outputTokens: 14 }, iterations: 2 }, metadata: meta() }] },
  ];
};

const EVENTS_PER_STEP = 9;

const runCli = (args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'apps/cli/src/main.ts', ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });

/**
 * Issue 7: `shaman projections rebuild` (the CLI as its own process) over a synthetic stream of finished steps
 * with tool calls and priced model calls, on a scratch database and stream. Reports events/s as the command
 * measures it (reading JetStream, folding, swapping the tables in) and the process's wall time.
 */
export const projectionRebuildScenario: Scenario = {
  name: 'projection-rebuild',
  description: 'shaman projections rebuild over a synthetic stream (BENCH_REBUILD_EVENTS, default 100,000): events/s vs. the ≥ 20,000 target.',
  run: async (ctx): Promise<ScenarioResult> => {
    const steps = Math.ceil(Number(process.env['BENCH_REBUILD_EVENTS'] ?? 100_000) / EVENTS_PER_STEP);
    const [db, nats] = await Promise.all([createTestDatabase(), createTestNats()]);
    try {
      const js = jetstream(nats.nc);
      const orgId = randomUUID();
      const at = new Date().toISOString();
      ctx.log(`projection-rebuild: writing ${steps * EVENTS_PER_STEP} events`);
      for (let done = 0; done < steps; done += 200) {
        const commits = Array.from({ length: Math.min(200, steps - done) }, () => stepCommits(orgId, at)).flat();
        await Promise.all(commits.map((c) => js.publish(`${nats.layout.subjectPrefix}.${c.subject}`, encodeCommit(c.events), { headers: commitHeaders(c.events) })));
      }
      ctx.log('projection-rebuild: rebuilding');
      const started = performance.now();
      const env = { DATABASE_ADMIN_URL: db.adminUrl, NATS_URL: nats.url, NATS_STREAM: nats.layout.stream, NATS_SUBJECT_PREFIX: nats.layout.subjectPrefix };
      const result = await runCli(['projections', 'rebuild', '--json'], env);
      const wallSeconds = (performance.now() - started) / 1000;
      if (result.code !== 0) throw new Error(`projections rebuild failed (${result.code}): ${result.stderr}`);
      const summary = JSON.parse(result.stdout) as { events: number; commits: number; seconds: number; eventsPerSecond: number; rows: Record<string, number> };
      if (summary.rows['steps'] !== steps) throw new Error(`rebuild wrote ${summary.rows['steps']} steps, expected ${steps}`);
      return {
        columns: ['events', 'commits', 'rebuild s', 'events/s', 'process wall s'],
        rows: [{ events: summary.events, commits: summary.commits, 'rebuild s': summary.seconds, 'events/s': summary.eventsPerSecond, 'process wall s': wallSeconds }],
        verdicts: [{ what: 'rebuild throughput', value: `${round(summary.eventsPerSecond, 0)} events/s`, target: `≥ ${TARGET} events/s`, met: summary.eventsPerSecond >= TARGET }],
      };
    } finally {
      await nats.cleanup();
      await db.cleanup();
    }
  },
};
