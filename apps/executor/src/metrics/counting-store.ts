import { countAppendedEvents, type RunMetrics } from '@shaman/platform';
import { currentDelivery } from './delivery-scope.js';

type AnyEvent = { type: string; data?: unknown };
type Appending = { appendToStream(streamName: string, events: AnyEvent[], options?: unknown): Promise<unknown> };

/**
 * Counts runs started/completed/failed and tokens from the events this executor appends, once each append
 * succeeded: a fenced or failed append counted nothing, and a redelivery does not count a step twice because
 * its StepStarted is appended once.
 */
export const countingStore = <TStore extends object>(store: TStore, metrics: RunMetrics): TStore => {
  const inner = store as unknown as Appending;
  const appendToStream = async (streamName: string, events: AnyEvent[], options?: unknown): Promise<unknown> => {
    const result = await inner.appendToStream(streamName, events, options);
    if ((result as { duplicate?: unknown }).duplicate !== true) countAppendedEvents(metrics, currentDelivery() ?? { agent: 'unknown' }, events);
    return result;
  };
  return Object.assign(Object.create(Object.getPrototypeOf(store) as object) as TStore, store, { appendToStream });
};
