import type { JetStreamEventStore } from '@shaman/event-store';
import { ShamanEvent } from '@shaman/events';
import { streamEventToV1 } from '../protocol/v1-outbound.js';
import { viewFromEvents } from '../tasks/task-reader.js';
import { toA2ATask, type A2ATask } from '../tasks/task-view.js';

/**
 * The Task as it was right after one event (stream sequence `seq`, position `index` in its commit): what the
 * v0.3 notification for that event carries. Folding only up to that event makes a retried notification send
 * the same body as its first try, and keeps successive notifications showing successive states even when the
 * sender runs behind the step.
 */
export const taskAsOf = async (store: JetStreamEventStore, at: { orgId: string; taskId: string; seq: number; index: number }): Promise<A2ATask | null> => {
  const events: ShamanEvent[] = [];
  for await (const stored of store.readFilter(`*.${at.orgId}.*.${at.taskId}`, { toSeq: at.seq })) {
    stored.commit.events.forEach((raw, index) => {
      if (stored.seq === at.seq && index > at.index) return;
      const parsed = ShamanEvent.safeParse(raw);
      if (parsed.success) events.push(parsed.data);
    });
  }
  const view = viewFromEvents(events);
  return view ? toA2ATask(view) : null;
};

/** The body of a notification: the v0.3 Task (spec 0.3), or for a config created over v1.0 a StreamResponse `{task}`. */
export const notificationBody = (task: A2ATask, version: '0.3' | '1.0'): string => JSON.stringify(version === '1.0' ? streamEventToV1(task) : task);
