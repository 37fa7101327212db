/**
 * An unbounded single-consumer queue that several producers (a JetStream consumer, a core NATS subscription)
 * push into, read as an async iterator. `end` lets the reader drain what is queued and then stop; `fail`
 * makes the next read throw. Unbounded is fine here: a stream's items are one step's commits and deltas.
 */
export type AsyncQueue<T> = {
  push(item: T): void;
  end(): void;
  fail(error: unknown): void;
  next(): Promise<IteratorResult<T, undefined>>;
};

export const createAsyncQueue = <T>(): AsyncQueue<T> => {
  const items: T[] = [];
  let waiting: ((result: IteratorResult<T, undefined>) => void) | null = null;
  let failWaiting: ((error: unknown) => void) | null = null;
  let ended = false;
  let error: { cause: unknown } | null = null;
  const wake = () => {
    const resolve = waiting;
    const reject = failWaiting;
    if (!resolve || !reject) return;
    if (items.length > 0) {
      waiting = failWaiting = null;
      resolve({ done: false, value: items.shift() as T });
    } else if (error) {
      waiting = failWaiting = null;
      reject(error.cause);
    } else if (ended) {
      waiting = failWaiting = null;
      resolve({ done: true, value: undefined });
    }
  };
  return {
    push: (item) => {
      if (ended || error) return;
      items.push(item);
      wake();
    },
    end: () => {
      ended = true;
      wake();
    },
    fail: (cause) => {
      error ??= { cause };
      wake();
    },
    next: () =>
      new Promise((resolve, reject) => {
        waiting = resolve;
        failWaiting = reject;
        wake();
      }),
  };
};
