export type MicroBatcher<T> = {
  /** Buffers an item; when the batch is full, resolves once it (and all before it) is handled: back-pressure. */
  add(item: T): Promise<void>;
  /** Flushes what is buffered and resolves when every batch so far is handled. */
  drain(): Promise<void>;
  /** The error that stopped the batcher, if one did. */
  failure(): { error: unknown } | null;
};

export type MicroBatcherOptions<T> = {
  max: number;
  waitMs: number;
  handle: (items: T[]) => Promise<void>;
  /** Called once, on the first failed batch; later batches are dropped (the caller restarts from its checkpoint). */
  onError: (error: unknown) => void;
};

/**
 * Group commit. While no batch is being handled, a batch starts at `max` items or `waitMs` after its first item,
 * whichever comes first (DESIGN §3: a batch that waits to fill adds its whole wait to projection lag at low load).
 * While one is being handled, what arrives accumulates and becomes the next batch the moment it ends: under load
 * batches grow with the load instead of the number of transactions growing with it, and nothing waits for a
 * timer behind a busy database. Batches are handled strictly one after another, in order; a producer that fills
 * `max` while one is running waits for it (back-pressure). The chain never rejects, so a timer-driven batch
 * cannot leak a rejection.
 */
export const createMicroBatcher = <T>(options: MicroBatcherOptions<T>): MicroBatcher<T> => {
  let buffer: T[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | null = null;
  let failed: { error: unknown } | null = null;

  const run = async (items: T[]): Promise<void> => {
    if (failed !== null) return;
    try {
      await options.handle(items);
    } catch (error) {
      failed = { error };
      options.onError(error);
    }
  };
  /** Starts the next batch unless one is running (its end starts the next); resolves when that batch ends. */
  const cut = (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    if (running !== null || buffer.length === 0) return running ?? Promise.resolve();
    const items = buffer.slice(0, options.max);
    buffer = buffer.slice(options.max);
    running = run(items).finally(() => {
      running = null;
      if (buffer.length > 0) void cut();
    });
    return running;
  };

  return {
    add: (item) => {
      buffer.push(item);
      if (buffer.length >= options.max) return running ?? cut();
      if (running === null) timer ??= setTimeout(() => void cut(), options.waitMs);
      return Promise.resolve();
    },
    drain: async () => {
      while (running !== null || buffer.length > 0) await cut();
    },
    failure: () => failed,
  };
};
