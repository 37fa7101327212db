import type { RunRequested, ShamanEvent } from '@shaman/events';
import type { ApiKeyPrincipal } from '@shaman/platform';
import { parseParams } from '../jsonrpc/envelope.js';
import { MessageSendParams } from '../jsonrpc/params.js';
import type { MethodContext, StreamMethod } from '../protocol/methods.js';
import { sendMessage, type SendMessageDeps } from '../tasks/send-message.js';
import type { A2ATask } from '../tasks/task-view.js';
import { openStepFeed, prepareStepFeed, type PendingFeed, type StepFeedDeps } from './step-feed.js';
import { streamTask, type SnapshotAt } from './task-stream.js';

export type MessageStreamDeps = StepFeedDeps & Omit<SendMessageDeps, 'blockingTimeoutMs'>;

/** The request that carried this message: its `RunRequested`, or the `StepInputProvided` of an answer. */
const carries = (messageId: string) => (event: ShamanEvent): boolean =>
  (event.type === 'RunRequested' || event.type === 'StepInputProvided') && event.data.message.messageId === messageId;

/** The last commit recording this message: a client that reused a messageId for an answer streams from the answer. */
const atMessage = (messageId: string): SnapshotAt => (history) => history.findLastIndex((commit) => commit.events.some(carries(messageId)));

/**
 * `message/stream`: does what a non-blocking `message/send` does (a new task, or the answer to an input-required
 * one), then streams the task from the commit that recorded this message: the Task as it stood then (submitted,
 * or working again after an answer) and every change after it, whichever executor makes it and however fast.
 * A retried stream (same message) starts from the same commit, so it replays what the first one saw.
 */
export const messageStream = (deps: MessageStreamDeps): StreamMethod => {
  const send = sendMessage({ ...deps, blockingTimeoutMs: 0 });
  return async (principal: ApiKeyPrincipal, rawParams: unknown, ctx: MethodContext) => {
    const params = parseParams(MessageSendParams, rawParams);
    // Listen to the step's text before the message that makes it produce some is appended: an answer resumes a
    // known step; a new task's step id is known once its request is built (`onRequest`), before the append.
    // Listening only after the append would lose the first tokens of a model that answers at once.
    let early: PendingFeed | null = params.message.taskId ? prepareStepFeed(deps, { orgId: principal.orgId, stepId: params.message.taskId }) : null;
    const listen = (request: RunRequested): void => void (early ??= prepareStepFeed(deps, { orgId: principal.orgId, stepId: request.metadata.stepId }));
    let task: A2ATask;
    try {
      task = await send(principal, { ...params, configuration: { ...params.configuration, blocking: false } }, { onRequest: listen });
    } catch (error) {
      early?.cancel();
      throw error;
    }
    const feed = early ? await early.open() : await openStepFeed(deps, { orgId: principal.orgId, stepId: task.id });
    if (!feed) throw new Error(`task ${task.id} was accepted but has no log`);
    return streamTask(feed, { snapshotAt: atMessage(params.message.messageId), historyLength: params.configuration?.historyLength, signal: ctx.signal });
  };
};
