import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An OpenAI-compatible chat-completions endpoint that answers from a queue and keeps every request it got. */
export type MockModel = { url: string; received: { path: string; body: unknown }[]; reply(answer: MockAnswer): void; close(): Promise<void> };
/** A text answer, or tool calls (OpenAI `tool_calls`, with ids of this mock's own). */
export type MockAnswer = string | { toolCalls: { name: string; arguments: Record<string, unknown> }[] };

const messageOf = (answer: MockAnswer, n: number): Record<string, unknown> =>
  typeof answer === 'string'
    ? { role: 'assistant', content: answer }
    : { role: 'assistant', content: null, tool_calls: answer.toolCalls.map((c, i) => ({ id: `call_mock_${n}_${i}`, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.arguments) } })) };

// The CLI's specs keep their own mock (apps never import each other's fixtures): the executor counts as a client.
export const startMockModel = async (): Promise<MockModel> => {
  const replies: MockAnswer[] = [];
  const received: MockModel['received'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') as unknown });
      const content = replies.shift();
      if (content === undefined) {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'no scripted reply left', type: 'server_error' } }));
        return;
      }
      const finish = typeof content === 'string' ? 'stop' : 'tool_calls';
      const body = { id: 'chatcmpl-fork', object: 'chat.completion', model: 'mock', choices: [{ index: 0, message: messageOf(content, received.length), finish_reason: finish }], usage: { prompt_tokens: 40, completion_tokens: 5, total_tokens: 45 } };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    reply: (answer) => void replies.push(answer),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
};
