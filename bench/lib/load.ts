import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { summarize, type LatencySummary } from './stats.js';

export type HttpResponse = { status: number; body: string };

/**
 * A keep-alive HTTP/1.1 JSON poster on undici's `Pool`, one connection per concurrent caller. The load generator
 * shares two cores with the servers it measures, so its own CPU is taken from theirs: undici's `request` costs
 * about half of what `node:http` does per request here (27 against 51 µs, 20,000 posts at 64 concurrent), and
 * fetch more than either.
 */
export const createJsonPoster = (target: string, options: { sockets: number; headers?: Record<string, string> }) => {
  const url = new URL(target);
  const pool = new Pool(url.origin, { connections: options.sockets, pipelining: 1 });
  const headers = { ...options.headers, 'content-type': 'application/json' };
  const post = async (body: string): Promise<HttpResponse> => {
    const response = await pool.request({ path: url.pathname, method: 'POST', headers, body });
    return { status: response.statusCode, body: await response.body.text() };
  };
  return { post, close: () => void pool.destroy() };
};

export type LoadResult = LatencySummary & { errors: number; seconds: number; perSecond: number; firstError?: string };

/**
 * Closed loop: `concurrency` callers each send, wait for the answer, and send again until the window ends.
 * A call counts only when `call` resolves true (the answer was checked); a warm-up window runs first and is
 * discarded, so JIT, pools and caches are warm in both systems alike.
 */
export const runClosedLoop = async (input: { concurrency: number; seconds: number; warmupSeconds: number; call: () => Promise<boolean> }): Promise<LoadResult> => {
  const window = async (seconds: number) => {
    const latencies: number[] = [];
    let errors = 0;
    let firstError: string | undefined;
    const start = performance.now();
    const end = start + seconds * 1000;
    const caller = async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          if (await input.call()) latencies.push(performance.now() - t0);
          else errors += 1;
        } catch (error) {
          errors += 1;
          firstError ??= error instanceof Error ? error.message : String(error);
        }
      }
    };
    await Promise.all(Array.from({ length: input.concurrency }, caller));
    return { latencies, errors, firstError, elapsed: (performance.now() - start) / 1000 };
  };
  if (input.warmupSeconds > 0) await window(input.warmupSeconds);
  const measured = await window(input.seconds);
  return {
    ...summarize(measured.latencies),
    errors: measured.errors,
    seconds: measured.elapsed,
    perSecond: measured.latencies.length / measured.elapsed,
    ...(measured.firstError ? { firstError: measured.firstError } : {}),
  };
};
