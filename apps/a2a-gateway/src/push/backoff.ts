const MAX_BACKOFF_MS = 5 * 60_000;

/** Exponential back-off per notification after its `attempts`-th failed try: base, 2×, 4× … capped at 5 minutes. */
export const backoffAfter = (attempts: number, baseMs: number): number => Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, attempts - 1));
