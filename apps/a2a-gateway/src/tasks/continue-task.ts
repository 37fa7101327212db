import { isExpectedVersionConflictError } from '@event-driven-io/emmett';
import type { JetStreamEventStore } from '@shaman/event-store';
import { stepRequestStream, type StepInputProvided } from '@shaman/events';
import { deterministicId, scopeAllowsAgent, type ApiKeyPrincipal } from '@shaman/platform';
import { A2AError } from '../errors.js';
import type { MessageSendParams } from '../jsonrpc/params.js';
import type { RunWatcher, StepWatch } from '../run-watcher.js';
import type { TenantDirectory } from '../tenants.js';
import type { TaskReader } from './task-reader.js';
import { viewFromEvents, withTerminal } from './task-reader.js';
import { TERMINAL_TASK_STATES, toA2ATask, type A2ATask, type StepView, type TaskState } from './task-view.js';

export type ContinueTaskDeps = { store: JetStreamEventStore; tenants: TenantDirectory; tasks: TaskReader; watcher: RunWatcher; blockingTimeoutMs: number; clock: () => Date };
type Found = NonNullable<Awaited<ReturnType<TaskReader['fromLog']>>>;

/**
 * `message/send` with `message.taskId` (DESIGN §5): answers an input-required task by appending
 * `StepInputProvided` to its request subject, then answers like a send: at once, or (blocking) when the step
 * ends or asks again. The event id derives from the task and the messageId, so a retried send is a no-op
 * that waits like the original did. Decisions read the event log, never the (possibly behind) read model.
 */
export const continueTask = async (deps: ContinueTaskDeps, input: { principal: ApiKeyPrincipal; params: MessageSendParams; taskId: string }): Promise<A2ATask> => {
  const { principal, params, taskId } = input;
  const blocking = params.configuration?.blocking !== false;
  // Registered before anything is appended, so the step's next end cannot slip past.
  const watch = blocking ? deps.watcher.watch(taskId) : null;
  try {
    const found = await deps.tasks.fromLog(principal.orgId, taskId);
    if (!found) throw new A2AError('task_not_found', `Task not found: ${taskId}`);
    if (!(await mayExecute(deps, { principal, params, agent: found.view.agent }))) throw new A2AError('forbidden', `this API key may not execute agent ${found.view.agent}`);
    const { current, answeredAt } = await provideInput(deps, { found, event: inputEvent(input, found.view, deps.clock().toISOString()) });
    return await answer(deps, { principal, params, current, answeredAt, watch });
  } finally {
    watch?.dispose();
  }
};

/**
 * As for a new send: a key scoped to the task's agent may answer it, and so may one scoped to the name the
 * message addresses (an alias) when that name stands for the task's agent.
 */
const mayExecute = async (deps: ContinueTaskDeps, input: { principal: ApiKeyPrincipal; params: MessageSendParams; agent: string }): Promise<boolean> => {
  const { principal, params, agent } = input;
  if (scopeAllowsAgent(principal.scopes, agent)) return true;
  const named = params.metadata?.['agent'] ?? params.message.metadata?.['agent'];
  if (typeof named !== 'string' || !scopeAllowsAgent(principal.scopes, named)) return false;
  const resolved = await (await deps.tenants.get(principal.orgId))?.agents.resolve(named);
  return resolved?.ref.name === agent;
};

const inputEvent = (input: { principal: ApiKeyPrincipal; params: MessageSendParams; taskId: string }, view: StepView, at: string): StepInputProvided => ({
  type: 'StepInputProvided',
  data: {
    message: { messageId: input.params.message.messageId, role: 'user', parts: input.params.message.parts },
    providedBy: { kind: 'api_key', id: input.principal.keyId },
  },
  metadata: { orgId: view.orgId, runId: view.runId, stepId: view.stepId, eventId: deterministicId(view.stepId, 'input', input.params.message.messageId), at } as StepInputProvided['metadata'],
});

/**
 * Appends the answer unless this very message already gave it; returns the task as it stands afterwards, and a
 * sequence at or after the answer's (the question it answers is older, any next end newer).
 */
const provideInput = async (deps: ContinueTaskDeps, input: { found: Found; event: StepInputProvided }): Promise<{ current: StepView; answeredAt: number }> => {
  const { found, event } = input;
  if (found.events.some((e) => e.metadata.eventId === event.metadata.eventId)) return { current: found.view, answeredAt: Number(found.requestVersion) }; // a retry
  if (found.view.status !== 'input-required') throw notWaiting(found.view.stepId, found.view.status);
  try {
    // Expecting the request subject's last sequence: of two answers racing, the second one is refused.
    const appended = await deps.store.appendToStream(stepRequestStream(event.metadata), [event], { expectedStreamVersion: found.requestVersion });
    return { current: viewFromEvents([...found.events, event]) ?? found.view, answeredAt: Number(appended.nextExpectedStreamVersion) };
  } catch (error) {
    if (!isExpectedVersionConflictError(error)) throw error;
    const again = await deps.tasks.fromLog(found.view.orgId, found.view.stepId);
    if (again?.events.some((e) => e.metadata.eventId === event.metadata.eventId)) return { current: again.view, answeredAt: Number(again.requestVersion) };
    throw notWaiting(found.view.stepId, again?.view.status ?? 'working');
  }
};

const answer = async (deps: ContinueTaskDeps, input: { principal: ApiKeyPrincipal; params: MessageSendParams; current: StepView; answeredAt: number; watch: StepWatch | null }): Promise<A2ATask> => {
  const { current, watch } = input;
  const options = { historyLength: input.params.configuration?.historyLength };
  if (!watch || current.status === 'input-required' || TERMINAL_TASK_STATES.has(current.status)) return toA2ATask(current, options);
  const end = await watch.until(deps.blockingTimeoutMs, input.answeredAt);
  const view = end ? withTerminal(current, end) : await deps.tasks.get(input.principal.orgId, current.stepId);
  return toA2ATask(view ?? current, options);
};

const notWaiting = (taskId: string, status: TaskState): A2AError =>
  new A2AError(
    'unsupported_operation',
    TERMINAL_TASK_STATES.has(status)
      ? `Task ${taskId} is ${status} (terminal) and does not accept further messages`
      : `Task ${taskId} is ${status}, not waiting for input; send again when it is input-required`,
  );
