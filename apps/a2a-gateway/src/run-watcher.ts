import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { EVENT_TYPES_HEADER, decodeCommit, type JetStreamEventStore } from '@shaman/event-store';
import { ShamanEvent, TERMINAL_STEP_EVENTS, isTerminalStepEvent, type StepInputRequired, type TerminalStepEvent } from '@shaman/events';

/** Where a blocking caller stops waiting: the step ended, or it waits for the caller's input. */
export type StepEnd = TerminalStepEvent | StepInputRequired;
export type StepWatch = { until(timeoutMs: number): Promise<StepEnd | null>; dispose(): void };

const END_TYPES: readonly string[] = [...TERMINAL_STEP_EVENTS, 'StepInputRequired'];
const isEnd = (event: ShamanEvent): event is StepEnd => isTerminalStepEvent(event) || event.type === 'StepInputRequired';
export type RunWatcher = { watch(stepId: string): StepWatch; close(): void };

/**
 * Lets blocking requests wait for their step's end (or its question: `StepInputRequired`) without a JetStream consumer per request: one core
 * subscription over every event subject (JetStream publishes reach plain subscribers too), routed
 * in-process by step id, with JSON parsed only for commits whose header names an end event.
 * Callers register *before* publishing the request, so nothing the executor records can be missed.
 *
 * Core subscribers see every publish, including ones JetStream refused (a fenced executor's stale append),
 * so a notification is only a hint: the event is read back from the stream before anyone sees it.
 */
export const createRunWatcher = (nc: NatsConnection, store: JetStreamEventStore): RunWatcher => {
  const subjectPrefix = store.subjectPrefix;
  const waiters = new Map<string, Set<(event: StepEnd) => void>>();
  const sub: Subscription = nc.subscribe(`${subjectPrefix}.evt.>`, {
    callback: (error, msg) => {
      if (error) return;
      const stepId = msg.subject.slice(msg.subject.lastIndexOf('.') + 1);
      const listeners = waiters.get(stepId);
      if (!listeners) return;
      const types = msg.headers?.get(EVENT_TYPES_HEADER) ?? '';
      if (!END_TYPES.some((t) => types.includes(t))) return;
      void confirmed(store, msg.subject.slice(subjectPrefix.length + 1), hintedIds(msg.data)).then((event) => {
        if (event) for (const notify of listeners) notify(event);
      });
    },
  });
  return {
    watch: (stepId) => {
      let resolveEnd: (event: StepEnd | null) => void = () => undefined;
      const ended = new Promise<StepEnd | null>((resolve) => (resolveEnd = resolve));
      const listener = (event: StepEnd) => resolveEnd(event);
      const set = waiters.get(stepId) ?? new Set();
      set.add(listener);
      waiters.set(stepId, set);
      const dispose = () => {
        set.delete(listener);
        if (set.size === 0) waiters.delete(stepId);
        resolveEnd(null);
      };
      return {
        dispose,
        until: async (timeoutMs) => {
          const timer = setTimeout(() => resolveEnd(null), timeoutMs);
          try {
            return await ended;
          } finally {
            clearTimeout(timer);
            dispose();
          }
        },
      };
    },
    close: () => sub.unsubscribe(),
  };
};

/** The ids of the events a published commit claims to hold; empty when it cannot be read. */
const hintedIds = (data: Uint8Array): ReadonlySet<string> => {
  try {
    return new Set(decodeCommit(data).events.map((e) => String((e as { metadata?: { eventId?: unknown } }).metadata?.eventId)));
  } catch {
    return new Set();
  }
};

/**
 * The end event actually stored on a step's event subject, if any: a terminal event is always the last commit;
 * a question may already be followed by more (answered fast), so it is looked up by the hinted event id.
 */
const confirmed = async (store: JetStreamEventStore, streamName: string, hinted: ReadonlySet<string>): Promise<StepEnd | null> => {
  const found = endIn((await store.lastCommit(streamName).catch(() => null))?.commit.events ?? [], hinted);
  if (found) return found;
  for await (const stored of store.readFilter(streamName)) {
    const event = endIn(stored.commit.events, hinted);
    if (event) return event;
  }
  return null;
};

const endIn = (raws: readonly unknown[], hinted: ReadonlySet<string>): StepEnd | null => {
  for (const raw of raws) {
    const parsed = ShamanEvent.safeParse(raw);
    if (parsed.success && isEnd(parsed.data) && (isTerminalStepEvent(parsed.data) || hinted.has(parsed.data.metadata.eventId))) return parsed.data;
  }
  return null;
};
