import { randomUUID } from 'node:crypto';

/**
 * A v0.3 `message/send` to `agent` with a fresh messageId. Blocking is A2A's default; `blocking: false`
 * asks for the Task at once (state `submitted`), before the agent has run.
 */
export const messageSend = (input: { id: number; agent: string; text: string; blocking?: boolean }): string =>
  JSON.stringify({
    jsonrpc: '2.0',
    id: input.id,
    method: 'message/send',
    params: {
      message: { kind: 'message', messageId: randomUUID(), role: 'user', parts: [{ kind: 'text', text: input.text }] },
      metadata: { agent: input.agent },
      ...(input.blocking === false ? { configuration: { blocking: false } } : {}),
    },
  });

export type AnsweredTask = { id: string; contextId: string; state: string; text: string | undefined };

/** The Task an answer carries (id = step, contextId = run), or null when it is an error or not a Task. */
export const taskOf = (status: number, body: string): AnsweredTask | null => {
  if (status !== 200) return null;
  const answer = JSON.parse(body) as { result?: { id?: string; contextId?: string; status?: { state?: string }; artifacts?: { parts?: { text?: string }[] }[] } };
  const task = answer.result;
  if (task?.id === undefined || task.contextId === undefined || task.status?.state === undefined) return null;
  return { id: task.id, contextId: task.contextId, state: task.status.state, text: task.artifacts?.[0]?.parts?.[0]?.text };
};
