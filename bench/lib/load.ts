import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { summarize, type LatencySummary } from './stats.js';

export type HttpResponse = { status: number; body: string };

/**
 * A keep-alive HTTP/1.1 JSON poster on node:http: lighter on the client's CPU than fetch, which matters when the
 * load generator shares two cores with the servers it measures. One socket per concurrent caller.
 */
export const createJsonPoster = (target: string, options: { sockets: number; headers?: Record<string, string> }) => {
  const url = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: options.sockets });
  const post = (body: string): Promise<HttpResponse> =>
    new Promise((resolve, reject) => {
      const req = request(
        { agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { ...options.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return { post, close: () => agent.destroy() };
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
