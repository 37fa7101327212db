import type { FastifyReply, FastifyRequest } from 'fastify';
import type { V03StreamEvent } from './methods.js';

const KEEP_ALIVE_MS = 15_000;

/** An AbortController that fires when the client goes away before the answer is complete. */
export const abortOnDisconnect = (req: FastifyRequest, reply: FastifyReply): AbortController => {
  const controller = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  req.raw.on('aborted', () => controller.abort());
  return controller;
};

/**
 * Writes a stream's items as Server-Sent Events, one `data:` line per item (a2a-js frames them the same way),
 * and ends the response when the stream ends. An error after the first item can only travel in-band: it goes
 * out as one more `data:` item (`frameError`) and closes the stream. When the client disconnects, the
 * controller aborts (the stream method stops reading) and we stop iterating.
 */
export const writeSse = async (input: {
  reply: FastifyReply;
  events: AsyncIterable<V03StreamEvent>;
  controller: AbortController;
  frame: (event: V03StreamEvent) => unknown;
  frameError: (error: unknown) => unknown;
  headers?: Record<string, string>;
}): Promise<void> => {
  const { reply, controller } = input;
  reply.hijack();
  reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no', ...input.headers });
  const write = (item: unknown) => reply.raw.write(`data: ${JSON.stringify(item)}\n\n`);
  // A comment line now and then keeps idle proxies from cutting a stream that waits on a slow step.
  const keepAlive = setInterval(() => reply.raw.write(':\n\n'), KEEP_ALIVE_MS);
  keepAlive.unref();
  const iterator = input.events[Symbol.asyncIterator]();
  try {
    while (!controller.signal.aborted) {
      const next = await iterator.next();
      if (next.done || controller.signal.aborted) break;
      write(input.frame(next.value));
    }
  } catch (error) {
    if (!controller.signal.aborted) write(input.frameError(error));
  } finally {
    clearInterval(keepAlive);
    if (controller.signal.aborted) await iterator.return?.().catch(() => undefined);
    reply.raw.end();
  }
};
