import { createLogger } from '@shaman/platform';
import { eventually } from '@shaman/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { A2AError } from '../errors.js';
import { registerJsonRpc } from '../jsonrpc/rpc-route.js';
import { registerRest } from '../rest/rest-routes.js';
import type { MethodRegistry } from './invoke.js';
import type { StreamMethod, V03StreamEvent } from './methods.js';

const task: V03StreamEvent = { kind: 'task', id: 't', contextId: 'c', status: { state: 'submitted' } };
const working: V03StreamEvent = { kind: 'status-update', taskId: 't', contextId: 'c', final: false, status: { state: 'working' } };
const chunk: V03StreamEvent = { kind: 'artifact-update', taskId: 't', contextId: 'c', append: true, artifact: { artifactId: 'a', parts: [{ kind: 'text', text: 'tok' }] } };
const done: V03StreamEvent = { kind: 'status-update', taskId: 't', contextId: 'c', final: true, status: { state: 'completed' } };

/** The edge's SSE framing, against stand-in stream methods (the real ones live in src/streaming). */
describe('SSE framing of stream methods (JSON-RPC and REST, both versions)', () => {
  let app: FastifyInstance;
  let url = '';
  const aborted: AbortSignal[] = [];
  const seen: unknown[] = [];

  const stream: StreamMethod = async (_principal, params, ctx) => {
    seen.push(params);
    const p = params as { id?: string; message?: { parts: { text?: string }[] } };
    const text = p.message?.parts[0]?.text ?? p.id;
    if (text === 'unknown') throw new A2AError('task_not_found', 'Task not found: unknown');
    return (async function* () {
      yield task;
      if (text === 'hang') {
        aborted.push(ctx.signal);
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
        return;
      }
      yield working;
      if (text === 'explode') throw new Error('boom');
      yield chunk;
      yield done;
    })();
  };

  beforeAll(async () => {
    app = Fastify();
    app.addContentTypeParser(['application/json'], { parseAs: 'string' }, (_req, body, next) => next(null, body));
    const registry: MethodRegistry = { unary: {}, streams: { 'message/stream': stream, 'tasks/resubscribe': stream } };
    const deps = { registry, authenticate: async () => ({ keyId: 'k', orgId: 'o', scopes: ['*'] }), slugOf: async () => 'o', logger: createLogger({ name: 't', level: 'silent' }) };
    registerJsonRpc(app, deps);
    registerRest(app, deps);
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => app.close());

  const sse = async (path: string, init: { method?: string; body?: unknown; version?: string }) => {
    const res = await fetch(`${url}${path}`, {
      method: init.method ?? 'POST',
      headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.version ? { 'a2a-version': init.version } : {}) },
      ...(init.body ? { body: JSON.stringify(init.body) } : {}),
    });
    const text = await res.text();
    const items = text.split('\n\n').filter((f) => f.startsWith('data: ')).map((f) => JSON.parse(f.slice(6)) as Record<string, unknown>);
    return { status: res.status, type: res.headers.get('content-type'), text, items };
  };
  const rpcSend = (method: string, text: string) => ({ jsonrpc: '2.0', id: 7, method, params: { message: { messageId: 'm', role: 'user', parts: [{ kind: 'text', text }] }, metadata: { agent: 'Echo' } } });

  it('v0.3 JSON-RPC: each data line is a JSON-RPC response with the request id and the v0.3 item', async () => {
    const { type, items } = await sse('/a2a/v1', { body: rpcSend('message/stream', 'hi') });
    expect(type).toBe('text/event-stream');
    expect(items).toEqual([task, working, chunk, done].map((result) => ({ jsonrpc: '2.0', id: 7, result })));
  });

  it('v1.0 JSON-RPC: items are StreamResponse members, without kind or final; params arrive translated', async () => {
    const body = { jsonrpc: '2.0', id: 'x', method: 'SendStreamingMessage', params: { message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'hi' }] } } };
    const { items } = await sse('/a2a/v1', { body, version: '1.0' });
    expect(items.map((i) => i['result'])).toEqual([
      { task: { id: 't', contextId: 'c', status: { state: 'TASK_STATE_SUBMITTED' } } },
      { statusUpdate: { taskId: 't', contextId: 'c', status: { state: 'TASK_STATE_WORKING' } } },
      { artifactUpdate: { taskId: 't', contextId: 'c', append: true, artifact: { artifactId: 'a', parts: [{ text: 'tok' }] } } },
      { statusUpdate: { taskId: 't', contextId: 'c', status: { state: 'TASK_STATE_COMPLETED' } } },
    ]);
    expect(items.every((i) => i['id'] === 'x')).toBe(true);
    expect(seen.at(-1)).toMatchObject({ message: { kind: 'message', role: 'user', parts: [{ kind: 'text', text: 'hi' }] } });
  });

  it('answers a rejection before any event as a plain JSON-RPC error, not a stream', async () => {
    const res = await fetch(`${url}/a2a/v1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tasks/resubscribe', params: { id: 'unknown' } }) });
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await res.json()).toMatchObject({ id: 3, error: { code: -32001 } });
  });

  it('ends a stream that fails midway with one error item carrying the id', async () => {
    const { items } = await sse('/a2a/v1', { body: rpcSend('message/stream', 'explode') });
    expect(items).toHaveLength(3);
    expect(items[2]).toMatchObject({ id: 7, error: { code: -32603 } });
  });

  it('REST: bare StreamResponse items, 0.3 dialect under /v1 and 1.0 without', async () => {
    const v1 = await sse('/a2a/rest/message:stream', { body: { message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'hi' }] } } });
    expect(v1.items[3]).toEqual({ statusUpdate: { taskId: 't', contextId: 'c', status: { state: 'TASK_STATE_COMPLETED' } } });
    const v03 = await sse('/a2a/rest/v1/tasks/t:subscribe', { method: 'GET' });
    expect(v03.items[2]).toEqual({ artifactUpdate: { taskId: 't', contextId: 'c', append: true, artifact: { artifactId: 'a', parts: [{ text: 'tok' }] } } });
    expect(v03.items[3]).toEqual({ statusUpdate: { taskId: 't', contextId: 'c', final: true, status: { state: 'TASK_STATE_COMPLETED' } } });
    expect(seen.at(-1)).toEqual({ id: 't' });
  });

  it('aborts the method\'s signal when the client disconnects', async () => {
    const client = new AbortController();
    const res = await fetch(`${url}/a2a/v1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rpcSend('message/stream', 'hang')), signal: client.signal });
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('"kind":"task"');
    client.abort();
    await eventually(async () => (aborted.at(-1)?.aborted ? true : undefined));
  });
});
