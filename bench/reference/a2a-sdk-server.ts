/**
 * The reference for the A2A benchmark: a minimal in-memory A2A server built only from the official
 * @a2a-js/sdk 0.3 line (DefaultRequestHandler + InMemoryTaskStore + JsonRpcTransportHandler), with an agent that
 * answers at once. It speaks the same v0.3 JSON-RPC as our gateway's default, so both receive byte-identical
 * requests. Framed with node:http (the SDK's transport handler does the protocol; no express needed).
 * Run as its own process by bench scenarios; prints one JSON line `{"msg":"reference listening","url":…}`.
 */
import type { AgentCard, Message, Task } from 'a2a-sdk-v03';
import { DefaultRequestHandler, InMemoryTaskStore, JsonRpcTransportHandler, type AgentExecutor } from 'a2a-sdk-v03/server';
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

const API_KEY = Buffer.from(process.env['REFERENCE_API_KEY'] ?? 'bench-key');

const textOf = (message: Message): string => message.parts.map((p) => (p.kind === 'text' ? p.text : '')).join('');

/** Answers like the scripted model without a script: "Echo: <text>", as one completed Task with one artifact. */
const echo: AgentExecutor = {
  execute: async (ctx, bus) => {
    const task: Task = {
      kind: 'task',
      id: ctx.taskId,
      contextId: ctx.contextId,
      status: { state: 'completed', timestamp: new Date().toISOString() },
      artifacts: [{ artifactId: `${ctx.taskId}:output`, name: 'response', parts: [{ kind: 'text', text: `Echo: ${textOf(ctx.userMessage)}` }] }],
      history: [ctx.userMessage],
    };
    bus.publish(task);
    bus.finished();
  },
  cancelTask: async () => undefined,
};

const card: AgentCard = {
  protocolVersion: '0.3.0',
  name: 'reference',
  description: 'In-memory @a2a-js/sdk reference server for benchmarks',
  version: '0.0.0',
  url: 'http://127.0.0.1/a2a/v1',
  preferredTransport: 'JSONRPC',
  capabilities: { streaming: false, pushNotifications: false },
  defaultInputModes: ['text/plain'],
  defaultOutputModes: ['text/plain'],
  skills: [{ id: 'echo', name: 'echo', description: 'echo', tags: [] }],
};

const handler = new JsonRpcTransportHandler(new DefaultRequestHandler(card, new InMemoryTaskStore(), echo));

// The same gate our gateway applies (an API key header), minus the database lookup our gateway caches.
const authorized = (header: string | string[] | undefined): boolean => {
  const given = Buffer.from(typeof header === 'string' ? header : '');
  return given.length === API_KEY.length && timingSafeEqual(given, API_KEY);
};

const respond = async (req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> => {
  if (req.method !== 'POST' || req.url !== '/a2a/v1') {
    res.writeHead(404).end();
    return;
  }
  if (!authorized(req.headers['x-api-key'])) {
    res.writeHead(401).end();
    return;
  }
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }));
    return;
  }
  const answer = await handler.handle(body);
  if (Symbol.asyncIterator in answer) res.writeHead(501).end(); // streaming is not part of this benchmark
  else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
};

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => void respond(req, res, Buffer.concat(chunks).toString('utf8')));
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  console.log(JSON.stringify({ msg: 'reference listening', url: `http://127.0.0.1:${address.port}` }));
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
