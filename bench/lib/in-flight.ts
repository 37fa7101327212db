import type { NatsConnection } from '@nats-io/transport-node';
import { TERMINAL_STEP_EVENTS } from '@shaman/events';
import { performance } from 'node:perf_hooks';
import { watchCommits } from './commit-watch.js';

const TERMINAL = new Set<string>(TERMINAL_STEP_EVENTS);

export type InFlightWatch = {
  /** Steps claimed (StepStarted) and not yet ended, now; and the most there were at once. */
  inFlight(): number;
  peak(): number;
  /** Steps ended, and those that ended in anything but StepCompleted. */
  ended(): number;
  failed(): number;
  /** When each step ended (performance.now()), by step id. */
  endedAt: ReadonlyMap<string, number>;
  stop(): void;
};

/**
 * Counts what the executors carry from the step events as they are appended (commit-watch.ts): a step is in
 * flight from its claim (`StepStarted`) to its terminal event.
 */
export const watchInFlight = (input: { nc: NatsConnection; subjectPrefix: string }): InFlightWatch => {
  const started = new Set<string>();
  const endedAt = new Map<string, number>();
  let peak = 0;
  let failed = 0;
  // Ends of steps this watch saw start: a straggler of an earlier level ends without ever having been counted in.
  let endedStarted = 0;
  const watch = watchCommits({
    nc: input.nc,
    subjectPrefix: input.subjectPrefix,
    filter: 'evt.>',
    onCommit: (c) => {
      if (c.types.includes('StepStarted')) started.add(c.stepId);
      const terminal = c.types.find((t) => TERMINAL.has(t));
      if (terminal !== undefined && !endedAt.has(c.stepId)) {
        endedAt.set(c.stepId, performance.now());
        if (started.has(c.stepId)) endedStarted += 1;
        if (terminal !== 'StepCompleted') failed += 1;
      }
      peak = Math.max(peak, started.size - endedStarted);
    },
  });
  return {
    inFlight: () => started.size - endedStarted,
    peak: () => peak,
    ended: () => endedAt.size,
    failed: () => failed,
    endedAt,
    stop: () => watch.stop(),
  };
};
