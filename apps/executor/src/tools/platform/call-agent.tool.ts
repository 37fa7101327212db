import { deterministicId } from '@shaman/platform';
import { z } from 'zod';
import { toolOutcome, type Tool, type ToolContext, type ToolSource } from '../../activities/call-tool.activity.js';
import { sendToInternalGateway, type InternalGateway } from './internal-gateway.client.js';

export const CALL_AGENT = 'call_agent';
export const WAIT_FOR_AGENT = 'wait_for_agent';

/** Calls one external agent as a child node of the caller's step, answering within the call. */
export type ExternalCall = (input: { message: string; callId: string }, signal: AbortSignal) => Promise<{ taskId: string; text: string }>;

/** Where a name leads: a platform agent (sent to the internal gateway under `name`) or an external one. */
export type AgentTarget = { kind: 'internal'; name: string } | { kind: 'external'; call: ExternalCall };
/** Resolves a called name for a caller; rejects with a message naming what was searched when nothing matches. */
export type AgentTargets = (caller: ToolContext, name: string) => Promise<AgentTarget>;

export type CallAgentOptions = {
  /** Null when this executor has no internal gateway configured: only external agents can be called. */
  gateway: InternalGateway | null;
  /** Most children one step may start (`call_agent` calls, blocking or async). */
  maxFanOut: number;
  /** Without it every name is a platform agent's, as given. */
  targets?: AgentTargets | undefined;
};

const Args = z.strictObject({
  agent: z.string().min(1),
  message: z.string().min(1).max(100_000),
  async: z.boolean().optional(),
});

/**
 * `call_agent`: asks another agent over A2A. An agent of this organization is called through the gateway's
 * internal role (HTTP, a platform-signed JWT carrying the run, the parent step, the depth and the call chain);
 * the child becomes a step of the same run, and this step parks — holding no executor slot — until the child's
 * `ChildStepEnded` resumes it (run-step.ts). With `async: true` the task id comes back at once and
 * `wait_for_agent` collects the answer later. An external agent (agents.json `url`) is called directly and
 * answers within the call.
 *
 * The child's message id derives from this step and the recorded tool call, so a parent resumed after a crash
 * that sends again reaches the same task: the gateway appends nothing twice.
 */
export const callAgentToolSource = (options: CallAgentOptions): ToolSource => ({
  toolsFor: async (agent) => {
    const allowed = (agent as { allowedAgents?: readonly string[] }).allowedAgents ?? [];
    if (allowed.length === 0) return new Map();
    const call: Tool = {
      name: CALL_AGENT,
      description:
        `Ask another agent and get its answer. Agents you may call: ${allowed.join(', ')}. ` +
        'Set async to true to get a task id at once and collect the answer later with wait_for_agent (calls run in parallel that way).',
      inputSchema: {
        type: 'object',
        properties: { agent: { type: 'string', enum: [...allowed] }, message: { type: 'string' }, async: { type: 'boolean' } },
        required: ['agent', 'message'],
      },
      invoke: async ({ call: request, signal, context }) => {
        const parsed = Args.safeParse(request.arguments);
        if (!parsed.success) throw new Error(`call_agent: invalid arguments: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
        const args = parsed.data;
        if (!allowed.includes(args.agent)) throw new Error(`agent ${args.agent} is not in allowedAgents (${allowed.join(', ')})`);
        if ((context.children ?? 0) >= options.maxFanOut) throw new Error(`call_agent: this step already started ${options.maxFanOut} agents (the fan-out limit)`);
        const target = options.targets ? await options.targets(context, args.agent) : { kind: 'internal' as const, name: args.agent };
        if (target.kind === 'external') {
          const answer = await target.call({ message: args.message, callId: request.id }, signal);
          return { agent: args.agent, taskId: answer.taskId, text: answer.text };
        }
        if (!options.gateway) throw new Error(`agent ${args.agent}: this executor cannot call platform agents (no EXECUTOR_INTERNAL_GATEWAY_URL)`);
        const mode = args.async === true ? 'async' : 'blocking';
        const task = await sendToInternalGateway(options.gateway, { caller: context, agent: target.name, message: args.message, messageId: deterministicId(context.stepId, 'call', request.id) }, signal);
        const output = { agent: args.agent, taskId: task.id, status: task.state };
        return toolOutcome(output, [], { childStepId: task.id, agent: args.agent, mode });
      },
    };
    const wait: Tool = {
      name: WAIT_FOR_AGENT,
      description: 'Wait for an agent you called with async: true and get its answer. taskId is what call_agent returned.',
      inputSchema: { type: 'object', properties: { taskId: { type: 'string' } }, required: ['taskId'] },
      // Never invoked: the step loop records the wait itself (run-step.ts), since only the step knows its children.
      invoke: async () => {
        throw new Error('wait_for_agent is handled by the step loop');
      },
    };
    return new Map([
      [CALL_AGENT, call],
      [WAIT_FOR_AGENT, wait],
    ]);
  },
});

const WaitArgs = z.strictObject({ taskId: z.string().min(1) });

/** The child a `wait_for_agent` call names, or the error the model should see instead. */
export const waitTarget = (args: unknown): { ok: true; taskId: string } | { ok: false; error: string } => {
  const parsed = WaitArgs.safeParse(args);
  return parsed.success ? { ok: true, taskId: parsed.data.taskId } : { ok: false, error: `wait_for_agent: invalid arguments: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` };
};
