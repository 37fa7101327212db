import type { JetStreamEventStore } from '@shaman/event-store';
import { newId } from '@shaman/platform';
import { createTestTenant, type TestTenant } from '@shaman/testing';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeExecutor } from './testing/fake-executor.js';
import { startGatewayFixture, type GatewayFixture } from './testing/gateway.fixture.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- wire JSON, asserted field by field
type Wire = any;

describe('A2A JSON-RPC: versions, validation, batches (real PostgreSQL and nats-server)', () => {
  let gateway: GatewayFixture;
  let store: JetStreamEventStore;
  let tenant: TestTenant;
  let other: TestTenant;

  beforeAll(async () => {
    gateway = await startGatewayFixture();
    store = gateway.store;
    const repo = await mkdtemp(join(tmpdir(), 'shaman-gw-proto-'));
    await writeFile(join(repo, 'Echo.md'), '---\nname: Echo\nmodel: scripted\ndescription: Echoes\n---\nEcho.\n');
    await writeFile(join(repo, 'Secret.md'), '---\nname: Secret\nmodel: scripted\nexposed: false\n---\nHidden.\n');
    tenant = await createTestTenant(gateway.db.adminUrl, { agentsRepository: repo });
    other = await createTestTenant(gateway.db.adminUrl, { agentsRepository: repo });
    startFakeExecutor(gateway.nats, store);
  });
  afterAll(async () => gateway.close());

  const post = async (body: unknown, options: { version?: string; key?: string; path?: string; contentType?: string } = {}) => {
    const res = await fetch(`${gateway.url}${options.path ?? '/a2a/v1'}`, {
      method: 'POST',
      headers: { 'content-type': options.contentType ?? 'application/json', authorization: `Bearer ${options.key ?? tenant.apiKey}`, ...(options.version !== undefined ? { 'a2a-version': options.version } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as Wire };
  };
  const v03Message = (text: string, extra: Wire = {}) => ({ kind: 'message', messageId: newId(), role: 'user', parts: [{ kind: 'text', text }], ...extra });
  const v1Message = (text: string, extra: Wire = {}) => ({ messageId: newId(), role: 'ROLE_USER', parts: [{ text }], ...extra });
  const requestCount = async (orgId = tenant.orgId) => {
    let n = 0;
    for await (const _ of store.readFilter(`req.${orgId}.>`)) n++;
    return n;
  };

  describe('version negotiation (A2A-Version)', () => {
    it('speaks v1.0 with 1.0: PascalCase methods, {task} response, TASK_STATE_*, ROLE_*, parts without kind', async () => {
      const { body } = await post({ jsonrpc: '2.0', id: 'a', method: 'SendMessage', params: { message: v1Message('hi'), metadata: { agent: 'Echo' } } }, { version: '1.0' });
      expect(body.id).toBe('a');
      const task = body.result.task;
      expect(task).toMatchObject({ status: { state: 'TASK_STATE_COMPLETED' }, artifacts: [{ parts: [{ text: 'Echo: hi' }] }] });
      expect(task.kind).toBeUndefined();
      expect(task.history[0]).toMatchObject({ role: 'ROLE_USER', parts: [{ text: 'hi' }] });
      expect(task.history[1].kind).toBeUndefined();
      const got = await post({ jsonrpc: '2.0', id: 2, method: 'GetTask', params: { id: task.id, historyLength: 1 } }, { version: '1.0' });
      expect(got.body.result).toMatchObject({ id: task.id, status: { state: 'TASK_STATE_COMPLETED' }, history: [{ role: 'ROLE_AGENT' }] });
    });

    it('maps returnImmediately onto non-blocking, and CancelTask answers TASK_STATE_CANCELED', async () => {
      const sent = await post({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: v1Message('never ends'), configuration: { returnImmediately: true }, metadata: { agent: 'Echo' } } }, { version: '1.0' });
      expect(sent.body.result.task.status.state).toBe('TASK_STATE_SUBMITTED');
      const canceled = await post({ jsonrpc: '2.0', id: 2, method: 'CancelTask', params: { id: sent.body.result.task.id } }, { version: '1.0' });
      expect(canceled.body.result.status.state).toBe('TASK_STATE_CANCELED');
    });

    it.each([[undefined], [''], ['0.3'], ['0.3.0']])('speaks v0.3 when A2A-Version is %j', async (version) => {
      const { body } = await post({ jsonrpc: '2.0', id: 1, method: 'message/send', params: { message: v03Message('old'), metadata: { agent: 'Echo' } } }, { version });
      expect(body.result).toMatchObject({ kind: 'task', status: { state: 'completed' }, artifacts: [{ parts: [{ kind: 'text', text: 'Echo: old' }] }] });
    });

    it('refuses another version with -32009, echoing the id, and records nothing', async () => {
      const before = await requestCount();
      const { status, body } = await post({ jsonrpc: '2.0', id: 77, method: 'message/send', params: { message: v03Message('x'), metadata: { agent: 'Echo' } } }, { version: '2.0' });
      expect(status).toBe(200);
      expect(body).toMatchObject({ id: 77, error: { code: -32009 } });
      expect(await requestCount()).toBe(before);
    });

    it('treats a v1.0 name under 0.3, and a v0.3 name under 1.0, as unknown methods (-32601)', async () => {
      expect((await post({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: {} })).body.error.code).toBe(-32601);
      expect((await post({ jsonrpc: '2.0', id: 1, method: 'message/send', params: {} }, { version: '1.0' })).body.error.code).toBe(-32601);
      expect((await post({ jsonrpc: '2.0', id: 1, method: 'ListTasks', params: {} })).body.error.code).toBe(-32601);
      expect((await post({ jsonrpc: '2.0', id: 1, method: 'tasks/list', params: {} })).body.error.code).toBe(-32601);
    });

    it('gives v1.0 errors an ErrorInfo in data', async () => {
      const { body } = await post({ jsonrpc: '2.0', id: 3, method: 'GetTask', params: { id: newId() } }, { version: '1.0' });
      expect(body).toMatchObject({ id: 3, error: { code: -32001, data: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'TASK_NOT_FOUND', domain: 'a2a-protocol.org' }] } });
    });
  });

  describe('bad requests get the exact code and change nothing', () => {
    let before: number;
    beforeAll(async () => {
      before = await requestCount();
    });
    afterAll(async () => {
      expect(await requestCount()).toBe(before);
    });

    it.each([
      ['v1 part with a v0.3 kind', { message: { messageId: 'm', role: 'ROLE_USER', parts: [{ kind: 'text', text: 'x' }] }, metadata: { agent: 'Echo' } }],
      ['v1 part with two contents', { message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'x', url: 'http://x' }] }, metadata: { agent: 'Echo' } }],
      ['v1 empty parts', { message: { messageId: 'm', role: 'ROLE_USER', parts: [] }, metadata: { agent: 'Echo' } }],
      ['v1 lowercase role', { message: { messageId: 'm', role: 'user', parts: [{ text: 'x' }] }, metadata: { agent: 'Echo' } }],
      ['v1 missing messageId', { message: { role: 'ROLE_USER', parts: [{ text: 'x' }] }, metadata: { agent: 'Echo' } }],
      ['v1 negative historyLength', { message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'x' }] }, configuration: { historyLength: -1 }, metadata: { agent: 'Echo' } }],
      ['v1 returnImmediately of a wrong type', { message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'x' }] }, configuration: { returnImmediately: 'yes' }, metadata: { agent: 'Echo' } }],
    ])('SendMessage with %s: -32602', async (_name, params) => {
      const { body } = await post({ jsonrpc: '2.0', id: 8, method: 'SendMessage', params }, { version: '1.0' });
      expect(body).toMatchObject({ id: 8, error: { code: -32602 } });
    });

    it('GetTask with a negative historyLength: -32602', async () => {
      expect((await post({ jsonrpc: '2.0', id: 1, method: 'tasks/get', params: { id: newId(), historyLength: -2 } })).body.error.code).toBe(-32602);
    });

    it.each([
      ['a file part (v0.3)', '0.3', { message: v03Message('x', { parts: [{ kind: 'file', file: { uri: 'https://example.com/a.png', mimeType: 'image/png' } }] }), metadata: { agent: 'Echo' } }],
      ['a raw part (v1.0)', '1.0', { message: v1Message('x', { parts: [{ raw: 'aGk=', mediaType: 'application/pdf' }] }), metadata: { agent: 'Echo' } }],
      ['acceptedOutputModes without text or JSON', '0.3', { message: v03Message('x'), configuration: { acceptedOutputModes: ['image/png'] }, metadata: { agent: 'Echo' } }],
    ])('content the agents cannot handle, %s: -32005', async (_name, version, params) => {
      const method = version === '1.0' ? 'SendMessage' : 'message/send';
      expect((await post({ jsonrpc: '2.0', id: 5, method, params }, { version })).body).toMatchObject({ id: 5, error: { code: -32005 } });
    });

    it('a request Content-Type that is not JSON: HTTP 415', async () => {
      const { status } = await post({ jsonrpc: '2.0', id: 1, method: 'message/send', params: { message: v03Message('x'), metadata: { agent: 'Echo' } } }, { contentType: 'text/plain' });
      expect(status).toBe(415);
    });

    it('an empty batch: -32600', async () => {
      expect((await post([])).body).toMatchObject({ id: null, error: { code: -32600 } });
    });

    it('push methods before push exists: -32003; a streaming method in a batch: -32600', async () => {
      // While push is not registered the card says so and the methods answer -32003; once it is, an unknown task is -32001.
      const card = (await (await fetch(`${gateway.url}/.well-known/agent-card.json`)).json()) as Wire;
      const push = await post({ jsonrpc: '2.0', id: 4, method: 'tasks/pushNotificationConfig/get', params: { id: newId() } });
      expect(push.body).toMatchObject({ id: 4, error: { code: card.capabilities.pushNotifications ? -32001 : -32003 } });
      const batch = await post([{ jsonrpc: '2.0', id: 1, method: 'message/stream', params: { message: v03Message('x'), metadata: { agent: 'Echo' } } }]);
      expect(batch.body).toMatchObject([{ id: 1, error: { code: -32600 } }]);
    });

    it('a private agent on its own endpoint, and a foreign agent named there: -32602', async () => {
      const secret = await post({ jsonrpc: '2.0', id: 1, method: 'message/send', params: { message: v03Message('x') } }, { path: '/a2a/v1/agents/Secret' });
      expect(secret.body.error).toMatchObject({ code: -32602, data: { reason: 'agent_not_found' } });
      const mismatch = await post({ jsonrpc: '2.0', id: 1, method: 'message/send', params: { message: v03Message('x'), metadata: { agent: 'Other' } } }, { path: '/a2a/v1/agents/Echo' });
      expect(mismatch.body.error.code).toBe(-32602);
    });
  });

  it('answers a batch element by element, skipping notifications, in order', async () => {
    const before = await requestCount();
    const { body } = await post([
      { jsonrpc: '2.0', id: 'send', method: 'message/send', params: { message: v03Message('batched'), metadata: { agent: 'Echo' } } },
      { jsonrpc: '2.0', method: 'tasks/get', params: { id: newId() } },
      { jsonrpc: '2.0', id: 'missing', method: 'tasks/get', params: { id: newId() } },
      { jsonrpc: '1.0', id: 'bad' },
      { jsonrpc: '2.0', id: 'nope', method: 'tasks/explode' },
    ]);
    expect(body).toHaveLength(4);
    expect(body[0]).toMatchObject({ id: 'send', result: { kind: 'task', status: { state: 'completed' } } });
    expect(body[1]).toMatchObject({ id: 'missing', error: { code: -32001 } });
    expect(body[2]).toMatchObject({ id: 'bad', error: { code: -32600 } });
    expect(body[3]).toMatchObject({ id: 'nope', error: { code: -32601 } });
    expect(await requestCount()).toBe(before + 1);
  });

  it('answers a batch of notifications only with HTTP 204 and no body', async () => {
    const { status, body } = await post([{ jsonrpc: '2.0', method: 'tasks/get', params: { id: newId() } }]);
    expect(status).toBe(204);
    expect(body).toBeNull();
  });

  describe('streaming through the real stream methods', () => {
    const frames = async (path: string, body: unknown, version?: string) => {
      const res = await fetch(`${gateway.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': tenant.apiKey, ...(version ? { 'a2a-version': version } : {}) },
        body: JSON.stringify(body),
      });
      expect(res.headers.get('content-type')).toBe('text/event-stream');
      return (await res.text()).split('\n\n').filter((f) => f.startsWith('data: ')).map((f) => JSON.parse(f.slice(6)) as Wire);
    };

    it('the card declares streaming once the methods are registered', async () => {
      expect(((await (await fetch(`${gateway.url}/.well-known/agent-card.json`)).json()) as Wire).capabilities.streaming).toBe(true);
    });

    it('v1.0 SendStreamingMessage: the task first, the completed status last, every item a StreamResponse with the id', async () => {
      const items = await frames('/a2a/v1', { jsonrpc: '2.0', id: 's1', method: 'SendStreamingMessage', params: { message: v1Message('streamed'), metadata: { agent: 'Echo' } } }, '1.0');
      expect(items.every((i) => i.id === 's1' && i.result && !('kind' in i.result))).toBe(true);
      expect(items[0].result.task.status.state).toBe('TASK_STATE_SUBMITTED');
      expect(items.at(-1).result).toMatchObject({ statusUpdate: { status: { state: 'TASK_STATE_COMPLETED' } } });
      expect(JSON.stringify(items)).not.toContain('"final"');
    });

    it('REST v0.3 message:stream: bare 0.3-proto items ending with a final status', async () => {
      const items = await frames('/a2a/rest/v1/message:stream', { message: { messageId: newId(), role: 'ROLE_USER', content: [{ text: 'rest stream' }] }, metadata: { agent: 'Echo' } });
      expect(items[0]).toMatchObject({ task: { status: { state: 'TASK_STATE_SUBMITTED' } } });
      expect(items.at(-1)).toMatchObject({ statusUpdate: { final: true, status: { state: 'TASK_STATE_COMPLETED' } } });
    });
  });

  it('echoes the id on an authentication failure, under either version', async () => {
    const res = await post({ jsonrpc: '2.0', id: 'who', method: 'GetTask', params: { id: newId() } }, { version: '1.0', key: 'sk_live_nope' });
    expect(res).toMatchObject({ status: 401, body: { id: 'who', error: { code: -32050 } } });
  });

  it('sends a v1.0 SendMessage on an agent\'s own endpoint to that agent', async () => {
    const { body } = await post({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: v1Message('direct v1') } }, { path: '/a2a/v1/agents/Echo', version: '1.0' });
    expect(body.result.task).toMatchObject({ status: { state: 'TASK_STATE_COMPLETED' }, artifacts: [{ parts: [{ text: 'Echo: direct v1' }] }] });
  });

  it('sends on an agent\'s own endpoint to that agent, without naming it', async () => {
    const { body } = await post({ jsonrpc: '2.0', id: 1, method: 'message/send', params: { message: v03Message('direct') } }, { path: '/a2a/v1/agents/Echo' });
    expect(body.result).toMatchObject({ status: { state: 'completed' }, metadata: { 'shaman:agent': 'Echo' }, artifacts: [{ parts: [{ text: 'Echo: direct' }] }] });
  });

  it('v1.0 params may name their tenant: the key\'s own slug is served, another organization\'s is 403 (-32051) and appends nothing', async () => {
    const send = (tenantName: unknown, id = 1) => post({ jsonrpc: '2.0', id, method: 'SendMessage', params: { tenant: tenantName, message: v1Message('tenant'), metadata: { agent: 'Echo' } } }, { version: '1.0' });
    const served = await send(tenant.slug);
    expect(served.body.result.task).toMatchObject({ status: { state: 'TASK_STATE_COMPLETED' }, artifacts: [{ parts: [{ text: 'Echo: tenant' }] }] });
    const before = await requestCount();
    const refused = await send(other.slug, 2);
    expect(refused).toMatchObject({ status: 403, body: { id: 2, error: { code: -32051, message: expect.stringContaining(`tenant ${other.slug} (named by params.tenant)`) } } });
    expect((await send(7, 3)).body).toMatchObject({ id: 3, error: { code: -32602 } });
    // In a batch, the refused call is answered in its place and the others are served.
    const batch = await post([
      { jsonrpc: '2.0', id: 'mine', method: 'GetTask', params: { tenant: tenant.slug, id: served.body.result.task.id } },
      { jsonrpc: '2.0', id: 'theirs', method: 'GetTask', params: { tenant: other.slug, id: served.body.result.task.id } },
    ], { version: '1.0' });
    expect(batch.body).toEqual([expect.objectContaining({ id: 'mine', result: expect.objectContaining({ id: served.body.result.task.id }) }), expect.objectContaining({ id: 'theirs', error: expect.objectContaining({ code: -32051 }) })]);
    expect(await requestCount()).toBe(before);
  });

  it('refuses a message to a terminal task with -32004 in both versions', async () => {
    const done = await post({ jsonrpc: '2.0', id: 1, method: 'message/send', params: { message: v03Message('finish'), metadata: { agent: 'Echo' } } });
    const taskId = done.body.result.id as string;
    const before = await requestCount();
    expect((await post({ jsonrpc: '2.0', id: 2, method: 'message/send', params: { message: v03Message('more', { taskId }) } })).body.error.code).toBe(-32004);
    expect((await post({ jsonrpc: '2.0', id: 3, method: 'SendMessage', params: { message: v1Message('more', { taskId }) } }, { version: '1.0' })).body.error.code).toBe(-32004);
    expect(await requestCount()).toBe(before);
  });

  it('answers the authenticated extended card in both versions, with the agents the key may call', async () => {
    const v03 = await post({ jsonrpc: '2.0', id: 1, method: 'agent/getAuthenticatedExtendedCard' });
    expect(v03.body.result).toMatchObject({ protocolVersion: '0.3.0', supportsAuthenticatedExtendedCard: true });
    expect(v03.body.result.skills.map((s: Wire) => s.id)).toEqual(['Echo']);
    const v1 = await post({ jsonrpc: '2.0', id: 1, method: 'GetExtendedAgentCard' }, { version: '1.0' });
    expect(v1.body.result).toMatchObject({ capabilities: { extendedAgentCard: true }, supportedInterfaces: expect.arrayContaining([{ url: `${gateway.url}/a2a/v1`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }]) });
    expect(v1.body.result.url).toBeUndefined();
    expect((await post({ jsonrpc: '2.0', id: 1, method: 'GetExtendedAgentCard' }, { version: '1.0', key: 'sk_live_nope' })).status).toBe(401);
    expect(other.orgId).not.toBe(tenant.orgId);
  });
});
