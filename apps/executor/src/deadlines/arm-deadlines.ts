import type { StepRun } from '../step-run.js';

/**
 * Arms the step's and its run's deadlines once this executor holds the step (its claim, or a resume: arming is
 * idempotent, and a resume covers a claimer that died before arming). Not awaited: Redis being slow or down
 * must not hold the step up, and the scheduler logs its own failures.
 */
export const armDeadlines = (run: StepRun): void => {
  const deadlines = run.deps.deadlines;
  if (!deadlines) return;
  const address = run.handle.address;
  void run
    .agent()
    .then((resolved) => deadlines.arm({ address, timeoutSeconds: resolved.ok ? resolved.agent.timeoutSeconds : undefined }))
    .catch(() => undefined);
};
