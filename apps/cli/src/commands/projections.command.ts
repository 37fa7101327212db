import { connectNats, createPool } from '@shaman/platform';
import { DEFAULT_PROJECTION } from '@shaman/projector';
import { pino } from 'pino';
import type { CliConfig } from '../config.js';
import type { Output } from '../output.js';
import { createProgressReporter } from '../replay/progress-bar.js';
import { rebuildReadModels, type RebuildResult } from '../replay/rebuild-read-models.js';
import { streamMessages } from '../replay/stream-commits.js';
import { withEventStore } from './event-store.js';

export type ProjectionsRebuildInput = { name?: string; batch?: string; tty: boolean };

const DEFAULT_BATCH = 5000;

const printResult = (out: Output, result: RebuildResult & { name: string; seconds: number }): void => {
  const eventsPerSecond = result.seconds > 0 ? Math.round(result.events / result.seconds) : result.events;
  if (out.json) {
    out.data({ ...result, eventsPerSecond });
    return;
  }
  const rows = Object.entries(result.rows).map(([t, n]) => `${t} ${n}`).join(', ');
  out.line(`${out.green('✓')} rebuilt ${out.bold(result.name)} from ${result.commits} commits (${result.events} events) in ${result.seconds.toFixed(2)}s, ${eventsPerSecond} events/s; checkpoint ${result.position}`);
  out.line(`  rows: ${rows}`);
};

/**
 * `shaman projections rebuild [--name read-models] [--batch N]`: refolds every read model from the whole stream
 * into a scratch schema and swaps it in, in one transaction (see replay/rebuild-read-models.ts and docs/replay.md).
 */
export const projectionsRebuildCommand = async (config: CliConfig, out: Output, input: ProjectionsRebuildInput): Promise<number> => {
  const name = input.name ?? DEFAULT_PROJECTION;
  if (name !== DEFAULT_PROJECTION) {
    out.error(`unknown projection ${name}; the only one is ${DEFAULT_PROJECTION}`);
    return 2;
  }
  const batch = input.batch === undefined ? DEFAULT_BATCH : Number(input.batch);
  if (!Number.isInteger(batch) || batch < 1 || batch > 100_000) {
    out.error(`--batch must be a whole number of commits between 1 and 100000 (got ${input.batch})`);
    return 2;
  }
  // withEventStore checks the address and the stream (precise messages); the rebuild needs the raw connection too.
  await withEventStore(config, async () => undefined);
  const nc = await connectNats(config.NATS_URL, 'shaman-cli-rebuild', { maxReconnectAttempts: 0 });
  const pool = createPool(config.DATABASE_ADMIN_URL, { max: 1, applicationName: 'shaman-projections-rebuild', pipeline: true });
  const logger = pino({ name: 'shaman-cli', level: config.LOG_LEVEL }, pino.destination(2));
  const progress = createProgressReporter({ tty: input.tty, write: (text) => process.stderr.write(text) });
  const started = performance.now();
  try {
    const total = await streamMessages(nc, config.NATS_STREAM);
    const layout = { stream: config.NATS_STREAM, subjectPrefix: config.NATS_SUBJECT_PREFIX };
    const result = await rebuildReadModels({
      pool, nc, layout, logger, name, batch,
      onProgress: (p) => progress.update({ done: p.commits, total: Math.max(total, p.commits), events: p.events, elapsedMs: performance.now() - started }),
    });
    progress.finish();
    printResult(out, { ...result, name, seconds: (performance.now() - started) / 1000 });
    return 0;
  } finally {
    progress.finish();
    await pool.end();
    await nc.drain();
  }
};
