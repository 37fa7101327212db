import { addLogContext } from '../log-context.js';
import { SpanKind, activeTraceparent, inSpan } from './spans.js';

type AnyEvent = { type: string; metadata?: unknown };
type Appending = { appendToStream(streamName: string, events: AnyEvent[], options?: unknown): Promise<unknown> };

/**
 * An event store whose appends are spans (`append <types>`, a producer span under the active one) and whose
 * events carry that span's `traceparent` in their metadata (and so in the commit's NATS headers), which is
 * how the executor continues the gateway's trace and the projector links its batches to both. Events that
 * already name a trace keep it. With tracing off nothing changes: no span, no metadata field.
 *
 * The run, step and organization of an append go onto the log context too (log-context.ts): a request that
 * learns its run id only when it appends still logs it from then on.
 */
export const traceAppends = <TStore extends object>(store: TStore): TStore => {
  const inner = store as unknown as Appending;
  const appendToStream = (streamName: string, events: AnyEvent[], options?: unknown): Promise<unknown> => {
    const first = events[0]?.metadata as { orgId?: unknown; runId?: unknown; stepId?: unknown } | undefined;
    const ids = Object.fromEntries(Object.entries({ orgId: first?.orgId, runId: first?.runId, stepId: first?.stepId }).filter((e): e is [string, string] => typeof e[1] === 'string'));
    addLogContext(ids);
    const types = [...new Set(events.map((e) => e.type))].join(',');
    return inSpan(`append ${types}`, { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': streamName, 'shaman.event_types': types, ...prefixed(ids) } }, async () => {
      const traceparent = activeTraceparent();
      const stamped = traceparent === undefined ? events : events.map((e) => stamp(e, traceparent));
      return inner.appendToStream(streamName, stamped, options);
    });
  };
  return Object.assign(Object.create(Object.getPrototypeOf(store) as object) as TStore, store, { appendToStream });
};

const stamp = (event: AnyEvent, traceparent: string): AnyEvent => {
  const metadata = (event.metadata ?? {}) as Record<string, unknown>;
  return typeof metadata['traceparent'] === 'string' ? event : { ...event, metadata: { ...metadata, traceparent } };
};

const prefixed = (ids: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(ids).map(([k, v]) => [`shaman.${k.replace(/Id$/, '_id')}`, v]));
