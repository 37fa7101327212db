import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { LlmError, type LlmMessage, type LlmRequest } from './llm-provider.js';

/** What the mock received, for specs to check paths, headers and the mapped body. */
export type ReceivedRequest = { method: string; path: string; headers: IncomingHttpHeaders; body: unknown };

/**
 * One scripted answer. `sse` chunks are written separately with a pause between them so the client sees
 * real network boundaries; `hold` keeps the stream open afterwards, as a slow model would.
 */
export type MockReply = {
  status?: number;
  headers?: Record<string, string>;
  json?: unknown;
  sse?: Array<string | Uint8Array>;
  hold?: boolean;
};

export type MockLlmServer = {
  url: string;
  received: ReceivedRequest[];
  /** Queues answers, one per request, in order. */
  reply(...replies: MockReply[]): void;
  close(): Promise<void>;
};

const readBody = async (request: AsyncIterable<Buffer>): Promise<unknown> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : (JSON.parse(text) as unknown);
};

const send = async (response: ServerResponse, reply: MockReply): Promise<void> => {
  if (reply.sse === undefined) {
    response.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
    response.end(reply.json === undefined ? '' : JSON.stringify(reply.json));
    return;
  }
  response.writeHead(reply.status ?? 200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...reply.headers });
  response.flushHeaders();
  for (const chunk of reply.sse) {
    if (response.destroyed) return;
    response.write(chunk);
    await sleep(1);
  }
  if (!reply.hold) response.end();
};

/** An HTTP server on 127.0.0.1 with an OS-chosen port that answers like a model provider. */
export const startMockLlmServer = async (): Promise<MockLlmServer> => {
  const received: ReceivedRequest[] = [];
  const queue: MockReply[] = [];
  const server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      received.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body });
      await send(response, queue.shift() ?? { status: 500, json: { error: { message: 'mock: no reply queued' } } });
    })().catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    reply: (...replies) => queue.push(...replies),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections(); // held streams would otherwise keep close() waiting
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
};

/** Frames an SSE event as the providers do: optional `event:` line, one `data:` line, blank line. */
export const sseEvent = (data: unknown, event?: string): string =>
  `${event === undefined ? '' : `event: ${event}\n`}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;

/**
 * Cuts a stream's bytes every `size` bytes: inside `data:`, inside JSON strings, inside multi-byte UTF-8
 * characters, as TCP may.
 */
export const splitBytes = (text: string, size: number): Buffer[] => {
  const bytes = Buffer.from(text, 'utf8');
  return Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
};

/** The tool both providers' specs offer. */
export const weatherTool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

export const llmRequest = (messages: LlmMessage[], extra: Partial<LlmRequest> & { model: string }): LlmRequest => ({
  messages,
  tools: [],
  agent: { name: 'Assistant', repository: '/unused' },
  ...extra,
});

/** The `LlmError` a call rejected with; fails loudly if it resolved or threw anything else. */
export const rejection = async (promise: Promise<unknown>): Promise<LlmError> => {
  const error: unknown = await promise.then(() => undefined, (e: unknown) => e);
  if (error instanceof LlmError) return error;
  throw new Error(`expected an LlmError, got ${String(error)}`, { cause: error });
};
