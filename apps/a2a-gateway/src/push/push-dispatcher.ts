import { DeliverPolicy, jetstream, jetstreamManager, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { decodeCommit, EVENT_TYPES_HEADER } from '@shaman/event-store';
import { ShamanEvent, parseStreamName, type ShamanEventType } from '@shaman/events';
import { withTransaction, type Logger, type Pool } from '@shaman/platform';
import { setTimeout as sleep } from 'node:timers/promises';
import { advanceDispatchCheckpoint, configuredTasks, lockDispatchCheckpoint, readDispatchCheckpoint, configsOfTasks, recordDeliveries, type TaskUpdate } from './outbox.js';

/** The events that move a Task's state: one notification each (docs/a2a.md, "Push notifications"). */
export const NOTIFYING_EVENTS: ReadonlySet<ShamanEventType> = new Set(['RunRequested', 'StepStarted', 'StepInputRequired', 'StepInputProvided', 'StepCompleted', 'StepFailed', 'StepCanceled']);

/** How long caught-up events wait to be recorded together (see `consume`). */
const FLUSH_INTERVAL_MS = 20;
/** How often the checkpoint moves past batches that notified nobody (see `flush`). */
const IDLE_CHECKPOINT_MS = 1_000;

export type PushDispatcherDeps = {
  pool: Pool;
  nc: NatsConnection;
  layout: { stream: string; subjectPrefix: string };
  logger: Logger;
  /** Called after a batch committed, for each config that got new deliveries. */
  onRecorded: (orgId: string, configKey: string) => Promise<void>;
  name?: string;
  batchMax?: number;
};

export type PushDispatcher = { start(): Promise<void>; stop(): Promise<void>; position(): number };

/** A commit that may notify: its task from the subject, decoded only if that task turns out to have a config. */
type Candidate = { orgId: string; taskId: string; seq: number; data: Uint8Array };

const candidateOf = (m: JsMsg, subjectPrefix: string): Candidate | null => {
  const types = m.headers?.get(EVENT_TYPES_HEADER);
  // Commits say what they hold in a header: most (LLM responses, tool calls) are skipped without parsing.
  if (types && !types.split(',').some((t) => NOTIFYING_EVENTS.has(t as ShamanEventType))) return null;
  const address = parseStreamName(m.subject.slice(subjectPrefix.length + 1));
  return address ? { orgId: address.orgId, taskId: address.stepId, seq: m.seq, data: m.data } : null;
};

const updatesOf = (candidate: Candidate, logger: Logger): TaskUpdate[] => {
  try {
    return decodeCommit(candidate.data).events.flatMap((raw, index): TaskUpdate[] => {
      const parsed = ShamanEvent.safeParse(raw);
      if (!parsed.success || !NOTIFYING_EVENTS.has(parsed.data.type)) return [];
      const { orgId, stepId, eventId } = parsed.data.metadata;
      return [{ orgId, taskId: stepId, eventId, eventType: parsed.data.type, seq: candidate.seq, index }];
    });
  } catch (err) {
    logger.warn({ seq: candidate.seq, err }, 'push dispatcher: skipping a message that is not a commit');
    return [];
  }
};

/**
 * Turns step events into pending deliveries (the outbox the sender drains). Like the projector it reads with
 * an ordered consumer from a checkpoint kept in PostgreSQL, and records a batch's deliveries in the same
 * transaction that advances the checkpoint, under a row lock: across any number of gateways every event is
 * recorded once, in stream order, so a config's outbox order is the events' order. A re-read message finds
 * its rows already there (unique per config and event) and adds nothing.
 */
export const createPushDispatcher = (deps: PushDispatcherDeps): PushDispatcher => {
  const name = deps.name ?? 'push';
  const batchMax = deps.batchMax ?? 256;
  const halt = new AbortController();
  let position = 0;
  let loop: Promise<void> | null = null;

  let checkpointedAt = 0;
  /**
   * Few tasks have a push config: a batch first asks which of its tasks do, in one statement. When none does,
   * nothing is recorded and no transaction is taken; the checkpoint moves past such batches at most once a
   * second. A restart re-reads that second and finds, at most, a config created since: its task's latest
   * events are then recorded too (unique per config and event, and in stream order like any others).
   */
  const flush = async (candidates: Candidate[], lastSeq: number): Promise<void> => {
    const configured = await configuredTasks(deps.pool, [...new Map(candidates.map((c) => [c.taskId, c])).values()]);
    if (configured.size === 0) {
      if (Date.now() - checkpointedAt >= IDLE_CHECKPOINT_MS) {
        await advanceDispatchCheckpoint(deps.pool, name, lastSeq);
        checkpointedAt = Date.now();
      }
      position = Math.max(position, lastSeq);
      return;
    }
    await record(candidates.filter((c) => configured.has(c.taskId)), lastSeq);
  };

  /** Records the batch's deliveries and advances the checkpoint, under its lock (one gateway at a time). */
  const record = async (candidates: Candidate[], lastSeq: number): Promise<void> => {
    const touched = await withTransaction(deps.pool, async (client) => {
      // Derived from the stream and re-derived after a crash from the checkpoint committed with it: an fsync per
      // flush buys nothing (docs/performance.md, "Asynchronous commits").
      await client.query('SET LOCAL synchronous_commit = off');
      const from = await lockDispatchCheckpoint(client, name);
      const byOrg = new Map<string, Candidate[]>();
      for (const c of candidates) if (c.seq > from) byOrg.set(c.orgId, [...(byOrg.get(c.orgId) ?? []), c]);
      const out: { orgId: string; configKey: string }[] = [];
      for (const [orgId, list] of byOrg) {
        const configs = await configsOfTasks(client, orgId, [...new Set(list.map((c) => c.taskId))]);
        if (configs.length === 0) continue;
        const configured = new Set(configs.map((c) => c.taskId));
        const updates = list.filter((c) => configured.has(c.taskId)).flatMap((c) => updatesOf(c, deps.logger));
        for (const configKey of await recordDeliveries(client, orgId, { configs, updates })) out.push({ orgId, configKey });
      }
      await advanceDispatchCheckpoint(client, name, lastSeq);
      return out;
    });
    position = Math.max(position, lastSeq);
    for (const t of touched) await deps.onRecorded(t.orgId, t.configKey);
  };

  const open = async (): Promise<ConsumerMessages> => {
    const streamEnd = async () => (await (await jetstreamManager(deps.nc)).streams.info(deps.layout.stream)).state.last_seq;
    position = await readDispatchCheckpoint(deps.pool, name, streamEnd);
    const consumer = await jetstream(deps.nc).consumers.get(deps.layout.stream, {
      filter_subjects: `${deps.layout.subjectPrefix}.>`, // one filter subject: nats-server 2.9
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: position + 1,
    });
    return consumer.consume({ max_messages: batchMax });
  };

  // A full batch flushes at once (back-pressure); otherwise a batch flushes FLUSH_INTERVAL_MS after the consumer
  // first caught up. One transaction per interval instead of one per commit: at a thousand runs a second that is
  // the difference between a few transactions and thousands, for a notification that waits a few milliseconds.
  const consume = async (messages: ConsumerMessages): Promise<void> => {
    const close = (): void => void messages.close();
    halt.signal.addEventListener('abort', close, { once: true });
    let batch: Candidate[] = [];
    let lastSeq = 0;
    let seen = 0;
    let timer: NodeJS.Timeout | null = null;
    let flushing: Promise<void> = Promise.resolve();
    const stopped: { failure: { error: unknown } | null } = { failure: null };
    const flushNow = (): Promise<void> => {
      if (timer) clearTimeout(timer);
      timer = null;
      if (seen === 0) return flushing;
      const [updates, upTo] = [batch, lastSeq];
      [batch, seen] = [[], 0];
      // After a failed flush nothing later may commit: its checkpoint would skip the failed batch's events.
      flushing = flushing.then(() => (stopped.failure ? undefined : flush(updates, upTo))).catch((error: unknown) => {
        stopped.failure ??= { error };
        close(); // the loop ends, and the next consumer starts again from the checkpoint
      });
      return flushing;
    };
    try {
      for await (const m of messages) {
        const candidate = candidateOf(m, deps.layout.subjectPrefix);
        if (candidate) batch.push(candidate);
        lastSeq = m.seq;
        seen += 1;
        if (seen >= batchMax) await flushNow();
        else if (m.info.pending === 0) timer ??= setTimeout(() => void flushNow(), FLUSH_INTERVAL_MS);
      }
    } finally {
      halt.signal.removeEventListener('abort', close);
      close(); // also when a flush failed: the next consumer starts again from the checkpoint
      await flushNow();
    }
    if (stopped.failure) throw stopped.failure.error;
  };

  const run = async (first: ConsumerMessages): Promise<void> => {
    let next: ConsumerMessages | null = first;
    let failures = 0;
    while (!halt.signal.aborted && !deps.nc.isClosed()) {
      try {
        await consume(next ?? (await open()));
        failures = 0;
      } catch (err) {
        failures += 1;
        deps.logger.error({ err, failures }, 'push dispatcher interrupted; resuming from its checkpoint');
      }
      next = null;
      await sleep(Math.min(5000, 100 * 2 ** failures), undefined, { signal: halt.signal }).catch(() => undefined);
    }
  };

  return {
    start: async () => {
      loop = run(await open());
    },
    stop: async () => {
      halt.abort();
      await loop;
      // What was read without notifying anyone need not be read again by the next start.
      if (position > 0) await advanceDispatchCheckpoint(deps.pool, name, position).catch((err: unknown) => deps.logger.warn({ err }, 'push dispatcher: checkpoint not saved at stop'));
    },
    position: () => position,
  };
};
