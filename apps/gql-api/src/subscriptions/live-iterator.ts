import { gqlError } from '../errors.js';

/**
 * An async generator whose `return()` first runs `stop`. A plain generator suspended in an `await` (here: the
 * next message of a consumer that may never come) queues `return()` until that await settles; `stop` closes
 * the consumer, which settles it, so unsubscribing ends the generator (and runs its `finally`) at once.
 */
export const stoppable = <T>(source: AsyncGenerator<T>, stop: () => Promise<void>): AsyncGenerator<T> => {
  const iterator: AsyncGenerator<T> = {
    next: () => source.next(),
    return: async (value) => {
      await stop();
      return source.return(value);
    },
    throw: async (error: unknown) => {
      await stop();
      return source.throw(error);
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
};

/**
 * A subscription field's `resolve`: the event itself. Apollo executes a subscription sent over HTTP as a
 * query, calling this without an event; that gets a precise error instead of a null in a non-null field.
 */
export const eventItself = <T>(event: T | undefined): T => {
  if (event === undefined) throw gqlError('BAD_USER_INPUT', 'subscriptions are served over WebSocket (graphql-transport-ws) at /graphql');
  return event;
};
