import { STREAM_DOES_NOT_EXIST, isExpectedVersionConflictError } from '@event-driven-io/emmett';
import type { JetStreamEventStore } from '@shaman/event-store';
import { stepRequestStream, type RunRequested, type StepAddress } from '@shaman/events';
import { deterministicId, scopeAllowsAgent, type ApiKeyPrincipal } from '@shaman/platform';
import { A2AError } from '../errors.js';
import { parseParams } from '../jsonrpc/envelope.js';
import { MessageSendParams } from '../jsonrpc/params.js';
import type { RunWatcher } from '../run-watcher.js';
import type { TenantDirectory } from '../tenants.js';
import { addressedAgent } from './agent-address.js';
import type { TaskReader } from './task-reader.js';
import { viewFromEvents, withTerminal } from './task-reader.js';
import { toA2ATask, type A2ATask } from './task-view.js';

export type SendMessageDeps = {
  store: JetStreamEventStore;
  tenants: TenantDirectory;
  tasks: TaskReader;
  watcher: RunWatcher;
  blockingTimeoutMs: number;
  clock: () => Date;
};

/**
 * `message/send`: validates, authorises the agent, appends `RunRequested` and answers with the Task —
 * at once (`blocking: false`) or when the step ends. Ids derive from the caller's `messageId`, so a retried
 * send finds the step its first attempt created instead of starting a second one.
 */
export const sendMessage = (deps: SendMessageDeps) => async (principal: ApiKeyPrincipal, rawParams: unknown): Promise<A2ATask> => {
  const params = parseParams(MessageSendParams, rawParams);
  const { agent, parts } = addressedAgent(params);
  if (!scopeAllowsAgent(principal.scopes, agent)) throw new A2AError('forbidden', `this API key may not execute agent ${agent}`);
  const tenant = await deps.tenants.get(principal.orgId);
  const definition = tenant ? await tenant.agents.get(agent) : undefined;
  if (!tenant || !definition || !definition.exposed) throw new A2AError('invalid_params', `Invalid params: no agent named ${agent}`, { reason: 'agent_not_found', agent });
  if (params.message.taskId) throw await continuingTaskError(deps, principal.orgId, params.message.taskId);
  const runId = await runIdFor(deps, principal.orgId, params);
  const { messageId } = params.message;
  const address = { orgId: principal.orgId, runId, stepId: deterministicId(principal.orgId, 'step', messageId) } as StepAddress;
  const request: RunRequested = {
    type: 'RunRequested',
    data: {
      agent: { name: agent, repository: tenant.agentsRepository, commit: null },
      message: { messageId, role: params.message.role, parts },
      parentStepId: null,
      depth: 0,
      initiator: { kind: 'api_key', id: principal.keyId },
    },
    metadata: { ...address, eventId: deterministicId(principal.orgId, 'request', messageId), at: deps.clock().toISOString() } as RunRequested['metadata'],
  };
  const blocking = params.configuration?.blocking !== false;
  const watch = blocking ? deps.watcher.watch(address.stepId) : null;
  const fresh = await appendRequest(deps.store, request);
  const options = { historyLength: params.configuration?.historyLength };
  if (!fresh) {
    watch?.dispose();
    const existing = await deps.tasks.get(principal.orgId, address.stepId);
    if (!existing) throw new A2AError('internal', 'internal error');
    return toA2ATask(existing, options);
  }
  const submitted = viewFromEvents([request]);
  if (!submitted) throw new A2AError('internal', 'internal error');
  const end = watch ? await watch.until(deps.blockingTimeoutMs) : null;
  // Timed out while blocking: answer with whatever the step has reached (usually `working`).
  const view = end ? withTerminal(submitted, end) : blocking ? await deps.tasks.get(principal.orgId, address.stepId) : submitted;
  return toA2ATask(view ?? submitted, options);
};

/** Appends the request unless this step already has one (a retried send); true when it was new. */
const appendRequest = async (store: JetStreamEventStore, request: RunRequested): Promise<boolean> => {
  try {
    const result = await store.appendToStream(stepRequestStream(request.metadata), [request], { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
    return !result.duplicate;
  } catch (error) {
    if (isExpectedVersionConflictError(error)) return false;
    throw error;
  }
};

/** A run to join: the message's contextId or `metadata["shaman:runId"]`, which must already exist in this organization. */
const runIdFor = async (deps: SendMessageDeps, orgId: string, params: MessageSendParams): Promise<string> => {
  const explicit = params.message.contextId ?? params.metadata?.['shaman:runId'];
  if (explicit === undefined) return deterministicId(orgId, 'run', params.message.messageId);
  if (typeof explicit !== 'string' || !(await deps.tasks.runExists(orgId, explicit))) {
    throw new A2AError('invalid_params', 'Invalid params: contextId does not name a run of this organization', { reason: 'context_not_found' });
  }
  return explicit;
};

/** Continuing a task needs input-required steps, which this gateway does not create yet. */
const continuingTaskError = async (deps: SendMessageDeps, orgId: string, taskId: string): Promise<A2AError> => {
  const task = await deps.tasks.get(orgId, taskId);
  if (!task) return new A2AError('task_not_found', `Task not found: ${taskId}`);
  return new A2AError('unsupported_operation', `Task ${taskId} is ${task.status} and does not accept further messages`);
};
