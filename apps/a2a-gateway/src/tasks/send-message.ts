import { STREAM_DOES_NOT_EXIST, isExpectedVersionConflictError } from '@event-driven-io/emmett';
import type { JetStreamEventStore } from '@shaman/event-store';
import { stepRequestStream, type AgentRef, type Initiator, type Part, type RunRequested, type StepAddress } from '@shaman/events';
import { deterministicId, scopeAllowsAgent, type ApiKeyPrincipal } from '@shaman/platform';
import { A2AError } from '../errors.js';
import { parseParams } from '../jsonrpc/envelope.js';
import { MessageSendParams } from '../jsonrpc/params.js';
import type { RunPinner } from '../run-pin.js';
import type { RunWatcher } from '../run-watcher.js';
import type { TenantDirectory } from '../tenants.js';
import { addressedAgent } from './agent-address.js';
import { continueTask } from './continue-task.js';
import type { TaskReader } from './task-reader.js';
import { viewFromEvents, withTerminal } from './task-reader.js';
import { TERMINAL_TASK_STATES, toA2ATask, type A2ATask } from './task-view.js';

export type SendMessageDeps = {
  store: JetStreamEventStore;
  tenants: TenantDirectory;
  tasks: TaskReader;
  watcher: RunWatcher;
  blockingTimeoutMs: number;
  clock: () => Date;
  /** Reads a root joining an existing run at that run's commit (run-pin.ts); without it, at the latest. */
  pinToRun?: RunPinner;
  /** Stores `configuration.pushNotificationConfig` for the new task before its request is appended (src/push). */
  attachPush?: (principal: ApiKeyPrincipal, push: { taskId: string; config: unknown; version?: '0.3' | '1.0' }) => Promise<void>;
};

/**
 * `message/send`: validates, authorises the agent, appends `RunRequested` and answers with the Task —
 * at once (`blocking: false`) or when the step ends or asks for input. A message with `taskId` answers an
 * input-required task instead (continue-task.ts). Ids derive from the message itself (see `retryKey`), so a
 * retried send finds the step its first attempt created instead of starting a second one.
 */
/**
 * What a caller of `sendMessage` may add: the wire version (for push configs), and `onRequest`, called with a new
 * task's request just before it is appended, while nothing of the step exists yet (message/stream listens then).
 */
export type SendContext = { version?: '0.3' | '1.0'; onRequest?: (request: RunRequested) => void };

export const sendMessage = (deps: SendMessageDeps) => async (principal: ApiKeyPrincipal, rawParams: unknown, ctx?: SendContext): Promise<A2ATask> => {
  const params = parseParams(MessageSendParams, rawParams);
  if (params.message.taskId) return continueTask(deps, { principal, params, taskId: params.message.taskId });
  const { agent, parts } = addressedAgent(params);
  const tenant = await deps.tenants.get(principal.orgId);
  const resolved = tenant ? await tenant.agents.resolve(agent) : undefined;
  // A key scoped to an agent may call it by any of its names (alias, `<repo>/<Agent>`), and one scoped to an
  // alias may call what it stands for. Unknown names stay `forbidden` for a scoped key, as before.
  const allowed = scopeAllowsAgent(principal.scopes, agent) || (resolved !== undefined && scopeAllowsAgent(principal.scopes, resolved.ref.name));
  if (!allowed) throw new A2AError('forbidden', `this API key may not execute agent ${agent}`);
  if (!tenant || !resolved || !resolved.definition.exposed) throw new A2AError('invalid_params', `Invalid params: no agent named ${agent}`, { reason: 'agent_not_found', agent });
  const contextRun = await explicitRun(deps, principal.orgId, params);
  const pinned = contextRun && deps.pinToRun ? await deps.pinToRun({ orgId: principal.orgId, runId: contextRun, resolved }) : resolved;
  const request = buildRequest({ orgId: principal.orgId, agent: pinned.ref, params, parts, contextRun, at: deps.clock().toISOString(), origin: { initiator: { kind: 'api_key', id: principal.keyId } } });
  await deps.attachPush?.(principal, { taskId: request.metadata.stepId, config: params.configuration?.pushNotificationConfig, version: ctx?.version });
  ctx?.onRequest?.(request);
  return deliverRequest(deps, { orgId: principal.orgId, request, params });
};

/**
 * Appends a built request (unless a retry already did) and answers with the Task: at once when
 * `blocking: false`, else when the step ends or asks for input. The public and the internal role share it.
 */
