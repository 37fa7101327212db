import { STREAM_DOES_NOT_EXIST, isExpectedVersionConflictError } from '@event-driven-io/emmett';
import type { NatsConnection } from '@nats-io/transport-node';
import type { JetStreamEventStore } from '@shaman/event-store';
import { ShamanEvent, isTerminalStepEvent, messageText, stepEventStream, stepRequestStream, type RunRequested, type StepAddress, type TerminalStepEvent } from '@shaman/events';
import { deterministicId } from '@shaman/platform';
import { z } from 'zod';
import type { Tool, ToolContext, ToolSource } from '../../activities/call-tool.activity.js';

export type CallAgentOptions = { store: JetStreamEventStore; nc: NatsConnection; maxDepth: number; timeoutMs: number; clock?: () => Date };
const Args = z.object({ agent: z.string().min(1), message: z.string().min(1).max(100_000) });
type Call = z.infer<typeof Args> & { callId: string };

/**
 * `call_agent`: runs another agent of the same organization as a child step of this run (the DAG edge is
 * `parentStepId`) and returns its answer. Until the agent-to-agent issue moves this to A2A over HTTP with JWTs,
 * the child is requested on the bus directly and the parent waits for it, holding its executor slot.
 * Offered to agents that list others in `allowedAgents`; calling anyone else is refused.
 */
export const callAgentToolSource = (options: CallAgentOptions): ToolSource => {
  const callAgent = async (caller: ToolContext, args: Call, signal: AbortSignal): Promise<unknown> => {
    if (caller.depth + 1 > options.maxDepth) {
      throw new Error(`call depth limit ${options.maxDepth} reached: ${caller.agent} (depth ${caller.depth}) cannot call ${args.agent}`);
    }
    const child = childRequest(caller, args, (options.clock ?? (() => new Date()))().toISOString());
    const ended = waitForEnd(options, child.metadata, signal);
    await requestOnce(options.store, child);
    const end = await ended;
    if (end.type !== 'StepCompleted') throw new Error(`agent ${args.agent} ${end.type === 'StepFailed' ? `failed: ${end.data.error.message}` : 'was canceled'}`);
    return { agent: args.agent, taskId: child.metadata.stepId, text: messageText(end.data.output) };
  };
  return {
    toolsFor: async (agent) => {
      const allowed = (agent as { allowedAgents?: readonly string[] }).allowedAgents ?? [];
      if (allowed.length === 0) return new Map();
      const tool: Tool = {
        name: 'call_agent',
        description: `Ask another agent and wait for its answer. Agents you may call: ${allowed.join(', ')}.`,
        inputSchema: { type: 'object', properties: { agent: { type: 'string', enum: [...allowed] }, message: { type: 'string' } }, required: ['agent', 'message'] },
        invoke: async ({ call, signal, context }) => {
          const parsed = Args.safeParse(call.arguments);
          if (!parsed.success) throw new Error(`call_agent: invalid arguments: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
          if (!allowed.includes(parsed.data.agent)) throw new Error(`agent ${parsed.data.agent} is not in allowedAgents (${allowed.join(', ')})`);
          return callAgent(context, { ...parsed.data, callId: call.id }, signal);
        },
      };
      return new Map([['call_agent', tool]]);
    },
  };
};

const childRequest = (caller: ToolContext, args: Call, at: string): RunRequested => {
  // Derived from the parent step and the recorded tool call: a parent resumed after a crash finds its child again.
  const stepId = deterministicId(caller.stepId, 'call', args.callId);
  const address = { orgId: caller.orgId, runId: caller.runId, stepId } as StepAddress;
  return {
    type: 'RunRequested',
    data: {
      // The child runs at the caller's commit (its worktree), never at whatever the branch has become since:
      // a run is pinned to the commit it started at.
      agent: { name: args.agent, repository: caller.repository, commit: caller.commit ?? null },
      message: { messageId: stepId, role: 'user', parts: [{ kind: 'text', text: args.message }] },
      parentStepId: caller.stepId as RunRequested['data']['parentStepId'],
      depth: caller.depth + 1,
      initiator: { kind: 'agent', id: caller.stepId },
    },
    metadata: { ...address, eventId: deterministicId(stepId, 'request'), at } as RunRequested['metadata'],
  };
};

const requestOnce = async (store: JetStreamEventStore, request: RunRequested): Promise<void> => {
  try {
    await store.appendToStream(stepRequestStream(request.metadata), [request], { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
  } catch (error) {
    if (!isExpectedVersionConflictError(error)) throw error; // already requested by an earlier attempt
  }
};

/** Resolves with the child's terminal event: watched live (core NATS, confirmed from the stream) and checked once up front. */
const waitForEnd = (options: CallAgentOptions, child: StepAddress, signal: AbortSignal): Promise<TerminalStepEvent> =>
  new Promise((resolve, reject) => {
    const stream = stepEventStream(child);
    let done = false;
    const check = async () => {
      const stored = await options.store.lastCommit(stream);
      const end = stored?.commit.events.map((e) => ShamanEvent.safeParse(e)).find((r) => r.success && isTerminalStepEvent(r.data));
      if (end?.success) finish(() => resolve(end.data as TerminalStepEvent));
    };
    const sub = options.nc.subscribe(options.store.subjectOf(stream), { callback: () => void check().catch(() => undefined) });
    const timer = setTimeout(() => finish(() => reject(new Error(`agent ${child.stepId} did not answer within ${options.timeoutMs} ms`))), options.timeoutMs);
    const onAbort = () => finish(() => reject(signal.reason ?? new Error('aborted')));
    signal.addEventListener('abort', onAbort, { once: true });
    function finish(settle: () => void) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sub.unsubscribe();
      signal.removeEventListener('abort', onAbort);
      settle();
    }
    void check().catch(reject);
  });
