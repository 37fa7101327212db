import type { JetStreamEventStore } from '@shaman/event-store';
import type { ApiKeyPrincipal, InternalCallClaims } from '@shaman/platform';
import { A2AError } from '../errors.js';
import { parseParams } from '../jsonrpc/envelope.js';
import { MessageSendParams } from '../jsonrpc/params.js';
import type { RunPinner } from '../run-pin.js';
import type { RunWatcher } from '../run-watcher.js';
import { addressedAgent } from '../tasks/agent-address.js';
import { buildRequest, deliverRequest } from '../tasks/send-message.js';
import type { TaskReader } from '../tasks/task-reader.js';
import type { A2ATask } from '../tasks/task-view.js';
import type { TenantDirectory } from '../tenants.js';
import { depthLimitError, type CallDepthLimits } from './call-depth.js';
import { callOf } from './internal-auth.js';

export type InternalSendDeps = {
  store: JetStreamEventStore;
  tenants: TenantDirectory;
  tasks: TaskReader;
  watcher: RunWatcher;
  blockingTimeoutMs: number;
  clock: () => Date;
  pinToRun?: RunPinner;
  depthLimits: CallDepthLimits;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The A2A metadata of a call repeats its place in the DAG (`shaman:*`, DESIGN §5) for other A2A servers; here
 * the token is the authority, and a message that says otherwise is refused rather than silently overruled.
 */
const assertAgreesWithToken = (params: MessageSendParams, call: InternalCallClaims): void => {
  const said: Record<string, unknown> = { ...params.metadata, ...(params.message.contextId === undefined ? {} : { contextId: params.message.contextId }) };
  const expected: Record<string, string> = { 'shaman:runId': call.runId, contextId: call.runId, 'shaman:parentStepId': call.parentStepId, 'shaman:depth': String(call.depth), 'shaman:organizationId': call.orgId, 'shaman:initiatorId': call.initiatorId };
  const contradicted = Object.keys(expected).filter((k) => said[k] !== undefined && String(said[k]) !== expected[k]);
  if (contradicted.length > 0) {
    throw new A2AError('invalid_params', `Invalid params: ${contradicted.join(', ')} contradict the platform token`, contradicted.map((k) => ({ path: k === 'contextId' ? 'message.contextId' : `metadata.${k}`, message: `must be ${expected[k]} or absent` })));
  }
};

/** The calling step must be a step of the token's run in the token's organization (read from the log, which leads the read model). */
const assertParent = async (store: JetStreamEventStore, call: InternalCallClaims): Promise<void> => {
  const known = UUID.test(call.runId) && UUID.test(call.parentStepId) && (await store.lastCommit(`req.${call.orgId}.${call.runId}.${call.parentStepId}`)) !== null;
  if (!known) throw new A2AError('invalid_params', 'Invalid params: the token\'s run and parent step are not a step of this organization', { reason: 'parent_not_found', runId: call.runId, parentStepId: call.parentStepId });
};

/**
 * `message/send` on the internal role: one agent's step calling another agent (issue 5). The child is a new
 * step of the caller's run, with the parent edge, depth, initiator and call chain the token states; any agent
 * of the organization may be called, private ones included, read at the run's commit (run-pin.ts). Ids come
 * from the message, run and parent step, so a retried call (same messageId, new token) finds the same task.
 */
export const internalSendMessage = (deps: InternalSendDeps) => async (principal: ApiKeyPrincipal, rawParams: unknown): Promise<A2ATask> => {
  const call = callOf(principal);
  const params = parseParams(MessageSendParams, rawParams);
  if (params.message.taskId) throw new A2AError('unsupported_operation', 'the internal role starts calls; it does not continue tasks (message.taskId)');
  assertAgreesWithToken(params, call);
  const { agent, parts } = addressedAgent(params);
  const resolved = await (await deps.tenants.get(call.orgId))?.agents.resolve(agent);
  const limit = await deps.depthLimits(call.orgId);
  // Nothing is appended past the limit: the caller's model sees the refusal as the call's result.
  if (call.depth > limit) throw depthLimitError({ limit, chain: call.chain, agent: resolved?.ref.name ?? agent });
  if (!resolved) throw new A2AError('invalid_params', `Invalid params: no agent named ${agent}`, { reason: 'agent_not_found', agent });
  await assertParent(deps.store, call);
  const pinned = deps.pinToRun ? await deps.pinToRun({ orgId: call.orgId, runId: call.runId, resolved }) : resolved;
  const request = buildRequest({
    orgId: call.orgId,
    agent: pinned.ref,
    params,
    parts,
    contextRun: call.runId,
    at: deps.clock().toISOString(),
    origin: { initiator: { kind: 'agent', id: call.initiatorId }, call: { parentStepId: call.parentStepId, depth: call.depth, callChain: [...call.chain, pinned.ref.name] } },
  });
  return deliverRequest(deps, { orgId: call.orgId, request, params });
};
