import { randomUUID } from 'node:crypto';

export type A2ATaskResult = {
  id: string;
  contextId: string;
  status: { state: string; message?: { parts: { kind: string; text?: string }[] } };
  artifacts?: { parts: { kind: string; text?: string }[] }[];
};

export class A2AClientError extends Error {
  override readonly name = 'A2AClientError';
  constructor(message: string, readonly code: number | null, readonly httpStatus: number) {
    super(message);
  }
}

/** A minimal A2A v0.3 JSON-RPC client for `message/send`; real clients can use any A2A SDK. */
export const sendMessage = async (input: { gatewayUrl: string; apiKey: string; agent: string; text: string; blocking?: boolean }): Promise<A2ATaskResult> => {
  const res = await fetch(`${input.gatewayUrl}/a2a/v1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${input.apiKey}` },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: randomUUID(),
      method: 'message/send',
      params: {
        message: { kind: 'message', messageId: randomUUID(), role: 'user', parts: [{ kind: 'text', text: input.text }] },
        configuration: { blocking: input.blocking ?? true },
        metadata: { agent: input.agent },
      },
    }),
  });
  const body = (await res.json()) as { result?: A2ATaskResult; error?: { code: number; message: string } };
  if (body.error) throw new A2AClientError(body.error.message, body.error.code, res.status);
  if (!body.result) throw new A2AClientError(`unexpected answer (HTTP ${res.status})`, null, res.status);
  return body.result;
};

/** The text an agent answered with (its artifacts), or its status message when it failed. */
export const replyText = (task: A2ATaskResult): string =>
  (task.artifacts ?? []).flatMap((a) => a.parts).concat(task.artifacts ? [] : task.status.message?.parts ?? []).map((p) => p.text ?? '').join('\n');
