import type { ExceededDeadline } from '@shaman/domain';
import type { StepDeadlineExceeded } from '@shaman/events';

/**
 * The reason a step's AbortController is aborted with when a deadline passed, so the step loop records a
 * failure with code `timeout` instead of the cancel an abort otherwise means.
 */
export class DeadlineAbort extends Error {
  override readonly name = 'DeadlineAbort';

  constructor(readonly deadline: ExceededDeadline) {
    super(`the ${deadline.scope} deadline of ${deadline.timeoutMs} ms passed`);
  }
}

export const deadlineAbortOf = (event: StepDeadlineExceeded): DeadlineAbort =>
  new DeadlineAbort({ scope: event.data.scope, timeoutMs: event.data.timeoutMs });

/** The deadline an abort reason names, if it names one. */
export const deadlineOf = (reason: unknown): ExceededDeadline | undefined => (reason instanceof DeadlineAbort ? reason.deadline : undefined);
