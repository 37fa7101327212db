import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { EVENT_TYPES_HEADER } from '@shaman/event-store';
import { parseStreamName } from '@shaman/events';
import { performance } from 'node:perf_hooks';

/** One commit as a core-NATS subscriber sees it: where it was appended, its event types, and when it arrived. */
export type SeenCommit = { kind: 'req' | 'evt'; orgId: string; runId: string; stepId: string; types: string[]; at: number };

/**
 * Watches commits as they are appended, through a plain NATS subscription: a JetStream publish is also
 * delivered to core subscribers of its subject, at the moment the server receives it, so `at`
 * (`performance.now()` in this process) is the append time as this process can know it. Only the
 * `Shaman-Event-Types` header is read, never the payload. A hint, not a fact (a publish JetStream refuses
 * reaches it too), which is all a benchmark's clock needs.
 */
export const watchCommits = (input: { nc: NatsConnection; subjectPrefix: string; filter: string; onCommit: (commit: SeenCommit) => void }): { stop(): void } => {
  const strip = `${input.subjectPrefix}.`.length;
  const sub: Subscription = input.nc.subscribe(`${input.subjectPrefix}.${input.filter}`, {
    callback: (error, msg) => {
      if (error) return;
      const at = performance.now();
      const address = parseStreamName(msg.subject.slice(strip));
      if (address === null) return;
      const types = (msg.headers?.get(EVENT_TYPES_HEADER) ?? '').split(',').filter(Boolean);
      input.onCommit({ ...address, types, at });
    },
  });
  return { stop: () => sub.unsubscribe() };
};
