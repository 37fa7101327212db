import { Gauge, type Registry } from 'prom-client';

export type Sample = { labels: Record<string, string>; value: number };

/**
 * A gauge read at scrape time (consumer pending counts, queue depths): nothing polls between scrapes, and a
 * scrape sees the value as of now. A sample that fails or takes longer than `timeoutMs` (NATS or Redis
 * down) leaves the series out of that scrape instead of failing `/metrics` or holding it up: the absence is
 * what an alert on `absent()` or on `/readyz` picks up.
 */
export const sampledGauge = (
  registry: Registry,
  options: { name: string; help: string; labelNames: readonly string[]; sample: () => Promise<Sample[]>; timeoutMs?: number },
): Gauge => {
  const timeoutMs = options.timeoutMs ?? 2000;
  return new Gauge({
    name: options.name,
    help: options.help,
    labelNames: options.labelNames,
    registers: [registry],
    async collect() {
      this.reset();
      const samples = await withTimeout(options.sample(), timeoutMs).catch(() => [] as Sample[]);
      for (const s of samples) this.set(s.labels, s.value);
    },
  });
};

const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`sample took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
};

/** BullMQ job counts by state (`getJobCounts`), one series per state: depth is waiting + delayed, work is active. */
export const queueDepthGauge = (
  registry: Registry,
  queues: readonly { name: string; getJobCounts(...states: string[]): Promise<Record<string, number>> }[],
): Gauge =>
  sampledGauge(registry, {
    name: 'shaman_queue_jobs',
    help: 'BullMQ jobs by queue and state (waiting, delayed, active, failed), sampled at scrape time.',
    labelNames: ['queue', 'state'],
    sample: async () => {
      const counts = await Promise.all(queues.map(async (q) => ({ queue: q.name, counts: await q.getJobCounts('waiting', 'delayed', 'active', 'failed') })));
      return counts.flatMap(({ queue, counts }) => Object.entries(counts).map(([state, value]) => ({ labels: { queue, state }, value })));
    },
  });
