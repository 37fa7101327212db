import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One Prometheus registry per process (not prom-client's global one), so an app started twice in one process
 * (the CLI's dev stack, int tests) never collides on metric names. Every series carries `app`.
 */
export type AppMetrics = {
  readonly registry: Registry;
  /** The exposition text for `GET /metrics`. */
  text(): Promise<string>;
  readonly contentType: string;
};

export const createAppMetrics = (app: string, options: { defaultMetrics?: boolean } = {}): AppMetrics => {
  const registry = new Registry();
  registry.setDefaultLabels({ app });
  // Process CPU, memory, event-loop lag, GC: the first things to look at when a tier misbehaves.
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  return { registry, text: () => registry.metrics(), contentType: registry.contentType };
};
