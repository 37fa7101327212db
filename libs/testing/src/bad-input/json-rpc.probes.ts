import { judgeHttp, judgeRpc, send, type Probe, type Target } from './probe.js';

const rpc = (t: Target, body: string | Uint8Array, headers: Record<string, string> = {}) =>
  send(`${t.gatewayUrl}/a2a/v1`, { headers: { 'content-type': 'application/json', 'x-api-key': t.apiKey, ...headers }, body });

const message = (overrides: Record<string, unknown> = {}) => ({ kind: 'message', messageId: 'm-1', role: 'user', parts: [{ kind: 'text', text: 'hi' }], ...overrides });
const call = (method: string, params: unknown, id: unknown = 1) => JSON.stringify({ jsonrpc: '2.0', id, method, params });

/** Malformed envelopes: every one must be a JSON-RPC error, not an exception. */
const ENVELOPES: [string, string][] = [
  ['empty body', ''],
  ['truncated JSON', '{"jsonrpc":"2.0","id":1,"method":"message/send"'],
  ['a bare number', '42'],
  ['a bare string', '"message/send"'],
  ['null', 'null'],
  ['an empty batch', '[]'],
  ['a batch of junk', '[1, "x", null, {}]'],
  ['wrong version', '{"jsonrpc":"1.0","id":1,"method":"tasks/get","params":{"id":"x"}}'],
  ['method not a string', '{"jsonrpc":"2.0","id":1,"method":42}'],
  ['id an object', '{"jsonrpc":"2.0","id":{"a":1},"method":"tasks/get","params":{"id":"x"}}'],
  ['params a string', '{"jsonrpc":"2.0","id":1,"method":"tasks/get","params":"x"}'],
  ['unknown method', '{"jsonrpc":"2.0","id":1,"method":"tasks/explode","params":{}}'],
  ['prototype pollution', '{"jsonrpc":"2.0","id":1,"method":"__proto__","params":{"__proto__":{"admin":true}}}'],
  ['duplicate keys', '{"jsonrpc":"2.0","id":1,"method":"tasks/get","method":"message/send","params":{"id":"x"}}'],
  ['a 10,000-character method', `{"jsonrpc":"2.0","id":1,"method":"${'m'.repeat(10_000)}"}`],
  ['NUL bytes in the method', '{"jsonrpc":"2.0","id":1,"method":"tasks/get\\u0000","params":{"id":"x"}}'],
];

/** Hostile A2A params: each must be -32602 (or a precise A2A code), and create nothing. */
const PARAMS: [string, string][] = [
  ['no parts', call('message/send', { message: message({ parts: [] }) })],
  ['no role', call('message/send', { message: message({ role: undefined }) })],
  ['role system', call('message/send', { message: message({ role: 'system' }) })],
  ['no messageId', call('message/send', { message: message({ messageId: undefined }) })],
  ['a part of an unknown kind', call('message/send', { message: message({ parts: [{ kind: 'video', url: 'x' }] }) })],
  ['a text part without text', call('message/send', { message: message({ parts: [{ kind: 'text' }] }) })],
  ['a file part with a non-URL uri', call('message/send', { message: message({ parts: [{ kind: 'file', file: { uri: 'javascript:alert(1)' } }] }) })],
  ['parts not an array', call('message/send', { message: message({ parts: { kind: 'text', text: 'x' } }) })],
  ['a negative historyLength', call('tasks/get', { id: '00000000-0000-4000-8000-000000000000', historyLength: -1 })],
  ['a historyLength of the wrong type', call('tasks/get', { id: '00000000-0000-4000-8000-000000000000', historyLength: 'all' })],
  ['a task id that is not an id', call('tasks/get', { id: "' OR 1=1 --" })],
  ['an unknown task', call('tasks/get', { id: '00000000-0000-4000-8000-000000000000' })],
  ['cancel of an unknown task', call('tasks/cancel', { id: '00000000-0000-4000-8000-000000000000' })],
  ['a contextId of no run', call('message/send', { message: message({ contextId: '00000000-0000-4000-8000-000000000001' }), metadata: { agent: 'Assistant' } })],
  ['a taskId of no task', call('message/send', { message: message({ taskId: '00000000-0000-4000-8000-000000000002' }) })],
];

/** Agent names that try to leave the agent directory or the subject namespace. */
const TRAVERSAL = ['../../etc/passwd', '/etc/passwd', 'Assistant/../../../root', '..', 'a\u0000b', 'Assistant.*', 'Assistant.>', 'x'.repeat(5000), '%2e%2e%2fetc'];

export const jsonRpcProbes = (): Probe[] => [
  ...ENVELOPES.map(([name, body]): Probe => ({ category: 'JSON-RPC envelopes', name, run: async (t) => judgeRpc(await rpc(t, body)) })),
  ...PARAMS.map(([name, body]): Probe => ({ category: 'A2A params', name, run: async (t) => judgeRpc(await rpc(t, body)) })),
  ...TRAVERSAL.map((agent): Probe => ({
    category: 'path traversal',
    name: `agent ${JSON.stringify(agent.slice(0, 40))}`,
    run: async (t) => judgeRpc(await rpc(t, call('message/send', { message: message({ messageId: `trav-${agent.length}` }), metadata: { agent } })), [-32602, -32051, -32001]),
  })),
  { category: 'oversized bodies', name: '2 MiB body', run: async (t) => judgeHttp(await rpc(t, call('message/send', { message: message({ parts: [{ kind: 'text', text: 'x'.repeat(2 * 1024 * 1024) }] }) })), [413]) },
  { category: 'deep JSON', name: '100,000 nested arrays', run: async (t) => judgeRpc(await rpc(t, `${'['.repeat(100_000)}${']'.repeat(100_000)}`), [-32600]) },
  {
    category: 'deep JSON',
    name: 'deeply nested metadata inside valid params',
    // Built as text: 20,000 levels is past what JSON.stringify (and so a careless server) can recurse through.
    run: async (t) => {
      const deep = `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`;
      const body = `{"jsonrpc":"2.0","id":1,"method":"message/send","params":{"message":${JSON.stringify(message())},"metadata":{"agent":"Assistant","deep":${deep}}}}`;
      // Valid JSON, but nested far past what any request needs: refused before it is parsed, nothing runs.
      return judgeRpc(await rpc(t, body), [-32600]);
    },
  },
  { category: 'invalid UTF-8', name: 'lone continuation bytes', run: async (t) => judgeRpc(await rpc(t, Uint8Array.from([0x7b, 0x80, 0xff, 0xfe, 0x7d]))) },
  {
    category: 'invalid UTF-8',
    name: 'invalid bytes inside a text part',
    run: async (t) => {
      const body = Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":1,"method":"tasks/get","params":{"id":"'), Buffer.from([0xc3, 0x28, 0xa0, 0xa1]), Buffer.from('"}}')]);
      return judgeRpc(await rpc(t, body));
    },
  },
  { category: 'content types', name: 'text/plain body', run: async (t) => judgeRpcOrHttp(await rpc(t, call('tasks/get', { id: 'x' }), { 'content-type': 'text/plain' })) },
];

// A wrong content type may be answered in-band (-32005) or as HTTP 415: both are precise.
const judgeRpcOrHttp = (answer: Awaited<ReturnType<typeof send>>): string | null => (answer.status === 415 ? judgeHttp(answer, [415]) : judgeRpc(answer));
