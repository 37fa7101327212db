import type { JsMsg } from '@nats-io/jetstream';
import { SpanKind, contextOf, inSpan, withLogContext, type Logger, type RunMetrics } from '@shaman/platform';
import { AsyncLocalStorage } from 'node:async_hooks';
import { requestCommitOf } from '../request-commit.js';

/** The step one delivery drives, as far as this process knows it: its agent, learnt from the request or its events. */
export type DeliveryScope = { agent: string };
const scopes = new AsyncLocalStorage<DeliveryScope>();
export const currentDelivery = (): DeliveryScope | undefined => scopes.getStore();

type RequestHead = { type: string; orgId?: string; runId?: string; stepId?: string; traceparent?: string; agent?: string };

/** What the edge needs from a request commit, without trusting it (the handler parses it properly). */
const headOf = (m: JsMsg): RequestHead => {
  try {
    const [first] = requestCommitOf(m).events as { type?: unknown; data?: { agent?: { name?: unknown } }; metadata?: Record<string, unknown> }[];
    const meta = first?.metadata ?? {};
    const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
    return { type: text(first?.type) ?? 'unknown', orgId: text(meta['orgId']), runId: text(meta['runId']), stepId: text(meta['stepId']), traceparent: text(meta['traceparent']) ?? m.headers?.get('traceparent') ?? undefined, agent: text(first?.data?.agent?.name) };
  } catch {
    return { type: 'unparseable' };
  }
};

export type DeliveryEdge = {
  wrap(handle: (m: JsMsg) => Promise<void>): (m: JsMsg) => Promise<void>;
  /**
   * Hands back every delivery still being worked on (nak without delay), so another executor takes it at
   * once instead of after `ack_wait`. Called when a drain's grace period is over; whatever the abandoned
   * attempt appends afterwards is fenced out (DESIGN §4).
   */
  handBack(): number;
};

/**
 * The executor's edge: each delivery runs in a log context naming its organization, run and step, inside an
 * `executor.step` span that continues the trace of the request (its `traceparent`), and is timed by agent and
 * outcome. It also tracks the deliveries in progress for `handBack`.
 */
export const createDeliveryEdge = (deps: { metrics: RunMetrics; logger: Logger }): DeliveryEdge => {
  const holding = new Set<JsMsg>();
  const instrumented = async (handle: (m: JsMsg) => Promise<void>, m: JsMsg): Promise<void> => {
    const head = headOf(m);
    const scope: DeliveryScope = { agent: head.agent ?? 'unknown' };
    const ids = Object.fromEntries(Object.entries({ orgId: head.orgId, runId: head.runId, stepId: head.stepId }).filter((e): e is [string, string] => e[1] !== undefined));
    const attributes = { 'shaman.request_type': head.type, 'shaman.delivery': m.info.deliveryCount, 'shaman.run_id': head.runId ?? '', 'shaman.step_id': head.stepId ?? '' };
    const started = performance.now();
    holding.add(m);
    let outcome = 'settled';
    try {
      await withLogContext(ids, () => scopes.run(scope, () => inSpan('executor.step', { kind: SpanKind.CONSUMER, attributes, parent: contextOf({ traceparent: head.traceparent }) }, () => handle(m))));
    } catch (error) {
      outcome = 'failed';
      throw error;
    } finally {
      if (!holding.delete(m)) outcome = 'handed_back';
      deps.metrics.stepDuration.observe({ agent: scope.agent, outcome }, (performance.now() - started) / 1000);
    }
  };
  return {
    wrap: (handle) => (m) => instrumented(handle, m),
    handBack: () => {
      const count = holding.size;
      for (const m of holding) m.nak();
      holding.clear();
      if (count > 0) deps.logger.info({ count }, 'handed back unfinished steps');
      return count;
    },
  };
};
