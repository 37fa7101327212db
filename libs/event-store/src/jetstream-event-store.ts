import {
  ExpectedVersionConflictError,
  NO_CONCURRENCY_CHECK,
  STREAM_DOES_NOT_EXIST,
  STREAM_EXISTS,
  type AggregateStreamOptions,
  type AggregateStreamResult,
  type AppendToStreamOptions,
  type AppendToStreamResultWithGlobalPosition,
  type Event,
  type EventStore,
  type ExpectedStreamVersion,
  type ReadEvent,
  type ReadEventMetadataWithGlobalPosition,
  type ReadStreamOptions,
  type ReadStreamResult,
} from '@event-driven-io/emmett';
import { JetStreamApiError, jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { createAckedPublisher } from './acked-publisher.js';
import { commitHeaders, commitIdOf, encodeCommit } from './commit.js';
import { firstCommitOn, lastCommitOn, readCommits, type StoredCommit } from './read-subjects.js';

export type NatsReadEventMetadata = ReadEventMetadataWithGlobalPosition<bigint>;

/**
 * Emmett's event store over one JetStream stream. A stream name is a subject relative to `subjectPrefix`; its
 * version is the stream sequence of its last commit (0 when empty), so "expected version" maps onto
 * JetStream's per-subject optimistic concurrency (`Nats-Expected-Last-Subject-Sequence`). Positions are
 * stream sequences: comparable across subjects, but not 1..n per stream.
 */
export interface JetStreamEventStore extends EventStore<NatsReadEventMetadata> {
  appendToStream<TEvent extends Event, TPayload extends Event = TEvent>(
    streamName: string,
    events: TEvent[],
    options?: AppendToStreamOptions<bigint, TEvent, TPayload>,
  ): Promise<AppendToStreamResultWithGlobalPosition<bigint, bigint> & { duplicate: boolean }>;
  /** The full subject of a stream name. */
  subjectOf(streamName: string): string;
  /** Every commit whose subject matches a relative filter (wildcards allowed), in order. */
  readFilter(filter: string, options?: { fromSeq?: number; toSeq?: number }): AsyncGenerator<StoredCommit>;
  /** The last commit on a relative filter (wildcards allowed). */
  lastCommit(filter: string): Promise<StoredCommit | null>;
  /** The first commit on a relative filter (wildcards allowed) at or after `fromSeq` (default 1). */
  firstCommit(filter: string, fromSeq?: number): Promise<StoredCommit | null>;
  readonly stream: string;
  readonly subjectPrefix: string;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
}

export type JetStreamEventStoreOptions = { nc: NatsConnection; stream: string; subjectPrefix: string };

/** JetStream's "wrong last sequence: N" (10071). */
const WRONG_LAST_SEQUENCE = 10071;
/** How long an append waits for JetStream's acknowledgement (the client's default for `js.publish`). */
const PUBLISH_TIMEOUT_MS = 5_000;
const MSG_ID_HEADER = 'Nats-Msg-Id';
const EXPECTED_LAST_SUBJECT_SEQUENCE_HEADER = 'Nats-Expected-Last-Subject-Sequence';

export const createJetStreamEventStore = async (options: JetStreamEventStoreOptions): Promise<JetStreamEventStore> => {
  const js = jetstream(options.nc);
  const jsm = await jetstreamManager(options.nc);
  const publisher = createAckedPublisher(options.nc, { timeoutMs: PUBLISH_TIMEOUT_MS });
  const { stream, subjectPrefix } = options;
  const subjectOf = (name: string): string => `${subjectPrefix}.${name}`;
  const currentVersion = async (name: string): Promise<bigint> => BigInt((await lastCommitOn(jsm, stream, subjectOf(name)))?.seq ?? 0);

  const readStream = async <TEvent extends Event, TPayload extends Event = TEvent>(
    streamName: string,
    read?: ReadStreamOptions<bigint, TEvent, TPayload>,
  ): Promise<ReadStreamResult<TEvent, NatsReadEventMetadata>> => {
    const events: ReadEvent<TEvent, NatsReadEventMetadata>[] = [];
    let version = 0n;
    const from = read?.from === undefined ? undefined : Number(read.from);
    const to = read?.to === undefined ? undefined : Number(read.to);
    for await (const stored of readCommits({ js, jsm }, { stream, filter: subjectOf(streamName), fromSeq: from, toSeq: to })) {
      version = BigInt(stored.seq);
      stored.commit.events.forEach((e, i) => {
        const metadata = { ...(e as { metadata?: object }).metadata, messageId: `${stored.seq}:${i}`, streamName, streamPosition: version, globalPosition: version };
        events.push({ ...(e as TEvent), kind: 'Event', metadata } as ReadEvent<TEvent, NatsReadEventMetadata>);
      });
      if (read?.maxCount !== undefined && BigInt(events.length) >= read.maxCount) break;
    }
    if (read?.expectedStreamVersion !== undefined) assertExpected(await currentVersion(streamName), read.expectedStreamVersion);
    return { currentStreamVersion: version, events, streamExists: version > 0n };
  };

  const appendToStream = async <TEvent extends Event, TPayload extends Event = TEvent>(
    streamName: string,
    events: TEvent[],
    append?: AppendToStreamOptions<bigint, TEvent, TPayload>,
  ): Promise<AppendToStreamResultWithGlobalPosition<bigint, bigint> & { duplicate: boolean }> => {
    if (events.length === 0) throw new Error('appendToStream needs at least one event');
    const expected = await resolveExpected(append?.expectedStreamVersion ?? NO_CONCURRENCY_CHECK, () => currentVersion(streamName));
    const payload = encodeCommit(events);
    try {
      const headers = commitHeaders(events);
      headers.set(MSG_ID_HEADER, commitIdOf(events, randomUUID));
      if (expected !== null) headers.set(EXPECTED_LAST_SUBJECT_SEQUENCE_HEADER, expected.toString());
      const ack = await publisher.publish(subjectOf(streamName), payload, headers);
      if (ack.duplicate) await assertSameCommit(jsm, { stream, seq: ack.seq, payload, expected: append?.expectedStreamVersion });
      const seq = BigInt(ack.seq);
      return { nextExpectedStreamVersion: seq, lastEventGlobalPosition: seq, createdNewStream: expected === 0n, duplicate: ack.duplicate };
    } catch (error) {
      if (error instanceof JetStreamApiError && error.code === WRONG_LAST_SEQUENCE) {
        const current = BigInt(/wrong last sequence: (\d+)/.exec(error.message)?.[1] ?? -1);
        throw new ExpectedVersionConflictError(current, append?.expectedStreamVersion ?? NO_CONCURRENCY_CHECK);
      }
      throw error;
    }
  };

  const aggregateStream = async <State, TEvent extends Event, TPayload extends Event = TEvent>(
    streamName: string,
    agg: AggregateStreamOptions<State, TEvent, NatsReadEventMetadata, TPayload>,
  ): Promise<AggregateStreamResult<State, bigint>> => {
    const result = await readStream<TEvent, TPayload>(streamName, agg.read);
    const evolve = agg.evolve as (s: State, e: ReadEvent<TEvent, NatsReadEventMetadata>) => State;
    const state = result.events.reduce(evolve, agg.initialState());
    return { currentStreamVersion: result.currentStreamVersion, state, streamExists: result.streamExists };
  };

  return {
    stream,
    subjectPrefix,
    js,
    jsm,
    subjectOf,
    readStream,
    appendToStream,
    aggregateStream,
    streamExists: async (name) => (await currentVersion(name)) > 0n,
    readFilter: (filter, opts) => readCommits({ js, jsm }, { stream, filter: subjectOf(filter), ...opts }),
    lastCommit: (filter) => lastCommitOn(jsm, stream, subjectOf(filter)),
    firstCommit: (filter, fromSeq) => firstCommitOn(jsm, { stream, subject: subjectOf(filter), fromSeq }),
  };
};

/**
 * JetStream checks `Nats-Msg-Id` before the expected sequence, so a writer whose commit id collides with a
 * stored one gets a "duplicate" ack even if its content differs. Only a byte-identical retry is a no-op;
 * anything else is a lost race, and must fence the writer like any version conflict.
 */
const assertSameCommit = async (
  jsm: JetStreamManager,
  dup: { stream: string; seq: number; payload: Uint8Array; expected: ExpectedStreamVersion<bigint> | undefined },
): Promise<void> => {
  const stored = await jsm.streams.getMessage(dup.stream, { seq: dup.seq });
  if (stored && Buffer.from(stored.data).equals(Buffer.from(dup.payload))) return;
  throw new ExpectedVersionConflictError(BigInt(dup.seq), dup.expected ?? NO_CONCURRENCY_CHECK);
};

/** Maps emmett's expected version onto a last-subject-sequence header value; null means no check. */
const resolveExpected = async (expected: ExpectedStreamVersion<bigint>, current: () => Promise<bigint>): Promise<bigint | null> => {
  if (expected === NO_CONCURRENCY_CHECK) return null;
  if (expected === STREAM_DOES_NOT_EXIST) return 0n;
  if (expected === STREAM_EXISTS) {
    // JetStream cannot express "any non-zero sequence"; pin the current one, which is at least as strict.
    const version = await current();
    if (version === 0n) throw new ExpectedVersionConflictError(0n, STREAM_EXISTS);
    return version;
  }
  return expected as bigint;
};

const assertExpected = (current: bigint, expected: ExpectedStreamVersion<bigint>): void => {
  const ok =
    expected === NO_CONCURRENCY_CHECK ||
    (expected === STREAM_EXISTS && current > 0n) ||
    (expected === STREAM_DOES_NOT_EXIST && current === 0n) ||
    expected === current;
  if (!ok) throw new ExpectedVersionConflictError(current, expected);
};
