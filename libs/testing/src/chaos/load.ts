import { randomUUID } from 'node:crypto';

/** What the clients saw: tasks the gateway accepted (task id → last state it answered), retries and their causes. */
export type LoadTally = {
  accepted: Map<string, string>;
  sent: number;
  retries: number;
  /** Why a send was retried: `http <status>`, `rpc <code>` or the connection error's name. */
  retryCauses: Map<string, number>;
  /** Messages still unanswered when the clients gave up (they may or may not have reached the log). */
  abandoned: number;
};

type SendAnswer = { result?: { id?: string; status?: { state?: string } }; error?: { code?: number } };

const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

/**
 * One attempt at a blocking `message/send`. Returns the task id and state, or why it must be retried. Every
 * error is retried: the message is valid, so any refusal is the fault speaking.
 */
const attempt = async (input: { url: string; apiKey: string; messageId: string; text: string }): Promise<{ id: string; state: string } | { retry: string }> => {
  const body = { jsonrpc: '2.0', id: randomUUID(), method: 'message/send', params: { message: { kind: 'message', messageId: input.messageId, role: 'user', parts: [{ kind: 'text', text: input.text }] }, metadata: { agent: 'Echo' } } };
  try {
    const res = await fetch(`${input.url}/a2a/v1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': input.apiKey },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    if (res.status !== 200) return { retry: `http ${res.status}` };
    const answer = (await res.json()) as SendAnswer;
    if (answer.result?.id) return { id: answer.result.id, state: answer.result.status?.state ?? 'unknown' };
    return { retry: `rpc ${answer.error?.code ?? 'no result'}` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { retry: cause ?? (error instanceof Error ? error.name : 'error') };
  }
};

/**
 * `clients` loops, each sending blocking `message/send`s with fresh messageIds until `loadUntil`, retrying a
 * send (same messageId, so the gateway finds the task its first attempt made) until it is answered or
 * `giveUpAt` passes.
 */
export const runLoad = async (input: { url: string; apiKey: string; clients: number; loadUntil: number; giveUpAt: number }): Promise<LoadTally> => {
  const tally: LoadTally = { accepted: new Map(), sent: 0, retries: 0, retryCauses: new Map(), abandoned: 0 };
  const client = async (n: number) => {
    for (let i = 0; Date.now() < input.loadUntil; i++) {
      const messageId = randomUUID();
      tally.sent += 1;
      for (;;) {
        const got = await attempt({ url: input.url, apiKey: input.apiKey, messageId, text: `client ${n} message ${i}` });
        if ('id' in got) {
          tally.accepted.set(got.id, got.state);
          break;
        }
        if (Date.now() > input.giveUpAt) {
          tally.abandoned += 1;
          break;
        }
        tally.retries += 1;
        bump(tally.retryCauses, got.retry);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  };
  await Promise.all(Array.from({ length: input.clients }, (_, n) => client(n)));
  return tally;
};
