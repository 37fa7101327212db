import { createSecretBox, generateSecretKey, newId, withOrg } from '@shaman/platform';
import { createTestTenant, type TestTenant } from '@shaman/testing';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayFixture, type GatewayFixture } from '../testing/gateway.fixture.js';

type Answer = { result?: unknown; error?: { code: number; message: string; data?: unknown } };

describe('push notification configs over JSON-RPC (real PostgreSQL and NATS)', () => {
  let open: GatewayFixture;
  let strict: GatewayFixture;
  let tenant: TestTenant;
  let other: TestTenant;
  let strictTenant: TestTenant;
  let taskId: string;

  const call = async (gateway: GatewayFixture, key: string, method: string, params: unknown): Promise<Answer> => {
    const res = await fetch(`${gateway.url}/a2a/v1`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
    return (await res.json()) as Answer;
  };
  const message = () => ({ kind: 'message', messageId: newId(), role: 'user', parts: [{ kind: 'text', text: 'wait' }] });
  const startTask = async (gateway: GatewayFixture, key: string, configuration: Record<string, unknown> = {}) =>
    call(gateway, key, 'message/send', { message: message(), configuration: { blocking: false, ...configuration }, metadata: { agent: 'Echo' } });
  const configRows = async (gateway: GatewayFixture): Promise<Record<string, unknown>[]> => {
    const admin = new pg.Client({ connectionString: gateway.db.adminUrl });
    await admin.connect();
    try {
      return (await admin.query('SELECT * FROM push_configs')).rows;
    } finally {
      await admin.end();
    }
  };

  beforeAll(async () => {
    const secretBox = createSecretBox(generateSecretKey());
    [open, strict] = await Promise.all([startGatewayFixture({ push: { secretBox, allowPrivateNetworks: true } }), startGatewayFixture({ push: { secretBox: null, allowPrivateNetworks: false } })]);
    const repo = await mkdtemp(join(tmpdir(), 'shaman-gw-pushcfg-'));
    await writeFile(join(repo, 'Echo.md'), '---\nname: Echo\nmodel: scripted\n---\nEcho.\n');
    tenant = await createTestTenant(open.db.adminUrl, { agentsRepository: repo });
    other = await createTestTenant(open.db.adminUrl, { agentsRepository: repo });
    strictTenant = await createTestTenant(strict.db.adminUrl, { agentsRepository: repo });
    taskId = ((await startTask(open, tenant.apiKey)).result as { id: string }).id;
  });
  afterAll(async () => {
    await open?.close();
    await strict?.close();
  });

  it('sets, gets, lists and deletes configs of a task; credentials are stored sealed and never read back', async () => {
    const withId = { id: 'ops', url: 'http://127.0.0.1:9/hook', token: 't1', authentication: { schemes: ['Bearer'], credentials: 'very-secret' } };
    const set = await call(open, tenant.apiKey, 'tasks/pushNotificationConfig/set', { taskId, pushNotificationConfig: withId });
    expect(set.result).toEqual({ taskId, pushNotificationConfig: { id: 'ops', url: withId.url, token: 't1', authentication: { schemes: ['Bearer'] } } });
    const byDefault = await call(open, tenant.apiKey, 'tasks/pushNotificationConfig/set', { taskId, pushNotificationConfig: { url: 'http://127.0.0.1:9/other' } });
    expect(byDefault.result).toEqual({ taskId, pushNotificationConfig: { id: taskId, url: 'http://127.0.0.1:9/other' } });

    expect((await call(open, tenant.apiKey, 'tasks/pushNotificationConfig/get', { id: taskId, pushNotificationConfigId: 'ops' })).result).toEqual(set.result);
    expect((await call(open, tenant.apiKey, 'tasks/pushNotificationConfig/get', { id: taskId })).result).toEqual(byDefault.result);
    expect((await call(open, tenant.apiKey, 'tasks/pushNotificationConfig/list', { id: taskId })).result).toEqual([set.result, byDefault.result]);
    const sealed = (await configRows(open)).find((r) => r['config_id'] === 'ops');
    expect(sealed?.['credentials_ciphertext']).toMatch(/^v1:/);
    expect(JSON.stringify(sealed)).not.toContain('very-secret');

    // Setting the same id again replaces it.
    await call(open, tenant.apiKey, 'tasks/pushNotificationConfig/set', { taskId, pushNotificationConfig: { id: 'ops', url: 'http://127.0.0.1:9/moved' } });
    expect((await call(open, tenant.apiKey, 'tasks/pushNotificationConfig/get', { id: taskId, pushNotificationConfigId: 'ops' })).result).toEqual({ taskId, pushNotificationConfig: { id: 'ops', url: 'http://127.0.0.1:9/moved' } });

    expect((await call(open, tenant.apiKey, 'tasks/pushNotificationConfig/delete', { id: taskId, pushNotificationConfigId: 'ops' })).result).toBeNull();
    expect((await call(open, tenant.apiKey, 'tasks/pushNotificationConfig/list', { id: taskId })).result).toEqual([byDefault.result]);
    expect((await call(open, tenant.apiKey, 'tasks/pushNotificationConfig/get', { id: taskId, pushNotificationConfigId: 'ops' })).error).toMatchObject({ code: -32602, data: { reason: 'push_config_not_found' } });
  });

  it('stores the config that message/send carries, for the task it creates', async () => {
    const sent = await startTask(open, tenant.apiKey, { pushNotificationConfig: { url: 'http://127.0.0.1:9/send', token: 'from-send' } });
    const id = (sent.result as { id: string }).id;
    expect((await call(open, tenant.apiKey, 'tasks/pushNotificationConfig/list', { id })).result).toEqual([{ taskId: id, pushNotificationConfig: { id, url: 'http://127.0.0.1:9/send', token: 'from-send' } }]);
  });

  it('answers -32001 for an unknown task or another organization\'s task, and changes nothing', async () => {
    const before = await configRows(open);
    for (const [key, id] of [[tenant.apiKey, newId()], [tenant.apiKey, 'not-a-uuid'], [other.apiKey, taskId]] as const) {
      expect((await call(open, key, 'tasks/pushNotificationConfig/set', { taskId: id, pushNotificationConfig: { url: 'http://127.0.0.1:9/x' } })).error).toMatchObject({ code: -32001 });
      expect((await call(open, key, 'tasks/pushNotificationConfig/get', { id })).error).toMatchObject({ code: -32001 });
      expect((await call(open, key, 'tasks/pushNotificationConfig/list', { id })).error).toMatchObject({ code: -32001 });
      expect((await call(open, key, 'tasks/pushNotificationConfig/delete', { id, pushNotificationConfigId: 'x' })).error).toMatchObject({ code: -32001 });
    }
    expect(await configRows(open)).toEqual(before);
  });

  it('keeps configs and deliveries per organization under row-level security', async () => {
    await call(open, tenant.apiKey, 'tasks/pushNotificationConfig/set', { taskId, pushNotificationConfig: { id: 'rls', url: 'http://127.0.0.1:9/rls' } });
    const seen = (orgId: string | null, table: string) =>
      orgId === null ? open.pool.query(`SELECT org_id FROM ${table}`).then((r) => r.rows) : withOrg(open.pool, orgId, async (c) => (await c.query(`SELECT org_id FROM ${table}`)).rows);
    expect((await seen(tenant.orgId, 'push_configs')).length).toBeGreaterThan(0);
    expect(await seen(other.orgId, 'push_configs')).toEqual([]);
    expect(await seen(null, 'push_configs')).toEqual([]);
    expect(await seen(null, 'push_deliveries')).toEqual([]);
    const write = withOrg(open.pool, other.orgId, (c) => c.query("INSERT INTO push_configs (key, org_id, task_id, config_id, url) VALUES (gen_random_uuid(), $1, gen_random_uuid(), 'x', 'http://x')", [tenant.orgId]));
    await expect(write).rejects.toThrow(/row-level security/);
  });

  it('refuses invalid configs with -32602', async () => {
    const set = (pushNotificationConfig: unknown) => call(open, tenant.apiKey, 'tasks/pushNotificationConfig/set', { taskId, pushNotificationConfig });
    expect((await set({ url: 'not a url' })).error).toMatchObject({ code: -32602 });
    expect((await set({ url: 'ftp://127.0.0.1/x' })).error).toMatchObject({ code: -32602 });
    expect((await set({ url: 'http://127.0.0.1:9/x', authentication: { schemes: ['HMAC-SHA256'] } })).error).toMatchObject({ code: -32602, data: { reason: 'push_credentials_missing' } });
    expect((await call(open, tenant.apiKey, 'tasks/pushNotificationConfig/delete', { id: taskId })).error).toMatchObject({ code: -32602 });
  });

  it('refuses loopback and private URLs unless GATEWAY_PUSH_ALLOW_PRIVATE_NETWORKS, in set and in message/send, creating nothing', async () => {
    const id = ((await startTask(strict, strictTenant.apiKey)).result as { id: string }).id;
    const loopback = await call(strict, strictTenant.apiKey, 'tasks/pushNotificationConfig/set', { taskId: id, pushNotificationConfig: { url: 'http://127.0.0.1:8080/hook' } });
    expect(loopback.error).toMatchObject({ code: -32602, data: { reason: 'push_url_refused', refused: 'loopback' } });
    const metadata = await call(strict, strictTenant.apiKey, 'tasks/pushNotificationConfig/set', { taskId: id, pushNotificationConfig: { url: 'http://169.254.169.254/latest' } });
    expect(metadata.error).toMatchObject({ code: -32602, data: { refused: 'metadata' } });

    let requests = 0;
    for await (const _ of strict.store.readFilter('req.>')) requests++;
    const viaSend = await startTask(strict, strictTenant.apiKey, { pushNotificationConfig: { url: 'http://10.1.2.3/hook' } });
    expect(viaSend.error).toMatchObject({ code: -32602, data: { reason: 'push_url_refused', refused: 'private' } });
    let after = 0;
    for await (const _ of strict.store.readFilter('req.>')) after++;
    expect(after).toBe(requests);
    expect(await configRows(strict)).toEqual([]);
    // Without SHAMAN_SECRET_KEY credentials cannot be stored: refused rather than kept in clear.
    const noBox = await call(strict, strictTenant.apiKey, 'tasks/pushNotificationConfig/set', { taskId: id, pushNotificationConfig: { url: 'https://example.com/hook', authentication: { schemes: ['Bearer'], credentials: 'c' } } });
    expect(noBox.error).toMatchObject({ code: -32004 });
  });
});
