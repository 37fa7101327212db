import { readFile } from 'node:fs/promises';

/** Resident set size of a process in bytes (`VmRSS` of /proc/<pid>/status), or NaN when it cannot be read. */
export const rssBytes = async (pid: number | undefined): Promise<number> => {
  if (pid === undefined) return Number.NaN;
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
    return kib === undefined ? Number.NaN : Number(kib) * 1024;
  } catch {
    return Number.NaN;
  }
};

export const mib = (bytes: number): number => bytes / (1024 * 1024);

export type RssSampler = {
  /** The highest RSS seen per process since the sampler started (bytes). */
  stop(): Promise<Record<string, number>>;
};

/**
 * Samples the RSS of named processes every `intervalMs` and keeps each one's peak: what a process holds
 * "under load" is its high-water mark over the window, not one reading taken whenever the window ends.
 */
export const sampleRss = (pids: Record<string, number | undefined>, intervalMs = 100): RssSampler => {
  const peaks: Record<string, number> = Object.fromEntries(Object.keys(pids).map((name) => [name, Number.NaN]));
  const sample = async () => {
    await Promise.all(
      Object.entries(pids).map(async ([name, pid]) => {
        const rss = await rssBytes(pid);
        const peak = peaks[name] ?? Number.NaN;
        if (Number.isFinite(rss) && (Number.isNaN(peak) || rss > peak)) peaks[name] = rss;
      }),
    );
  };
  let pending = sample();
  const timer = setInterval(() => (pending = pending.then(sample)), intervalMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await pending;
      await sample();
      return peaks;
    },
  };
};

/** One reading of each named process's RSS (bytes). */
export const readRss = async (pids: Record<string, number | undefined>): Promise<Record<string, number>> =>
  Object.fromEntries(await Promise.all(Object.entries(pids).map(async ([name, pid]) => [name, await rssBytes(pid)] as const)));
