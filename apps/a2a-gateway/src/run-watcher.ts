import { DeliverPolicy, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { EVENT_TYPES_HEADER, decodeCommit, type JetStreamEventStore } from '@shaman/event-store';
import { ShamanEvent, TERMINAL_STEP_EVENTS, isTerminalStepEvent, type StepInputRequired, type TerminalStepEvent } from '@shaman/events';
import type { Logger } from '@shaman/platform';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/** Where a blocking caller stops waiting: the step ended, or it waits for the caller's input. */
export type StepEnd = TerminalStepEvent | StepInputRequired;
/**
 * `until` resolves with the step's first end stored after `afterSeq` (the caller's own append: a question asked
 * before it was answered by that very append), or null on timeout or `dispose`.
 */
export type StepWatch = { until(timeoutMs: number, afterSeq?: number): Promise<StepEnd | null>; dispose(): void };
/** `waiting`: how many watches are registered now (each blocking request holds one until it answers). */
export type RunWatcher = { watch(stepId: string): StepWatch; waiting(): number; close(): Promise<void> };

/** The watcher's ordered consumer's name starts with this, so operators (and tests) can tell it from others. */
export const WATCH_CONSUMER_PREFIX = 'a2awatch';

const END_TYPES: readonly string[] = [...TERMINAL_STEP_EVENTS, 'StepInputRequired'];
const isEnd = (event: ShamanEvent): event is StepEnd => isTerminalStepEvent(event) || event.type === 'StepInputRequired';
const RESTART_MS = 200;

type Seen = { seq: number; event: StepEnd };

/**
 * Lets blocking requests wait for their step's end (or its question: `StepInputRequired`) without a JetStream
 * consumer per request: one ordered consumer per gateway over every event subject, routed in-process by step id,
 * with JSON parsed only for commits whose header names an end event and whose step someone waits for. A consumer
 * delivers only what the stream stored, so an end is believed as it arrives: nothing is read back (a plain
 * subscription would also see a fenced executor's refused append). Callers register *before* they append, and
 * the consumer exists before the gateway takes a request, so nothing the executor records can be missed; should
 * the consumer stop, the next one starts after the last sequence this one delivered.
 */
export const createRunWatcher = async (nc: NatsConnection, store: JetStreamEventStore, logger?: Logger): Promise<RunWatcher> => {
  const subjectPrefix = store.subjectPrefix;
  const waiters = new Map<string, Set<(seen: Seen) => void>>();
  const halt = new AbortController();
  // Where the first consumer starts: after what the stream holds now. Every consumer starts after `position`,
  // so one that replaces another (even before it delivered anything) leaves no gap.
  let position = (await store.jsm.streams.info(store.stream)).state.last_seq;

  const route = (m: JsMsg): void => {
    position = m.seq;
    const stepId = m.subject.slice(m.subject.lastIndexOf('.') + 1);
    const listeners = waiters.get(stepId);
    if (!listeners) return;
    const types = m.headers?.get(EVENT_TYPES_HEADER) ?? '';
    if (!END_TYPES.some((t) => types.includes(t))) return;
    const event = endIn(m.data);
    if (event) for (const notify of listeners) notify({ seq: m.seq, event });
  };

  type Opened = { messages: ConsumerMessages; remove(): Promise<void> };
  const open = async (): Promise<Opened> => {
    const consumer = await store.js.consumers.get(store.stream, {
      name_prefix: `${WATCH_CONSUMER_PREFIX}${randomUUID().replaceAll('-', '')}`,
      filter_subjects: `${subjectPrefix}.evt.>`, // one filter subject: nats-server 2.9
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: position + 1,
    });
    // Ordered consumers are ephemeral but linger until their inactivity threshold: each one is removed when done.
    return { messages: await consumer.consume({ max_messages: 1024 }), remove: () => consumer.delete().then(() => undefined, () => undefined) };
  };

  // The ordered consumer recreates itself after most faults; this loop covers the ones that end its iterator.
  const pump = async (first: Opened): Promise<void> => {
    let opened: Opened | null = first;
    while (!halt.signal.aborted && !nc.isClosed()) {
      try {
        opened ??= await open();
        const current = opened;
        const stop = (): void => void current.messages.close();
        halt.signal.addEventListener('abort', stop, { once: true });
        try {
          for await (const m of current.messages) route(m);
        } finally {
          halt.signal.removeEventListener('abort', stop);
          await current.remove();
        }
      } catch (err) {
        if (!halt.signal.aborted && !nc.isClosed()) logger?.warn({ err, position }, 'run watcher: consumer stopped; reopening after the last sequence it delivered');
      }
      opened = null;
      await sleep(RESTART_MS, undefined, { signal: halt.signal }).catch(() => undefined);
    }
  };
  const running = pump(await open());

  return {
    watch: (stepId) => {
      const seen: Seen[] = [];
      let wake: (() => void) | null = null;
      let disposed = false;
      const listener = (s: Seen) => {
        seen.push(s);
        wake?.();
      };
      const set = waiters.get(stepId) ?? new Set();
      set.add(listener);
      waiters.set(stepId, set);
      const dispose = () => {
        disposed = true;
        set.delete(listener);
        if (set.size === 0 && waiters.get(stepId) === set) waiters.delete(stepId);
        wake?.();
      };
      return {
        dispose,
        until: async (timeoutMs, afterSeq = 0) => {
          const timer = setTimeout(dispose, timeoutMs);
          try {
            for (;;) {
              const found = seen.find((s) => s.seq > afterSeq);
              if (found) return found.event;
              if (disposed) return null;
              await new Promise<void>((resolve) => (wake = resolve));
            }
          } finally {
            clearTimeout(timer);
            dispose();
          }
        },
      };
    },
    waiting: () => [...waiters.values()].reduce((n, set) => n + set.size, 0),
    close: async () => {
      halt.abort();
      await running;
    },
  };
};

/** The end event a stored commit holds, if any: its terminal event before a question it may also hold. */
const endIn = (data: Uint8Array): StepEnd | null => {
  let raws: readonly unknown[];
  try {
    raws = decodeCommit(data).events;
  } catch {
    return null;
  }
  // Only the end events are validated: a final commit also carries the step's start, model calls and tools.
  const ends = raws.flatMap((raw) => {
    const type = (raw as { type?: unknown } | null)?.type;
    if (typeof type !== 'string' || !END_TYPES.includes(type)) return [];
    const parsed = ShamanEvent.safeParse(raw);
    return parsed.success && isEnd(parsed.data) ? [parsed.data] : [];
  });
  return ends.find(isTerminalStepEvent) ?? ends[0] ?? null;
};
