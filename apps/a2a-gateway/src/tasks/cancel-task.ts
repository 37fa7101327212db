import type { JetStreamEventStore } from '@shaman/event-store';
import { stepRequestStream, type Initiator, type RunCancelRequested } from '@shaman/events';
import { deterministicId, type ApiKeyPrincipal } from '@shaman/platform';
import { A2AError } from '../errors.js';
import { parseParams } from '../jsonrpc/envelope.js';
import { TaskIdParams } from '../jsonrpc/params.js';
import type { RunWatcher } from '../run-watcher.js';
import { withTerminal, type TaskReader } from './task-reader.js';
import { TERMINAL_TASK_STATES, toA2ATask, type A2ATask } from './task-view.js';

/**
 * `tasks/cancel`: records the request on the step's request subject (the executor running it aborts its
 * in-flight calls) and answers with the Task once it is canceled, or with its current state after a short wait.
 */
export const cancelTask =
  (deps: { store: JetStreamEventStore; tasks: TaskReader; watcher: RunWatcher; clock: () => Date; waitMs: number; requestedBy?: (principal: ApiKeyPrincipal) => Initiator }) =>
  async (principal: ApiKeyPrincipal, rawParams: unknown): Promise<A2ATask> => {
    const params = parseParams(TaskIdParams, rawParams);
    const view = await deps.tasks.get(principal.orgId, params.id);
    if (!view) throw new A2AError('task_not_found', `Task not found: ${params.id}`);
    if (TERMINAL_TASK_STATES.has(view.status)) throw new A2AError('task_not_cancelable', `Task ${params.id} is ${view.status} and cannot be canceled`);
    const watch = deps.watcher.watch(view.stepId);
    const event: RunCancelRequested = {
      type: 'RunCancelRequested',
      // The internal role's caller is another agent's step (src/internal); the public role's, an API key.
      data: { reason: 'tasks/cancel', requestedBy: deps.requestedBy?.(principal) ?? { kind: 'api_key', id: principal.keyId } },
      metadata: { orgId: view.orgId, runId: view.runId, stepId: view.stepId, eventId: deterministicId(view.stepId, 'cancel'), at: deps.clock().toISOString() } as RunCancelRequested['metadata'],
    };
    try {
      const appended = await deps.store.appendToStream(stepRequestStream(event.metadata), [event]);
      // Only an end after the cancel: a question asked before it does not answer it.
      const end = await watch.until(deps.waitMs, Number(appended.nextExpectedStreamVersion));
      const after = end ? withTerminal(view, end) : await deps.tasks.get(principal.orgId, view.stepId);
      return toA2ATask(after ?? view);
    } finally {
      watch.dispose(); // also when the append failed
    }
  };
