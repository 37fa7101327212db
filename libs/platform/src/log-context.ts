import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Ids that belong on every log line written while one piece of work runs (a request's id, the run and step an
 * executor drives). Set once at the edge (a Fastify hook, the executor's delivery handler); everything called
 * from there, however deep, logs them without being handed a child logger.
 */
export type LogContext = Record<string, string | number>;

const storage = new AsyncLocalStorage<LogContext>();

/** Runs `fn` with `fields` (added to the current context, if any) on every log line it writes. */
export const withLogContext = <T>(fields: LogContext, fn: () => T): T => storage.run({ ...storage.getStore(), ...fields }, fn);

/** Adds fields to the current context (e.g. a run id learnt halfway through a request); no-op outside one. */
export const addLogContext = (fields: LogContext): void => {
  const store = storage.getStore();
  if (store) Object.assign(store, fields);
};

export const currentLogContext = (): LogContext | undefined => storage.getStore();
