import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from './logger.js';
import type { Tracing } from './tracing/start-tracing.js';

/** Codes and texts of "the dependency is not there (yet)": refused, not resolvable, starting up, timed out. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', '57P03', 'CONNECTION_REFUSED']);
const UNREACHABLE_TEXT = /connection refused|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|timed? ?out|starting up|no responders|not connected|closed/i;

/** Whether a start-up failure is a dependency that is not reachable yet (worth waiting for), through `cause`s. */
export const isUnreachable = (error: unknown, depth = 5): boolean => {
  if (depth === 0 || typeof error !== 'object' || error === null) return false;
  const { code, message, cause } = error as { code?: unknown; message?: unknown; cause?: unknown };
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
  if (typeof message === 'string' && UNREACHABLE_TEXT.test(message)) return true;
  return isUnreachable(cause, depth - 1);
};

const DELAYS_MS = [250, 500, 1000, 2000, 5000];

/**
 * Starts an app, and while its dependencies (NATS, PostgreSQL, Redis) are unreachable waits and tries again
 * instead of exiting: apps start in any order (compose, Kubernetes). Anything else — a bad configuration, a
 * port in use — fails at once. Resolves null when `signal` aborts (SIGTERM) before the start succeeded.
 */
export const startWhenReachable = async <T>(start: () => Promise<T>, options: { logger: Logger; signal: AbortSignal; delaysMs?: readonly number[] }): Promise<T | null> => {
  const delays = options.delaysMs ?? DELAYS_MS;
  for (let attempt = 0; !options.signal.aborted; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (!isUnreachable(error)) throw error;
      const delay = delays[Math.min(attempt, delays.length - 1)] ?? 5000;
      options.logger.warn({ err: error, attempt: attempt + 1, retryInMs: delay }, 'a dependency is unreachable; retrying');
      await sleep(delay, undefined, { signal: options.signal }).catch(() => undefined);
    }
  }
  return null;
};

/**
 * What every `main.ts` does: start (waiting for dependencies), then on SIGTERM/SIGINT drain — the app's `stop`
 * stops taking work and finishes or hands back what it holds — flush the spans, and exit 0 (1 when the drain
 * failed). A signal during start-up stops the retries and exits 0.
 */
export const runApp = async (input: { logger: Logger; tracing: Tracing; start: () => Promise<{ stop(): Promise<void> }> }): Promise<void> => {
  const { logger, tracing } = input;
  const signalled = new AbortController();
  let app: { stop(): Promise<void> } | null = null;
  const exit = (code: number) => void tracing.shutdown().catch(() => undefined).finally(() => process.exit(code));
  const shutdown = (signal: NodeJS.Signals): void => {
    if (signalled.signal.aborted) return;
    logger.info({ signal }, 'draining');
    signalled.abort();
    if (app === null) return; // still starting: startWhenReachable returns null, or the started app is stopped below
    app.stop().then(
      () => (logger.info('drained'), exit(0)),
      (err: unknown) => (logger.error({ err }, 'drain failed'), exit(1)),
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  try {
    app = await startWhenReachable(input.start, { logger, signal: signalled.signal });
  } catch (err) {
    logger.fatal({ err }, 'start-up failed');
    exit(1);
    return;
  }
  if (app === null) return exit(0);
  if (signalled.signal.aborted) {
    // The signal came while the last attempt was starting: stop what it started.
    await app.stop().catch((err: unknown) => logger.error({ err }, 'drain failed'));
    exit(0);
  }
};
