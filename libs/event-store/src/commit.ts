import type { Event } from '@event-driven-io/emmett';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';

/**
 * One JetStream message per commit (DESIGN §3): a decision's events travel together or not at all, because
 * nats-server 2.9 has no atomic multi-message publish. The commit id is the `Nats-Msg-Id`.
 */
export type Commit<TEvent extends Event = Event> = { v: 1; events: TEvent[] };

export const EVENT_TYPES_HEADER = 'Shaman-Event-Types';
export const TRACEPARENT_HEADER = 'traceparent';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const encodeCommit = <TEvent extends Event>(events: TEvent[]): Uint8Array =>
  encoder.encode(JSON.stringify({ v: 1, events } satisfies Commit<TEvent>));

/** Decodes a stored commit. Contents are not trusted here: apps parse each event with its zod schema. */
export const decodeCommit = (data: Uint8Array): Commit => {
  const parsed: unknown = JSON.parse(decoder.decode(data));
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as Commit).events)) {
    throw new Error('not a Shaman commit: missing events array');
  }
  return parsed as Commit;
};

/**
 * Headers every commit carries: the event types (so a router can skip commits it does not care about
 * without parsing JSON) and the trace context of the first event, if any.
 */
export const commitHeaders = (events: readonly Event[]): MsgHdrs => {
  const h = natsHeaders();
  h.set(EVENT_TYPES_HEADER, events.map((e) => e.type).join(','));
  const traceparent = (events[0] as { metadata?: { traceparent?: unknown } } | undefined)?.metadata?.traceparent;
  if (typeof traceparent === 'string') h.set(TRACEPARENT_HEADER, traceparent);
  return h;
};

/** The commit id: the first event's `metadata.eventId` when it has one (deterministic ids dedupe retries). */
export const commitIdOf = (events: readonly Event[], fallback: () => string): string => {
  const id = (events[0] as { metadata?: { eventId?: unknown } } | undefined)?.metadata?.eventId;
  return typeof id === 'string' ? id : fallback();
};
