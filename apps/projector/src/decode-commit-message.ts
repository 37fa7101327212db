import { decodeCommit } from '@shaman/event-store';
import { RegistryEvent, RepositoryEvent, RunLifecycleEvent, ShamanEvent } from '@shaman/events';
import type { Logger } from '@shaman/platform';
import type { SequencedRepositoryEvent } from './read-models/agent-definitions.js';
import type { SequencedRunEvent } from './read-models/created-runs.js';
import type { SequencedEvent } from './read-models/fold-steps.js';

/** One stream message, decoded: its sequence and the events of its commit that parsed, step or repository ones. */
export type ReceivedCommit = { seq: number; events: SequencedEvent[]; repositoryEvents: SequencedRepositoryEvent[]; runEvents: SequencedRunEvent[] };

const typesOf = (union: { options: readonly { shape: { type: { value: string } } }[] }): ReadonlySet<string> => new Set(union.options.map((o) => o.shape.type.value));
const REPOSITORY_EVENT_TYPES = typesOf(RepositoryEvent);
const RUN_EVENT_TYPES = typesOf(RunLifecycleEvent);
const REGISTRY_EVENT_TYPES = typesOf(RegistryEvent);
const typeOf = (candidate: unknown): string => String((candidate as { type?: unknown } | null)?.type);

// A module-level function, not a closure per commit: this runs for every message the projector and a rebuild read.
const skipEvent = (logger: Logger, at: { seq: number; subject: string; index: number }, issues: readonly unknown[]): void =>
  logger.warn({ ...at, issues: issues.slice(0, 5) }, 'skipping an event that does not parse');

/**
 * Decodes a commit and parses each event at this ingress (STYLE §3). What does not parse is logged with its
 * sequence and skipped: one bad message must not stop the projection of everything after it. The sequence is
 * kept either way, so the checkpoint moves past it.
 */
export const decodeCommitMessage = (message: { seq: number; subject: string; data: Uint8Array }, logger: Logger): ReceivedCommit => {
  const { seq, subject } = message;
  let raw: unknown[];
  try {
    raw = decodeCommit(message.data).events;
  } catch (err) {
    logger.warn({ seq, subject, err }, 'skipping a message that is not a commit');
    return { seq, events: [], repositoryEvents: [], runEvents: [] };
  }
  const received: ReceivedCommit = { seq, events: [], repositoryEvents: [], runEvents: [] };
  raw.forEach((candidate, index) => {
    if (REPOSITORY_EVENT_TYPES.has(typeOf(candidate))) {
      const parsed = RepositoryEvent.safeParse(candidate);
      if (parsed.success) received.repositoryEvents.push({ seq, event: parsed.data });
      else skipEvent(logger, { seq, subject, index }, parsed.error.issues);
      return;
    }
    // Registry events (added, removed, health, skips) feed no read model: checked, then left out (docs/agents.md).
    if (REGISTRY_EVENT_TYPES.has(typeOf(candidate))) {
      const parsed = RegistryEvent.safeParse(candidate);
      if (!parsed.success) skipEvent(logger, { seq, subject, index }, parsed.error.issues);
      return;
    }
    if (RUN_EVENT_TYPES.has(typeOf(candidate))) {
      const parsed = RunLifecycleEvent.safeParse(candidate);
      if (parsed.success) received.runEvents.push({ seq, event: parsed.data });
      else skipEvent(logger, { seq, subject, index }, parsed.error.issues);
      return;
    }
    const parsed = ShamanEvent.safeParse(candidate);
    if (parsed.success) received.events.push({ seq, event: parsed.data });
    else skipEvent(logger, { seq, subject, index }, parsed.error.issues);
  });
  return received;
};
