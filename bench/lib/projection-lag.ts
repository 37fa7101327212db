import type { JetStreamManager } from '@nats-io/jetstream';
import { performance } from 'node:perf_hooks';
import pg from 'pg';

/** How often the stream's last sequence is sampled (one probe each), and how often the checkpoint is read. */
const PROBE_EVERY_MS = 100;
const CHECKPOINT_EVERY_MS = 10;
const DRAIN_MS = 5_000;

export type LagProbe = {
  /** Stops probing; resolves with one lag (ms) per probe the projector caught up with before `stop`. */
  stop(): Promise<{ lags: number[]; unresolved: number; errors: number }>;
};

/**
 * Projection lag, event appended → row visible: every 100 ms the stream's last sequence S is read (at load it
 * was appended a moment before), and the probe resolves when the projector's checkpoint (committed in the same
 * transaction as its rows) reaches S. The checkpoint is read every 10 ms, so each lag is late by up to 10 ms,
 * and early by the time S sat in the stream before it was sampled (under a millisecond at hundreds of appends/s).
 */
export const probeProjectionLag = async (input: { jsm: JetStreamManager; stream: string; adminUrl: string; projection?: string }): Promise<LagProbe> => {
  const client = new pg.Client({ connectionString: input.adminUrl });
  await client.connect();
  const pending: { seq: number; at: number }[] = [];
  const lags: number[] = [];
  let stopped = false;
  const probe = async () => {
    const at = performance.now();
    const info = await input.jsm.streams.info(input.stream);
    if (info.state.last_seq > 0) pending.push({ seq: info.state.last_seq, at });
  };
  const check = async () => {
    if (pending.length === 0) return;
    const result = await client.query<{ position: string }>('SELECT position FROM projection_checkpoints WHERE name = $1', [input.projection ?? 'read-models']);
    const position = Number(result.rows[0]?.position ?? 0);
    const now = performance.now();
    while (pending.length > 0 && pending[0]!.seq <= position) lags.push(now - pending.shift()!.at);
  };
  let errors = 0;
  // Each loop awaits its own step before scheduling the next, so a slow round trip never piles up queries.
  const loop = async (step: () => Promise<void>, everyMs: number, until: () => boolean) => {
    while (!until()) {
      const started = performance.now();
      await step().catch(() => (errors += 1));
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, everyMs - (performance.now() - started))));
    }
  };
  const probing = loop(probe, PROBE_EVERY_MS, () => stopped);
  let drainUntil = Number.POSITIVE_INFINITY;
  // After `stop`, the last probes still get up to DRAIN_MS to resolve: their lag is as real as the others'.
  const checking = loop(check, CHECKPOINT_EVERY_MS, () => performance.now() > drainUntil || (stopped && pending.length === 0));
  return {
    stop: async () => {
      stopped = true;
      await probing;
      drainUntil = performance.now() + DRAIN_MS;
      await checking;
      await client.end();
      return { lags, unresolved: pending.length, errors };
    },
  };
};
