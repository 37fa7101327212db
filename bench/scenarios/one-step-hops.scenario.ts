import { connectNats } from '@shaman/platform';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { messageSend, taskOf } from '../lib/a2a-message.js';
import { watchCommits, type SeenCommit } from '../lib/commit-watch.js';
import { startCpuMeter } from '../lib/cpu.js';
import { createJsonPoster } from '../lib/load.js';
import type { Scenario, ScenarioResult } from '../lib/scenario.js';
import { startShamanStack } from '../lib/shaman-stack.js';
import { pidsOf } from '../lib/stack-processes.js';
import { summarize } from '../lib/stats.js';
import type { Row } from '../lib/table.js';

/** One request's path, in milliseconds: the caller's send and answer around the commits its step stored. */
type Path = { ingress: number; executor: number; egress: number; total: number; commits: number };

const HOPS: readonly [keyof Path, string][] = [
  ['ingress', 'caller → RunRequested stored (gateway: HTTP, key, rate limit, agent, append)'],
  ['executor', 'RunRequested → final commit stored (executor: delivery, claim, model, decision, append)'],
  ['egress', 'final commit → answer received (gateway: watcher, Task, reply)'],
  ['total', 'caller → answer'],
];

/**
 * Where a one-step run's time goes, hop by hop, and what each process spends on it: blocking `message/send` at
 * concurrency 1 to an agent on the scripted zero-latency model, one request at a time, each commit of its step
 * timed as a plain NATS subscriber sees it arrive (bench/lib/commit-watch.ts). docs/performance.md quotes it.
 */
export const oneStepHopsScenario: Scenario = {
  name: 'one-step-hops',
  description: 'One-step runs at concurrency 1, hop by hop (gateway in, executor, gateway out) from the stored commits, with CPU ms per run by process.',
  run: async (ctx): Promise<ScenarioResult> => {
    const stack = await startShamanStack({ files: { 'Echo.md': '---\nname: Echo\nmodel: scripted\ndescription: Echoes\n---\nEcho.\n' } });
    const nc = await connectNats(stack.nats.url, 'bench-hops');
    const poster = createJsonPoster(`${stack.gatewayUrl}/a2a/v1`, { sockets: 1, headers: { 'x-api-key': stack.apiKey } });
    const seen = new Map<string, SeenCommit[]>();
    const watch = watchCommits({ nc, subjectPrefix: stack.nats.subjectPrefix, filter: '>', onCommit: (c) => seen.set(c.stepId, [...(seen.get(c.stepId) ?? []), c]) });
    let id = 0;
    const counts = { errors: 0, unmatched: 0 };
    /** One request's hops; 'error' for an answer that is not the completed Task, 'unmatched' when its commits went unseen. */
    const one = async (): Promise<Path | 'error' | 'unmatched'> => {
      const sentAt = performance.now();
      const res = await poster.post(messageSend({ id: (id += 1), agent: 'Echo', text: 'hops' }));
      const answeredAt = performance.now();
      const task = taskOf(res.status, res.body);
      if (task?.state !== 'completed') return 'error';
      // The gateway's consumer and the bench's subscription are told of a commit separately: now and then the
      // answer overtakes the bench's copy of its final commit. Such a request has no hops to measure.
      await sleep(0);
      const commits = seen.get(task.id) ?? [];
      seen.delete(task.id);
      const request = commits.find((c) => c.kind === 'req');
      const last = commits.filter((c) => c.kind === 'evt').at(-1);
      if (!request || !last || last.at > answeredAt) return 'unmatched';
      return { ingress: request.at - sentAt, executor: last.at - request.at, egress: answeredAt - last.at, total: answeredAt - sentAt, commits: commits.length };
    };
    const window = async (seconds: number): Promise<Path[]> => {
      const paths: Path[] = [];
      for (const until = performance.now() + seconds * 1000; performance.now() < until; ) {
        const path = await one();
        if (typeof path === 'string') counts[path === 'error' ? 'errors' : 'unmatched'] += 1;
        else paths.push(path);
      }
      return paths;
    };
    try {
      ctx.log('one-step-hops: c=1');
      await window(ctx.warmupSeconds);
      Object.assign(counts, { errors: 0, unmatched: 0 });
      const cpu = await startCpuMeter(pidsOf(stack));
      const paths = await window(ctx.seconds);
      const { ms, wallMs } = await cpu.stop();
      const rows: Row[] = HOPS.map(([hop, what]) => {
        const s = summarize(paths.map((p) => p[hop]));
        return { hop: what, runs: s.count, 'p50 ms': s.p50, 'p90 ms': s.p90, 'p99 ms': s.p99 };
      });
      const perRun = (v: number | undefined) => (paths.length === 0 || v === undefined ? Number.NaN : v / paths.length);
      const groups = Object.keys(ms).filter((k) => k !== 'total');
      const cpuRow: Row = { 'runs/s': paths.length / (wallMs / 1000), 'cores busy': (ms['total'] ?? Number.NaN) / wallMs, ...Object.fromEntries(groups.map((g) => [g, perRun(ms[g])])), total: perRun(ms['total']) };
      const commits = summarize(paths.map((p) => p.commits));
      ctx.log(`one-step-hops: ${paths.length} runs timed, ${counts.errors} errors, ${counts.unmatched} answered before the bench saw their commits; commits per run p50 ${commits.p50} (max ${commits.max})`);
      return {
        columns: ['hop', 'runs', 'p50 ms', 'p90 ms', 'p99 ms'],
        rows,
        verdicts: [],
        tables: [{ title: 'CPU ms per run by process (c=1)', columns: ['runs/s', 'cores busy', ...groups, 'total'], rows: [cpuRow] }],
      };
    } finally {
      watch.stop();
      poster.close();
      await nc.close();
      await stack.stop();
    }
  },
};
