import { decodeCommit } from '@shaman/event-store';
import { ShamanEvent } from '@shaman/events';
import type { Logger } from '@shaman/platform';
import type { SequencedEvent } from './read-models/fold-steps.js';

/** One stream message, decoded: its sequence and the events of its commit that parsed. */
export type ReceivedCommit = { seq: number; events: SequencedEvent[] };

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
    return { seq, events: [] };
  }
  const events = raw.flatMap((candidate, index): SequencedEvent[] => {
    const parsed = ShamanEvent.safeParse(candidate);
    if (parsed.success) return [{ seq, event: parsed.data }];
    logger.warn({ seq, subject, index, issues: parsed.error.issues.slice(0, 5) }, 'skipping an event that does not parse');
    return [];
  });
  return { seq, events };
};
