import { readAgentsManifest, type ExternalAgent } from '@shaman/agents';
import type { JetStreamEventStore } from '@shaman/event-store';
import { hostname } from 'node:os';
import type { ToolContext } from '../../activities/call-tool.activity.js';
import type { OrgSecrets } from '../mcp-client-pool.js';
import { createA2aClient, type A2aClientOptions } from './a2a-client.js';
import { authHeaders } from './external-auth.js';
import { ExternalCallError } from './external-call.error.js';
import { recordedEnd, recordExternal, requestExternalNode, type ExternalIntent, type RecordedEnd } from './external-node.js';

export type { ExternalAgent } from '@shaman/agents';

export type ExternalAgents = {
  /** The agents.json entry for `name` in the caller's repository, or undefined. */
  find(caller: ToolContext, name: string): Promise<ExternalAgent | undefined>;
  /** Calls it as a child node of the caller's step; resolves with the answer or rejects with an Error whose message the model will see. */
  call(caller: ToolContext, input: { name: string; agent: ExternalAgent; message: string; callId: string }, signal: AbortSignal): Promise<{ taskId: string; text: string }>;
};

export type ExternalAgentsDeps = {
  store: JetStreamEventStore;
  orgSecrets?: OrgSecrets;
  allowPrivateUrls: boolean;
  timeoutMs: number;
  clock: () => Date;
  fetch?: typeof fetch;
  /** Recorded on the node's `StepStarted`; the process by default, as the executor's `EXECUTOR_ID` is. */
  executorId?: string;
  /** Polling of an unfinished remote task (tests shorten it). */
  poll?: A2aClientOptions['poll'];
};

const NO_SECRETS: ReadonlyMap<string, string> = new Map();

/**
 * External A2A agents for `call_agent`: the `agents.json` entries of the caller's repository (worktree), called
 * over HTTP and recorded as `external` nodes of the run's DAG by the calling executor (docs/agents.md, "External
 * agents"). The node is a child step: `RunRequested` (with `external`) on its request subject, then `StepStarted`
 * and its end on its event subject, each behind the step's fence. A caller resumed after a crash calls again with
 * the same call id and gets the recorded end without a second remote call, or, if the first attempt died in
 * flight, resends the same message (its `messageId` is the node id) and records the end once.
 */
export const createExternalAgents = (deps: ExternalAgentsDeps): ExternalAgents => {
  const client = createA2aClient({ fetch: deps.fetch ?? fetch, allowPrivateUrls: deps.allowPrivateUrls, poll: deps.poll });
  const executorId = deps.executorId ?? `${hostname()}-${process.pid}`;
  const now = (): string => deps.clock().toISOString();

  const answerOf = (end: RecordedEnd, call: { name: string; taskId: string; signal: AbortSignal }): { taskId: string; text: string } => {
    if (end.status === 'completed') return { taskId: call.taskId, text: end.text };
    if (end.status === 'failed') throw new Error(end.message);
    if (call.signal.aborted) throw call.signal.reason;
    throw new Error(`external agent ${call.name} was canceled`);
  };

  // Resolves to the command that ends the node: the answer, or why there is none.
  const remoteCall = async ({ caller, input, messageId }: { caller: ToolContext; input: Parameters<ExternalAgents['call']>[1]; messageId: string }, signal: AbortSignal): Promise<ExternalIntent> => {
    try {
      const secrets = input.agent.auth.type === 'none' ? NO_SECRETS : ((await deps.orgSecrets?.(caller.orgId)) ?? NO_SECRETS);
      const endpoint = { name: input.name, url: input.agent.url, version: input.agent.protocolVersion, headers: authHeaders(input.name, input.agent, secrets) };
      const text = await client.send(endpoint, { messageId, text: input.message }, { signal, timeoutMs: deps.timeoutMs });
      return { type: 'CompleteExternalCall', data: { text } };
    } catch (error) {
      if (signal.aborted) return { type: 'CancelExternalCall', data: { reason: 'the calling step was canceled' } };
      const code = error instanceof ExternalCallError ? error.code : 'tool_error';
      const message = error instanceof ExternalCallError ? error.message : `external agent ${input.name} failed: ${(error as Error).message}`;
      return { type: 'FailExternalCall', data: { code, message } };
    }
  };

  return {
    find: async (caller, name) => {
      const { manifest } = await readAgentsManifest(caller.repository);
      return Object.hasOwn(manifest.agents, name) ? manifest.agents[name] : undefined;
    },

    call: async (caller, input, signal) => {
      const external = { url: input.agent.url, protocolVersion: input.agent.protocolVersion };
      let node = await requestExternalNode(deps.store, { caller, name: input.name, message: input.message, callId: input.callId, external }, now());
      const call = { name: input.name, taskId: node.address.stepId, signal };
      const recorded = await recordedEnd(deps.store, node);
      if (recorded) return answerOf(recorded, call);
      if (node.state.status === 'requested') node = await recordExternal(deps.store, node, { intent: { type: 'StartExternalCall', data: { executorId } }, at: now() });
      // Another attempt may have ended it while this one was claiming.
      const ended = await recordedEnd(deps.store, node);
      if (ended) return answerOf(ended, call);
      const intent = await remoteCall({ caller, input, messageId: call.taskId }, signal);
      node = await recordExternal(deps.store, node, { intent, at: now() });
      const final = await recordedEnd(deps.store, node);
      if (!final) throw new Error(`external agent ${input.name}: the call's end could not be recorded`);
      return answerOf(final, call);
    },
  };
};

/**
 * The shape `call_agent` consumes (`ExternalCalls` in tools/platform/call-agent.tool.ts): `find` answers a
 * function that calls the agent it found, or undefined when the name is not external.
 */
export const externalCallsOf = (agents: ExternalAgents) => ({
  find: async (caller: ToolContext, name: string) => {
    const agent = await agents.find(caller, name);
    if (!agent) return undefined;
    return (input: { message: string; callId: string }, signal: AbortSignal): Promise<{ taskId: string; text: string }> =>
      agents.call(caller, { name, agent, ...input }, signal);
  },
});
