import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { EVENT_TYPES_HEADER, type JetStreamEventStore } from '@shaman/event-store';
import { ShamanEvent, TERMINAL_STEP_EVENTS, isTerminalStepEvent, type TerminalStepEvent } from '@shaman/events';

export type StepWatch = { until(timeoutMs: number): Promise<TerminalStepEvent | null>; dispose(): void };
export type RunWatcher = { watch(stepId: string): StepWatch; close(): void };

/**
 * Lets blocking requests wait for their step's end without a JetStream consumer per request: one core
 * subscription over every event subject (JetStream publishes reach plain subscribers too), routed
 * in-process by step id, with JSON parsed only for commits whose header names a terminal event.
 * Callers register *before* publishing the request, so nothing the executor records can be missed.
 *
 * Core subscribers see every publish, including ones JetStream refused (a fenced executor's stale append),
 * so a notification is only a hint: the terminal event is read back from the stream before anyone sees it.
 */
export const createRunWatcher = (nc: NatsConnection, store: JetStreamEventStore): RunWatcher => {
  const subjectPrefix = store.subjectPrefix;
  const waiters = new Map<string, Set<(event: TerminalStepEvent) => void>>();
  const sub: Subscription = nc.subscribe(`${subjectPrefix}.evt.>`, {
    callback: (error, msg) => {
      if (error) return;
      const stepId = msg.subject.slice(msg.subject.lastIndexOf('.') + 1);
      const listeners = waiters.get(stepId);
      if (!listeners) return;
      const types = msg.headers?.get(EVENT_TYPES_HEADER) ?? '';
      if (!TERMINAL_STEP_EVENTS.some((t) => types.includes(t))) return;
      void confirmed(store, msg.subject.slice(subjectPrefix.length + 1)).then((event) => {
        if (event) for (const notify of listeners) notify(event);
      });
    },
  });
  return {
    watch: (stepId) => {
      let resolveEnd: (event: TerminalStepEvent | null) => void = () => undefined;
      const ended = new Promise<TerminalStepEvent | null>((resolve) => (resolveEnd = resolve));
      const listener = (event: TerminalStepEvent) => resolveEnd(event);
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

/** The terminal event actually stored on a step's event subject, if any. */
const confirmed = async (store: JetStreamEventStore, streamName: string): Promise<TerminalStepEvent | null> => {
  const stored = await store.lastCommit(streamName).catch(() => null);
  for (const raw of stored?.commit.events ?? []) {
    const parsed = ShamanEvent.safeParse(raw);
    if (parsed.success && isTerminalStepEvent(parsed.data)) return parsed.data;
  }
  return null;
};
