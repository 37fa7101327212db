import type { JetStreamEventStore } from '@shaman/event-store';
import { RunLifecycleEvent, runFilter, ShamanEvent, type OrgId, type RunId } from '@shaman/events';
import type { ReceivedCommit } from '@shaman/projector';

/**
 * One recorded event with where it sits in the stream: a step's (`event`) or the run's own (`lifecycle`, e.g.
 * `RunCreated` on `run.<org>.<run>.<run>`). Both null when it does not parse: shown, never folded.
 */
export type RecordedEvent = { seq: number; subject: string; time: Date; index: number; raw: unknown; event: ShamanEvent | null; lifecycle: RunLifecycleEvent | null };

const LIFECYCLE_TYPES: ReadonlySet<string> = new Set(RunLifecycleEvent.options.map((o) => o.shape.type.value));

const parse = (raw: unknown): Pick<RecordedEvent, 'event' | 'lifecycle'> => {
  if (LIFECYCLE_TYPES.has(String((raw as { type?: unknown } | null)?.type))) {
    const lifecycle = RunLifecycleEvent.safeParse(raw);
    return { event: null, lifecycle: lifecycle.success ? lifecycle.data : null };
  }
  const parsed = ShamanEvent.safeParse(raw);
  return { event: parsed.success ? parsed.data : null, lifecycle: null };
};

/** Every event of one run under one organization's subjects, in stream order. */
export const readRunEvents = async (store: JetStreamEventStore, run: { orgId: string; runId: string }): Promise<RecordedEvent[]> => {
  const out: RecordedEvent[] = [];
  for await (const stored of store.readFilter(runFilter(run.orgId as OrgId, run.runId as RunId))) {
    stored.commit.events.forEach((raw, index) => {
      out.push({ seq: stored.seq, subject: stored.subject, time: stored.time, index, raw, ...parse(raw) });
    });
  }
  return out;
};

/** Whether any organization's subjects hold the run: tells "another organization's run" from "no such run". */
export const runExistsAnywhere = async (store: JetStreamEventStore, runId: string): Promise<boolean> => {
  for await (const _ of store.readFilter(`*.*.${runId}.>`)) return true;
  return false;
};

/** The run's events as the projector receives them (`decodeCommitMessage`): one entry per commit, the parsed events only. */
export const toReceivedCommits = (events: readonly RecordedEvent[]): ReceivedCommit[] => {
  const bySeq = new Map<number, ReceivedCommit>();
  for (const e of events) {
    const commit: ReceivedCommit = bySeq.get(e.seq) ?? { seq: e.seq, events: [], repositoryEvents: [], runEvents: [] };
    if (e.event !== null) commit.events.push({ seq: e.seq, event: e.event });
    if (e.lifecycle !== null) commit.runEvents.push({ seq: e.seq, event: e.lifecycle });
    bySeq.set(e.seq, commit);
  }
  return [...bySeq.values()];
};
