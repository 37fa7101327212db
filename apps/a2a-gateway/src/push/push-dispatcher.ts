import { DeliverPolicy, jetstream, jetstreamManager, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { decodeCommit, EVENT_TYPES_HEADER } from '@shaman/event-store';
import { ShamanEvent, type ShamanEventType } from '@shaman/events';
import { withTransaction, type Logger, type Pool } from '@shaman/platform';
import { setTimeout as sleep } from 'node:timers/promises';
import { advanceDispatchCheckpoint, lockDispatchCheckpoint, readDispatchCheckpoint, recordDeliveries, type TaskUpdate } from './outbox.js';

/** The events that move a Task's state: one notification each (docs/a2a.md, "Push notifications"). */
export const NOTIFYING_EVENTS: ReadonlySet<ShamanEventType> = new Set(['RunRequested', 'StepStarted', 'StepInputRequired', 'StepInputProvided', 'StepCompleted', 'StepFailed', 'StepCanceled']);

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

const updatesOf = (m: JsMsg, logger: Logger): TaskUpdate[] => {
  const types = m.headers?.get(EVENT_TYPES_HEADER);
  // Commits say what they hold in a header: most (LLM responses, tool calls) are skipped without parsing.
  if (types && !types.split(',').some((t) => NOTIFYING_EVENTS.has(t as ShamanEventType))) return [];
  try {
    return decodeCommit(m.data).events.flatMap((raw, index): TaskUpdate[] => {
      const parsed = ShamanEvent.safeParse(raw);
      if (!parsed.success || !NOTIFYING_EVENTS.has(parsed.data.type)) return [];
      const { orgId, stepId, eventId } = parsed.data.metadata;
      return [{ orgId, taskId: stepId, eventId, eventType: parsed.data.type, seq: m.seq, index }];
    });
  } catch (err) {
    logger.warn({ seq: m.seq, err }, 'push dispatcher: skipping a message that is not a commit');
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

  const flush = async (updates: TaskUpdate[], lastSeq: number): Promise<void> => {
    const touched = await withTransaction(deps.pool, async (client) => {
      const from = await lockDispatchCheckpoint(client, name);
      const fresh = updates.filter((u) => u.seq > from);
      const byOrg = new Map<string, TaskUpdate[]>();
      for (const u of fresh) byOrg.set(u.orgId, [...(byOrg.get(u.orgId) ?? []), u]);
      const out: { orgId: string; configKey: string }[] = [];
      for (const [orgId, list] of byOrg) for (const configKey of await recordDeliveries(client, orgId, list)) out.push({ orgId, configKey });
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

  // Flushes when the consumer has caught up (nothing pending) or the batch is full: no timer, no lag at low load.
  const consume = async (messages: ConsumerMessages): Promise<void> => {
    const close = (): void => void messages.close();
    halt.signal.addEventListener('abort', close, { once: true });
    let batch: TaskUpdate[] = [];
    let seen = 0;
    try {
      for await (const m of messages) {
        batch.push(...updatesOf(m, deps.logger));
        seen += 1;
        if (m.info.pending > 0 && seen < batchMax) continue;
        await flush(batch, m.seq);
        batch = [];
        seen = 0;
      }
    } finally {
      halt.signal.removeEventListener('abort', close);
      close(); // also when a flush failed: the next consumer starts again from the checkpoint
    }
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
    },
    position: () => position,
  };
};
