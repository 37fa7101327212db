import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

// Probes for the kill tests: a model and a tool that live in the test process, outside every executor, so they
// count what any executor asked of them and can hold an answer back while the test kills the asker.

/** What a probe does with one request: answer at once, never (the asker is about to be killed), or fail (503). */
export type Reply = 'answer' | 'hold' | 'fail';

type OpenAiMessage = { role: string; content?: string | null };
type OpenAiBody = { messages: OpenAiMessage[]; tools?: { function: { name: string } }[] };

export type ModelProbe = {
  url: string;
  /** Every request, as the turn it asked for (how many assistant messages it already held). */
  turns: number[];
  /**
   * Decides each request by its turn, how many requests for that turn of that agent came so far (this one
   * included) and the agent's system prompt; reset per test.
   */
  behave(policy: (turn: number, seen: number, system: string) => Reply): void;
  close(): Promise<void>;
};

const listen = async (server: Server, port = 0): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

const readJson = async (req: IncomingMessage): Promise<unknown> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
};

const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };

/** Turn 0 calls the first offered tool; later turns answer with the last tool result. OpenAI's wire format. */
const answerFor = (turn: number, body: OpenAiBody): unknown => {
  const tool = body.tools?.[0]?.function.name;
  if (turn === 0 && tool) {
    const call = { id: 'call_0', type: 'function', function: { name: tool, arguments: JSON.stringify({ ms: 0 }) } };
    return { id: 'c', object: 'chat.completion', model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [call] }, finish_reason: 'tool_calls' }], usage };
  }
  const last = body.messages.findLast((m) => m.role === 'tool')?.content ?? 'nothing';
  return { id: 'c', object: 'chat.completion', model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: `done: ${last}` }, finish_reason: 'stop' }], usage };
};

export const startModelProbe = async (): Promise<ModelProbe> => {
  const turns: number[] = [];
  let policy: (turn: number, seen: number, system: string) => Reply = () => 'answer';
  const seen = new Map<string, number>();
  const held = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    void (async () => {
      const body = (await readJson(req)) as OpenAiBody;
      const turn = body.messages.filter((m) => m.role === 'assistant').length;
      turns.push(turn);
      const system = body.messages.find((m) => m.role === 'system')?.content ?? '';
      const key = `${system}|${turn}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      const reply = policy(turn, seen.get(key) ?? 1, system);
      if (reply === 'hold') return void held.add(res);
      if (reply === 'fail') return void res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'probe: overloaded', type: 'server_error' } }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answerFor(turn, body)));
    })().catch(() => res.destroy());
  });
  const url = await listen(server);
  return {
    url,
    turns,
    behave: (next) => {
      turns.length = 0;
      seen.clear();
      policy = next;
    },
    close: async () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

export type ToolProbe = {
  /** The MCP endpoint (streamable HTTP). */
  url: string;
  /** One entry per invocation of the `slow` tool, by whichever executor made it. */
  calls: number;
  behave(policy: (seen: number) => 'answer' | 'hold' | number): void;
  close(): Promise<void>;
};

/**
 * An MCP server with one tool, `slow`: answers at once, after a number of milliseconds, or never, as the
 * test's policy says for the n-th invocation. On `port` when given (a server that comes up late).
 */
export const startToolProbe = async (options: { port?: number } = {}): Promise<ToolProbe> => {
  const probe = { calls: 0, policy: (() => 'answer') as (seen: number) => 'answer' | 'hold' | number };
  const mcp = () => {
    const server = new McpServer({ name: 'kill-probe', version: '1.0.0' });
    server.registerTool('slow', { description: 'Answers when the test lets it.', inputSchema: { ms: z.number() } }, async () => {
      probe.calls++;
      const reply = probe.policy(probe.calls);
      // 'hold' still ends after a minute, so a probe never outlives its suite by much.
      if (reply !== 'answer') await new Promise((resolve) => setTimeout(resolve, reply === 'hold' ? 60_000 : reply).unref());
      return { content: [{ type: 'text' as const, text: `tool answer ${probe.calls}` }] };
    });
    return server;
  };
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const id = req.headers['mcp-session-id'];
    const known = typeof id === 'string' ? sessions.get(id) : undefined;
    if (known) return known.handleRequest(req, res);
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (sid) => void sessions.set(sid, transport),
    });
    await mcp().connect(transport);
    return transport.handleRequest(req, res);
  };
  const http = createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
  const url = `${await listen(http, options.port)}/mcp`;
  return {
    url,
    get calls() {
      return probe.calls;
    },
    behave: (next) => {
      probe.calls = 0;
      probe.policy = next;
    },
    close: async () => {
      await Promise.allSettled([...sessions.values()].map((t) => t.close()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
};
