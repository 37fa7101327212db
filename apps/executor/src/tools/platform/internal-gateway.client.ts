import { injectTraceHeaders } from '@shaman/platform';
import { z } from 'zod';
import type { ToolContext } from '../../activities/call-tool.activity.js';

/** What the platform signs for a call to the gateway's internal role (libs/platform internal tokens). */
export type InternalCallClaims = { orgId: string; runId: string; parentStepId: string; depth: number; initiatorId: string; chain: string[] };

/** The gateway's internal role as this executor reaches it: its base URL and the signer of its tokens. */
export type InternalGateway = {
  url: string;
  tokens: { issue(claims: InternalCallClaims): Promise<string> };
  /** Per attempt; a refused or failed attempt is retried twice with back-off before the call fails. */
  timeoutMs: number;
  fetch?: typeof fetch;
};

const TaskAnswer = z.object({
  result: z.object({ id: z.string().min(1), status: z.object({ state: z.string() }) }).optional(),
  error: z.object({ code: z.number(), message: z.string(), data: z.unknown().optional() }).optional(),
});

/** The gateway said no (a JSON-RPC error): final, the model sees the reason. */
export class AgentCallRefused extends Error {
  override readonly name = 'AgentCallRefused';
}

const ATTEMPTS = 3;

/**
 * Sends `message/send` (non-blocking) to the internal role and returns the child task's id and state. A JSON-RPC
 * error is final (the depth limit, an unknown agent); a transport failure is retried with back-off, since the
 * message id makes a repeated send reach the same task.
 */
export const sendToInternalGateway = async (
  gateway: InternalGateway,
  input: { caller: ToolContext; agent: string; message: string; messageId: string },
  signal: AbortSignal,
): Promise<{ id: string; state: string }> => {
  const { caller } = input;
  const chain = caller.callChain && caller.callChain.length > 0 ? [...caller.callChain] : [caller.agent];
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: input.messageId,
    method: 'message/send',
    params: {
      message: { kind: 'message', messageId: input.messageId, role: 'user', parts: [{ kind: 'text', text: input.message }] },
      metadata: { agent: input.agent, 'shaman:runId': caller.runId, 'shaman:parentStepId': caller.stepId, 'shaman:depth': caller.depth + 1 },
      configuration: { blocking: false },
    },
  });
  let lastError: unknown = null;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    // A fresh token per attempt: each carries its own jti, which the gateway accepts once.
    const token = await gateway.tokens.issue({ orgId: caller.orgId, runId: caller.runId, parentStepId: caller.stepId, depth: caller.depth + 1, initiatorId: caller.stepId, chain });
    try {
      const response = await (gateway.fetch ?? fetch)(`${gateway.url.replace(/\/$/, '')}/a2a/v1`, {
        method: 'POST',
        // The trace continues in the gateway and the child's executor (docs/operations.md, tracing).
        headers: injectTraceHeaders({ 'content-type': 'application/json', authorization: `Bearer ${token}` }),
        body,
        signal: AbortSignal.any([signal, AbortSignal.timeout(gateway.timeoutMs)]),
      });
      const answer = TaskAnswer.parse(await response.json());
      if (answer.error) throw new AgentCallRefused(`agent ${input.agent}: ${answer.error.message}`);
      if (answer.result) return { id: answer.result.id, state: answer.result.status.state };
      throw new Error(`the gateway answered HTTP ${response.status} without a task`);
    } catch (error) {
      if (error instanceof AgentCallRefused || signal.aborted) throw error;
      lastError = error;
      if (attempt < ATTEMPTS) await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
    }
  }
  throw new Error(`agent ${input.agent}: the gateway could not be reached: ${(lastError as Error).message}`);
};
