import type { ApiKeyPrincipal } from '@shaman/platform';
import { A2AError } from '../errors.js';
import { parseParams } from '../jsonrpc/envelope.js';
import { TaskIdParams } from '../jsonrpc/params.js';
import type { MethodContext, StreamMethod } from '../protocol/methods.js';
import { openStepFeed, type StepFeedDeps } from './step-feed.js';
import { streamTask } from './task-stream.js';

/**
 * `tasks/resubscribe`: the Task as of the step's last stored commit, then every later change, live. The
 * snapshot and the live part come through one ordered consumer and are split at that commit's sequence, so
 * nothing falls between them and nothing is sent twice. A task that already ended (or waits for input) gets
 * its snapshot and the stream ends. Another organization's task is as unknown as a missing one.
 */
export const resubscribe =
  (deps: StepFeedDeps): StreamMethod =>
  async (principal: ApiKeyPrincipal, rawParams: unknown, ctx: MethodContext) => {
    const params = parseParams(TaskIdParams, rawParams);
    const feed = await openStepFeed(deps, { orgId: principal.orgId, stepId: params.id });
    if (!feed) throw new A2AError('task_not_found', `Task not found: ${params.id}`);
    return streamTask(feed, { snapshotAt: (history) => history.length - 1, signal: ctx.signal });
  };
