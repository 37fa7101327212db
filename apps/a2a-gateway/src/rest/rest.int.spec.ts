import type { JetStreamEventStore } from '@shaman/event-store';
import { newId } from '@shaman/platform';
import { createTestTenant, type TestTenant } from '@shaman/testing';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeExecutor } from '../testing/fake-executor.js';
import { startGatewayFixture, type GatewayFixture } from '../testing/gateway.fixture.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- wire JSON, asserted field by field
type Wire = any;

describe('A2A HTTP+JSON (REST) binding, v0.3 and v1.0 (real PostgreSQL and nats-server)', () => {
  let gateway: GatewayFixture;
  let store: JetStreamEventStore;
  let tenant: TestTenant;
  let other: TestTenant;

  beforeAll(async () => {
    gateway = await startGatewayFixture({ push: { secretBox: null, allowPrivateNetworks: true } });
    store = gateway.store;
    const repo = await mkdtemp(join(tmpdir(), 'shaman-gw-rest-'));
    await writeFile(join(repo, 'Echo.md'), '---\nname: Echo\nmodel: scripted\n---\nEcho.\n');
    tenant = await createTestTenant(gateway.db.adminUrl, { agentsRepository: repo });
    other = await createTestTenant(gateway.db.adminUrl, { agentsRepository: repo });
    startFakeExecutor(gateway.nats, store);
  });
  afterAll(async () => gateway.close());

  const call = async (method: string, path: string, options: { body?: unknown; key?: string | null; headers?: Record<string, string> } = {}) => {
    const key = options.key === undefined ? tenant.apiKey : options.key;
    const res = await fetch(`${gateway.url}/a2a/rest${path}`, {
      method,
      headers: { ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(key ? { 'x-api-key': key } : {}), ...options.headers },
      ...(options.body !== undefined ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as Wire };
  };
  const requestCount = async () => {
    let n = 0;
    for await (const _ of store.readFilter(`req.${tenant.orgId}.>`)) n++;
    return n;
  };

  it('v1.0: message:send → {task}, then GET /tasks/{id} and POST /tasks/{id}:cancel', async () => {
    const sent = await call('POST', '/message:send', { body: { message: { messageId: newId(), role: 'ROLE_USER', parts: [{ text: 'rest' }] }, metadata: { agent: 'Echo' } } });
    expect(sent.status).toBe(200);
    expect(sent.body.task).toMatchObject({ status: { state: 'TASK_STATE_COMPLETED' }, artifacts: [{ parts: [{ text: 'Echo: rest' }] }] });
    const got = await call('GET', `/tasks/${sent.body.task.id}?historyLength=1`);
    expect(got.body).toMatchObject({ id: sent.body.task.id, history: [{ role: 'ROLE_AGENT' }] });
    const cancel = await call('POST', `/tasks/${sent.body.task.id}:cancel`);
    expect(cancel).toMatchObject({ status: 400, body: { error: { code: 400, status: 'FAILED_PRECONDITION', details: [{ reason: 'TASK_NOT_CANCELABLE' }] } } });
  });

  it('v1.0 under the optional /{tenant} prefix: the key\'s own slug is served, another organization\'s is 403 and appends nothing', async () => {
    const send = (slug: string) => call('POST', `/${slug}/message:send`, { body: { message: { messageId: newId(), role: 'ROLE_USER', parts: [{ text: 'tenant' }] }, metadata: { agent: 'Echo' } } });
    const sent = await send(tenant.slug);
    expect(sent.status).toBe(200);
    expect(sent.body.task).toMatchObject({ status: { state: 'TASK_STATE_COMPLETED' }, artifacts: [{ parts: [{ text: 'Echo: tenant' }] }] });
    expect((await call('GET', `/${tenant.slug}/tasks/${sent.body.task.id}`)).body).toMatchObject({ id: sent.body.task.id });
    const listed = await call('GET', `/${tenant.slug}/tasks?pageSize=1`);
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ tasks: expect.any(Array), nextPageToken: expect.any(String) });
    const before = await requestCount();
    const refused = await send(other.slug);
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 403, status: 'PERMISSION_DENIED', message: expect.stringContaining(`tenant ${other.slug}`) } } });
    expect((await call('GET', `/${other.slug}/tasks/${sent.body.task.id}`)).status).toBe(403);
    expect(await requestCount()).toBe(before);
  });

  it('v0.3: /v1/message:send in the 0.3 proto dialect, cancel of a running task', async () => {
    const sent = await call('POST', '/v1/message:send', {
      body: { message: { messageId: newId(), role: 'ROLE_USER', content: [{ text: 'never ends' }] }, configuration: { blocking: false }, metadata: { agent: 'Echo' } },
    });
    expect(sent.status).toBe(200);
    expect(sent.body.task).toMatchObject({ status: { state: 'TASK_STATE_SUBMITTED' }, history: [{ role: 'ROLE_USER', content: [{ text: 'never ends' }] }] });
    const canceled = await call('POST', `/v1/tasks/${sent.body.task.id}:cancel`);
    expect(canceled.body).toMatchObject({ id: sent.body.task.id, status: { state: 'TASK_STATE_CANCELLED' } });
    const got = await call('GET', `/v1/tasks/${sent.body.task.id}`);
    expect(got.body.status.state).toBe('TASK_STATE_CANCELLED');
  });

  it('serves the extended card on both paths and requires a key', async () => {
    expect((await call('GET', '/v1/card')).body).toMatchObject({
      protocolVersion: '0.3.0',
      skills: [{ id: 'Echo' }],
      securitySchemes: { apiKey: { apiKeySecurityScheme: { location: 'header', name: 'x-api-key' } } },
      security: [{ schemes: { apiKey: { list: [] } } }, { schemes: { bearer: { list: [] } } }],
    });
    expect((await call('GET', '/extendedAgentCard')).body).toMatchObject({ capabilities: { extendedAgentCard: true }, skills: [{ id: 'Echo' }] });
    expect((await call('GET', '/extendedAgentCard', { key: null })).status).toBe(401);
  });

  it('push configs over REST in both dialects: create, get, list, delete', async () => {
    const sent = await call('POST', '/message:send', { body: { message: { messageId: newId(), role: 'ROLE_USER', parts: [{ text: 'never ends' }] }, configuration: { returnImmediately: true }, metadata: { agent: 'Echo' } } });
    const taskId = sent.body.task.id as string;
    const created = await call('POST', `/tasks/${taskId}/pushNotificationConfigs`, { body: { id: 'h1', url: 'http://127.0.0.1:9/hook', token: 't' } });
    expect(created).toMatchObject({ status: 200, body: { taskId, id: 'h1', url: 'http://127.0.0.1:9/hook', token: 't' } });
    expect((await call('GET', `/tasks/${taskId}/pushNotificationConfigs/h1`)).body).toMatchObject({ taskId, id: 'h1' });
    const v03 = await call('POST', `/v1/tasks/${taskId}/pushNotificationConfigs`, { body: { name: `tasks/${taskId}/pushNotificationConfigs/h2`, pushNotificationConfig: { id: 'h2', url: 'http://127.0.0.1:9/other' } } });
    expect(v03.body).toEqual({ name: `tasks/${taskId}/pushNotificationConfigs/h2`, pushNotificationConfig: { id: 'h2', url: 'http://127.0.0.1:9/other' } });
    expect((await call('GET', `/tasks/${taskId}/pushNotificationConfigs`)).body).toMatchObject({ configs: [{ id: 'h1' }, { id: 'h2' }], nextPageToken: '' });
    expect(await call('DELETE', `/v1/tasks/${taskId}/pushNotificationConfigs/h1`)).toMatchObject({ status: 204, body: null });
    expect((await call('GET', `/v1/tasks/${taskId}/pushNotificationConfigs`)).body.configs.map((c: Wire) => c.pushNotificationConfig.id)).toEqual(['h2']);
    expect((await call('GET', `/tasks/${newId()}/pushNotificationConfigs`)).status).toBe(404);
    await call('POST', `/tasks/${taskId}:cancel`);
  });

  describe('errors map to HTTP statuses and change nothing', () => {
    let before: number;
    beforeAll(async () => {
      before = await requestCount();
    });
    afterAll(async () => {
      expect(await requestCount()).toBe(before);
    });

    it('unknown task: 404 in both versions; v1.0 as google.rpc.Status, v0.3 as {code, message}', async () => {
      expect(await call('GET', `/tasks/${newId()}`)).toMatchObject({ status: 404, body: { error: { code: 404, status: 'NOT_FOUND', details: [{ reason: 'TASK_NOT_FOUND', domain: 'a2a-protocol.org' }] } } });
      expect(await call('GET', `/v1/tasks/${newId()}`)).toMatchObject({ status: 404, body: { code: -32001 } });
    });

    it('another organization\'s task is not found', async () => {
      const mine = await call('POST', '/message:send', { body: { message: { messageId: newId(), role: 'ROLE_USER', parts: [{ text: 'mine' }] }, metadata: { agent: 'Echo' } } });
      before += 1;
      expect((await call('GET', `/tasks/${mine.body.task.id}`, { key: other.apiKey })).status).toBe(404);
    });

    it.each([
      ['empty parts (v1.0)', '/message:send', { message: { messageId: 'm', role: 'ROLE_USER', parts: [] }, metadata: { agent: 'Echo' } }],
      ['missing role (v0.3)', '/v1/message:send', { message: { messageId: 'm', content: [{ text: 'x' }] }, metadata: { agent: 'Echo' } }],
      ['bad part (v0.3)', '/v1/message:send', { message: { messageId: 'm', role: 'ROLE_USER', content: [{ video: 'x' }] }, metadata: { agent: 'Echo' } }],
      ['not an object', '/message:send', [1, 2]],
    ])('invalid params, %s: 400', async (_name, path, body) => {
      const res = await call('POST', path, { body });
      expect(res.status).toBe(400);
      expect(path.startsWith('/v1') ? res.body.code : res.body.error.details[0].reason).toBe(path.startsWith('/v1') ? -32602 : 'INVALID_PARAMS');
    });

    it('malformed JSON: 400 parse error; non-JSON Content-Type: 415; bad query value: 400', async () => {
      expect(await call('POST', '/v1/message:send', { body: '{"message":' })).toMatchObject({ status: 400, body: { code: -32700 } });
      const res = await fetch(`${gateway.url}/a2a/rest/message:send`, { method: 'POST', headers: { 'content-type': 'text/plain', 'x-api-key': tenant.apiKey }, body: 'hello' });
      expect(res.status).toBe(415);
      expect((await call('GET', `/v1/tasks/${newId()}?historyLength=-1`)).status).toBe(400);
    });

    it('a file part: 400 CONTENT_TYPE_NOT_SUPPORTED', async () => {
      const res = await call('POST', '/message:send', { body: { message: { messageId: 'm', role: 'ROLE_USER', parts: [{ url: 'https://x/a.png' }] }, metadata: { agent: 'Echo' } } });
      expect(res).toMatchObject({ status: 400, body: { error: { status: 'INVALID_ARGUMENT' } } });
      expect(res.body.error.details[0].reason).toBe('CONTENT_TYPE_NOT_SUPPORTED');
    });

    it('no key: 401 with WWW-Authenticate; a header naming another version: -32009', async () => {
      const res = await fetch(`${gateway.url}/a2a/rest/tasks/${newId()}`);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(await call('GET', `/v1/tasks/${newId()}`, { headers: { 'a2a-version': '1.0' } })).toMatchObject({ status: 400, body: { code: -32009 } });
      const unsupported = await call('GET', `/tasks/${newId()}`, { headers: { 'a2a-version': '9.9' } });
      expect(unsupported.status).toBe(400);
      expect(unsupported.body.error.details[0].reason).toBe('VERSION_NOT_SUPPORTED');
    });

    it('an unknown verb on a task: 501', async () => {
      expect((await call('POST', `/tasks/${newId()}:explode`)).status).toBe(501);
    });
  });
});
