/** Loads one key; calls made during the same pass of GraphQL execution share one batch, and each key is memoized. */
export type BatchLoader<TKey, TValue> = { load: (key: TKey) => Promise<TValue> };

type Waiting<TKey, TValue> = { key: TKey; resolve: (value: TValue) => void; reject: (error: unknown) => void };

/**
 * DataLoader's idea in a few lines, to load per request without N+1: keys requested while resolvers run are
 * collected and loaded together once the event loop turns (setImmediate runs after every pending promise
 * job, so sibling list items resolved in the same pass are all in). Keys the batch does not return get
 * `fallback()`. One loader per request: the memo must never outlive it (it is tenant data).
 */
export const createBatchLoader = <TKey, TValue>(
  loadMany: (keys: readonly TKey[]) => Promise<ReadonlyMap<TKey, TValue>>,
  fallback: () => TValue,
): BatchLoader<TKey, TValue> => {
  const memo = new Map<TKey, Promise<TValue>>();
  let waiting: Waiting<TKey, TValue>[] = [];

  const flush = (): void => {
    const batch = waiting;
    waiting = [];
    loadMany(batch.map((w) => w.key)).then(
      (values) => batch.forEach((w) => w.resolve(values.get(w.key) ?? fallback())),
      (error: unknown) => batch.forEach((w) => w.reject(error)),
    );
  };

  const load = (key: TKey): Promise<TValue> => {
    const known = memo.get(key);
    if (known) return known;
    const loading = new Promise<TValue>((resolve, reject) => {
      waiting.push({ key, resolve, reject });
      if (waiting.length === 1) setImmediate(flush);
    });
    memo.set(key, loading);
    return loading;
  };
  return { load };
};
