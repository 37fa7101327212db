import type { ApiKeyPrincipal } from '@shaman/platform';
import { A2AError } from '../errors.js';
import { parseParams } from '../jsonrpc/envelope.js';
import { TaskQueryParams } from '../jsonrpc/params.js';
import type { TaskReader } from './task-reader.js';
import { toA2ATask, type A2ATask } from './task-view.js';

/** `tasks/get`: the step as a Task, visible only to its own organization. */
export const getTask = (deps: { tasks: TaskReader }) => async (principal: ApiKeyPrincipal, rawParams: unknown): Promise<A2ATask> => {
  const params = parseParams(TaskQueryParams, rawParams);
  const view = await deps.tasks.get(principal.orgId, params.id);
  if (!view) throw new A2AError('task_not_found', `Task not found: ${params.id}`);
  return toA2ATask(view, { historyLength: params.historyLength });
};