export const deliverRequest = async (
  deps: Pick<SendMessageDeps, 'store' | 'tasks' | 'watcher' | 'blockingTimeoutMs'>,
  input: { orgId: string; request: RunRequested; params: MessageSendParams },
): Promise<A2ATask> => {
  const { orgId, request, params } = input;
  const blocking = params.configuration?.blocking !== false;
  const watch = blocking ? deps.watcher.watch(request.metadata.stepId) : null;
  try {
    const appendedAt = await appendRequest(deps.store, request);
    const current = appendedAt !== null ? viewFromEvents([request]) : await deps.tasks.get(orgId, request.metadata.stepId);
    if (!current) throw new A2AError('internal', 'internal error');
    const options = { historyLength: params.configuration?.historyLength };
    if (!watch || current.status === 'input-required' || TERMINAL_TASK_STATES.has(current.status)) return toA2ATask(current, options);
    // A retried blocking send waits like the original did.
    const end = await watch.until(deps.blockingTimeoutMs, appendedAt ?? 0);
    // Timed out: answer with whatever the step has reached (usually `working`).
    const view = end ? withTerminal(current, end) : await deps.tasks.get(orgId, request.metadata.stepId);
    return toA2ATask(view ?? current, options);
  } finally {
    watch?.dispose(); // also when the append failed: a watch nobody waits on must not stay registered
  }
};

/**
 * What makes two sends "the same message": organization, messageId, target agent, run and content, and for a
 * call between agents the calling step. A client retrying a send repeats all of them; a client that reuses a
 * messageId for a different message does not, and gets a new task rather than someone else's answer.
 */
const retryKey = (input: { messageId: string; agent: string; contextRun: string | null; parts: Part[]; parentStepId: string | null }): string =>
  // A root's key keeps its original shape, so the ids of sends made before calls existed do not change.
  JSON.stringify(input.parentStepId === null ? [input.messageId, input.agent, input.contextRun, input.parts] : [input.messageId, input.agent, input.contextRun, input.parts, input.parentStepId]);

/** Who asks for a step: an API key's root, or (internal role) another agent's step with its place in the DAG. */
export type RequestOrigin = { initiator: Initiator; call?: { parentStepId: string; depth: number; callChain: string[] } };

export const buildRequest = (input: {
  orgId: string;
  /** The resolved agent: its canonical name, and where the executor reads it (a worktree pinned to a commit). */
  agent: AgentRef;
  params: MessageSendParams;
  parts: Part[];
  contextRun: string | null;
  at: string;
  origin: RequestOrigin;
}): RunRequested => {
  const { orgId, origin } = input;
  const parentStepId = origin.call?.parentStepId ?? null;
  const key = retryKey({ messageId: input.params.message.messageId, agent: input.agent.name, contextRun: input.contextRun, parts: input.parts, parentStepId });
  const address = { orgId, runId: input.contextRun ?? deterministicId(orgId, 'run', key), stepId: deterministicId(orgId, 'step', key) } as StepAddress;
  return {
    type: 'RunRequested',
    data: {
      agent: input.agent,
      message: { messageId: input.params.message.messageId, role: input.params.message.role, parts: input.parts },
      parentStepId: parentStepId as RunRequested['data']['parentStepId'],
      depth: origin.call?.depth ?? 0,
      initiator: origin.initiator,
      ...(origin.call ? { callChain: origin.call.callChain } : {}),
      // Its run id derives from this very message (no contextId): nothing of that run can precede it.
      ...(input.contextRun === null && !origin.call ? { opensRun: true as const } : {}),
    },
    metadata: { ...address, eventId: deterministicId(orgId, 'request', key), at: input.at } as RunRequested['metadata'],
  };
};

/** Appends the request unless this step already has one (a retried send); its sequence when it was new, else null. */
const appendRequest = async (store: JetStreamEventStore, request: RunRequested): Promise<number | null> => {
  try {
    const result = await store.appendToStream(stepRequestStream(request.metadata), [request], { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
    return result.duplicate ? null : Number(result.nextExpectedStreamVersion);
  } catch (error) {
    if (isExpectedVersionConflictError(error)) return null;
    throw error;
  }
};

/** A run to join: the message's contextId or `metadata["shaman:runId"]`, which must already exist in this organization. */
const explicitRun = async (deps: SendMessageDeps, orgId: string, params: MessageSendParams): Promise<string | null> => {
  const explicit = params.message.contextId ?? params.metadata?.['shaman:runId'];
  if (explicit === undefined) return null;
  if (typeof explicit !== 'string' || !(await deps.tasks.runExists(orgId, explicit))) {
    throw new A2AError('invalid_params', 'Invalid params: contextId does not name a run of this organization', { reason: 'context_not_found' });
  }
  return explicit;
};
