import { RunRequested } from '@shaman/events';
import {
  createInternalTokenIssuer,
  createInternalTokenVerifier,
  createLogger,
  createRedisJtiGuard,
  generateInternalKeyPair,
  newId,
  parseInternalSigningKey,
  parseInternalVerificationKeys,
  publishedJwks,
  type InternalCallClaims,
  type InternalSigningKey,
} from '@shaman/platform';
import { createTestRedis, createTestTenant, type TestRedis, type TestTenant } from '@shaman/testing';
import type { FastifyInstance } from 'fastify';
import { base64url, SignJWT, type CryptoKey } from 'jose';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayFixture, type GatewayFixture } from '../testing/gateway.fixture.js';
import { createInternalGatewayServer } from './internal-server.js';

const ISS = 'shaman';
const AUD = 'shaman-internal';
type RpcBody = { id: unknown; result?: Record<string, unknown>; error?: { code: number; message: string; data?: Record<string, unknown> } };

describe('gateway internal role (real PostgreSQL, nats-server and Redis)', () => {
  let gateway: GatewayFixture;
  let redis: TestRedis;
  let internal: FastifyInstance;
  let internalUrl: string;
  let key: InternalSigningKey;
  let jwks: Awaited<ReturnType<typeof generateInternalKeyPair>>['publicJwks'];
  let tenant: TestTenant;
  let shallow: TestTenant;
  let root: { runId: string; stepId: string };

  const post = async (input: { base: string; body: unknown; auth?: Record<string, string>; version?: string }) => {
    const res = await fetch(`${input.base}/a2a/v1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(input.version ? { 'a2a-version': input.version } : {}), ...input.auth },
      body: JSON.stringify(input.body),
    });
    return { status: res.status, body: (await res.json()) as RpcBody };
  };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const sendParams = (agent: string, extra: Record<string, unknown> = {}, messageId = newId()) => ({
    message: { kind: 'message', messageId, role: 'user', parts: [{ kind: 'text', text: 'look into it' }] },
    configuration: { blocking: false },
    metadata: { agent, ...extra },
  });
  const rpc = (method: string, params: unknown) => ({ jsonrpc: '2.0', id: 7, method, params });
  const claimsFor = (over: Partial<InternalCallClaims> = {}): InternalCallClaims => ({ orgId: tenant.orgId, runId: root.runId, parentStepId: root.stepId, depth: 1, initiatorId: root.stepId, chain: ['Echo'], ...over });
  const issue = (over: Partial<InternalCallClaims> = {}, options: { clock?: () => Date; issuer?: string; audience?: string } = {}) =>
    createInternalTokenIssuer({ issuer: options.issuer ?? ISS, audience: options.audience ?? AUD, key, clock: options.clock }).issue(claimsFor(over));
  const callInternal = async (token: string, params: unknown = sendParams('Secret'), method = 'message/send') => post({ base: internalUrl, body: rpc(method, params), auth: bearer(token) });
  const requestCount = async (orgId: string) => {
    let n = 0;
    for await (const _ of gateway.store.readFilter(`req.${orgId}.>`)) n++;
    return n;
  };
  const requestOf = async (orgId: string, stepId: string) => {
    for await (const stored of gateway.store.readFilter(`req.${orgId}.*.${stepId}`)) {
      const parsed = RunRequested.safeParse(stored.commit.events[0]);
      if (parsed.success) return parsed.data;
    }
    return null;
  };

  beforeAll(async () => {
    gateway = await startGatewayFixture();
    redis = createTestRedis();
    const pair = await generateInternalKeyPair();
    jwks = pair.publicJwks;
    key = (await parseInternalSigningKey({ privateJwk: JSON.stringify(pair.privateJwk) }))!;
    const keys = (await parseInternalVerificationKeys({ jwks: JSON.stringify(jwks) }))!;
    const verifier = createInternalTokenVerifier({ issuer: ISS, audience: AUD, keys, replay: createRedisJtiGuard(redis.connection, `${redis.prefix}:jti:`) });
    const deps = { pool: gateway.pool, store: gateway.store, watcher: gateway.watcher, logger: createLogger({ name: 't', level: 'silent' }), publicUrl: () => gateway.url, blockingTimeoutMs: 2000, bodyLimit: 64 * 1024, nc: gateway.nats.nc };
    internal = createInternalGatewayServer(deps, { verifier, jwks: publishedJwks(keys), maxCallDepth: 8 });
    internalUrl = await internal.listen({ host: '127.0.0.1', port: 0 });
    const repo = await mkdtemp(join(tmpdir(), 'shaman-internal-'));
    await writeFile(join(repo, 'Echo.md'), '---\nname: Echo\nmodel: scripted\ndescription: Echoes\n---\nEcho.\n');
    await writeFile(join(repo, 'Secret.md'), '---\nname: Secret\nmodel: scripted\nexposed: false\n---\nHidden.\n');
    tenant = await createTestTenant(gateway.db.adminUrl, { agentsRepository: repo });
    shallow = await createTestTenant(gateway.db.adminUrl, { agentsRepository: repo });
    const admin = new pg.Client({ connectionString: gateway.db.adminUrl });
    await admin.connect();
    await admin.query('UPDATE organizations SET max_call_depth = 2 WHERE id = $1', [shallow.orgId]);
    await admin.end();
    // The calling step: a root started over the public role, as a client would.
    const started = await post({ base: gateway.url, body: rpc('message/send', sendParams('Echo')), auth: bearer(tenant.apiKey) });
    root = { runId: String(started.body.result?.['contextId']), stepId: String(started.body.result?.['id']) };
  });
  afterAll(async () => {
    await internal?.close();
    await redis?.cleanup();
    await gateway?.close();
  });

  it('creates the child step of the caller\'s run: parent edge, depth, agent initiator and call chain', async () => {
    const { status, body } = await callInternal(await issue({ depth: 1 }));
    expect(status).toBe(200);
    expect(body.result).toMatchObject({ kind: 'task', contextId: root.runId, status: { state: 'submitted' } });
    const child = await requestOf(tenant.orgId, String(body.result?.['id']));
    expect(child?.metadata.runId).toBe(root.runId);
    expect(child?.data).toMatchObject({ agent: { name: 'Secret' }, parentStepId: root.stepId, depth: 1, initiator: { kind: 'agent', id: root.stepId }, callChain: ['Echo', 'Secret'] });
  });

  it('answers a retried call (same messageId, new token) with the same task and appends nothing', async () => {
    const params = sendParams('Secret');
    const first = await callInternal(await issue(), params);
    const before = await requestCount(tenant.orgId);
    const again = await callInternal(await issue(), params);
    expect(again.body.result?.['id']).toBe(first.body.result?.['id']);
    expect(await requestCount(tenant.orgId)).toBe(before);
  });

  it('reaches a private agent internally that the public role does not offer', async () => {
    const publicly = await post({ base: gateway.url, body: rpc('message/send', sendParams('Secret')), auth: bearer(tenant.apiKey) });
    expect(publicly.body.error).toMatchObject({ code: -32602, data: { reason: 'agent_not_found' } });
    const internally = await callInternal(await issue());
    expect(internally.body.result?.['kind']).toBe('task');
  });

  it('speaks v1.0 when A2A-Version asks for it', async () => {
    const { body } = await post({ base: internalUrl, version: '1.0', auth: bearer(await issue()), body: rpc('SendMessage', { message: { messageId: newId(), role: 'ROLE_USER', parts: [{ text: 'hi' }] }, configuration: { returnImmediately: true }, metadata: { agent: 'Secret' } }) });
    expect(body.result).toMatchObject({ task: { contextId: root.runId, status: { state: 'TASK_STATE_SUBMITTED' } } });
  });

  it('offers tasks/get and tasks/cancel within the token\'s organization only', async () => {
    const { body } = await callInternal(await issue());
    const id = String(body.result?.['id']);
    expect((await callInternal(await issue(), { id }, 'tasks/get')).body.result).toMatchObject({ id, contextId: root.runId });
    const elsewhere = await callInternal(await issue({ orgId: shallow.orgId }), { id }, 'tasks/get');
    expect(elsewhere.body.error?.code).toBe(-32001);
    expect((await callInternal(await issue({ orgId: shallow.orgId }), { id }, 'tasks/cancel')).body.error?.code).toBe(-32001);
    // No executor runs here: the cancel is recorded, and the answer (after its short wait) is the task.
    const canceled = await callInternal(await issue(), { id }, 'tasks/cancel');
    expect(canceled.body.result).toMatchObject({ id });
    const recorded: unknown[] = [];
    for await (const stored of gateway.store.readFilter(`req.${tenant.orgId}.${root.runId}.${id}`)) recorded.push(...stored.commit.events);
    expect(recorded).toMatchObject([{ type: 'RunRequested' }, { type: 'RunCancelRequested', data: { requestedBy: { kind: 'agent', id: root.stepId } } }]);
    expect((await callInternal(await issue(), {}, 'tasks/resubscribe')).body.error?.code).toBe(-32004);
  }, 20_000);

  it('refuses the depth limit (default 8) naming the chain, and appends nothing', async () => {
    const chain = ['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b', 'a'];
    const before = await requestCount(tenant.orgId);
    const { status, body } = await callInternal(await issue({ depth: 9, chain }));
    expect(status).toBe(200);
    expect(body.error).toMatchObject({ code: -32602, message: 'call depth limit 8 reached: a → b → a → b → a → b → a → b → a cannot call Secret', data: { reason: 'depth_limit', limit: 8, chain } });
    expect(await requestCount(tenant.orgId)).toBe(before);
    expect((await callInternal(await issue({ depth: 8, chain: chain.slice(1) }))).body.result?.['kind']).toBe('task');
  });

  it('applies the organization\'s own max_call_depth', async () => {
    const started = await post({ base: gateway.url, body: rpc('message/send', sendParams('Echo')), auth: bearer(shallow.apiKey) });
    const at = { orgId: shallow.orgId, runId: String(started.body.result?.['contextId']), parentStepId: String(started.body.result?.['id']), initiatorId: String(started.body.result?.['id']) };
    const refused = await callInternal(await issue({ ...at, depth: 3, chain: ['Echo', 'Echo', 'Echo'] }));
    expect(refused.body.error).toMatchObject({ code: -32602, data: { reason: 'depth_limit', limit: 2 } });
    expect((await callInternal(await issue({ ...at, depth: 2, chain: ['Echo', 'Echo'] }))).body.result?.['kind']).toBe('task');
  });

  it('refuses a run or parent step that is not the token organization\'s', async () => {
    const before = await requestCount(shallow.orgId);
    const { body } = await callInternal(await issue({ orgId: shallow.orgId }));
    expect(body.error).toMatchObject({ code: -32602, data: { reason: 'parent_not_found' } });
    expect((await callInternal(await issue({ parentStepId: newId() }))).body.error?.data).toMatchObject({ reason: 'parent_not_found' });
    expect(await requestCount(shallow.orgId)).toBe(before);
  });

  it('refuses metadata that contradicts the token', async () => {
    const { body } = await callInternal(await issue(), sendParams('Secret', { 'shaman:runId': newId(), 'shaman:depth': 1 }));
    expect(body.error).toMatchObject({ code: -32602 });
    expect(body.error?.message).toContain('shaman:runId');
    expect(body.error?.message).not.toContain('shaman:depth');
  });

  it('publishes the verification keys, public members only', async () => {
    const res = await fetch(`${internalUrl}/.well-known/jwks.json`);
    const published = (await res.json()) as { keys: Record<string, unknown>[] };
    expect(published).toEqual(jwks);
    expect(published.keys.every((k) => !('d' in k))).toBe(true);
  });

  it('the public role refuses a valid platform token', async () => {
    const { status, body } = await post({ base: gateway.url, body: rpc('message/send', sendParams('Echo')), auth: bearer(await issue()) });
    expect(status).toBe(401);
    expect(body.error?.code).toBe(-32050);
  });

  it('the internal role refuses an API key, in either header, and a missing token', async () => {
    const before = await requestCount(tenant.orgId);
    const auths: Record<string, string>[] = [bearer(tenant.apiKey), { 'x-api-key': tenant.apiKey }, { 'x-api-key': tenant.apiKey, ...bearer(await issue()) }, {}];
    for (const auth of auths) {
      const { status, body } = await post({ base: internalUrl, body: rpc('message/send', sendParams('Secret')), auth });
      expect(status).toBe(401);
      expect(body.error?.code).toBe(-32050);
    }
    expect(await requestCount(tenant.orgId)).toBe(before);
  });

  describe('refuses each bad token over HTTP, appending nothing', () => {
    const now = () => Math.floor(Date.now() / 1000);
    const wire = (over: Record<string, unknown> = {}) => ({
      iss: ISS, aud: AUD, iat: now(), exp: now() + 60, jti: newId(), sub: root.stepId,
      'shaman:orgId': tenant.orgId, 'shaman:runId': root.runId, 'shaman:parentStepId': root.stepId, 'shaman:depth': 1, 'shaman:chain': ['Echo'],
      ...over,
    });
    const sign = async (payload: Record<string, unknown>, signer: InternalSigningKey = key) =>
      new SignJWT(payload).setProtectedHeader(signer.alg === 'HS256' ? { alg: 'HS256' } : { alg: signer.alg, kid: signer.kid }).sign(signer.alg === 'HS256' ? signer.secret : (signer.key as CryptoKey));
    const cases: [string, () => Promise<string>][] = [
      ['expired', async () => issue({}, { clock: () => new Date(Date.now() - 120_000) })],
      ['not_yet_valid', async () => issue({}, { clock: () => new Date(Date.now() + 120_000) })],
      ['bad_audience', async () => issue({}, { audience: 'elsewhere' })],
      ['bad_issuer', async () => issue({}, { issuer: 'impostor' })],
      ['bad_signature', async () => {
        const other = (await parseInternalSigningKey({ privateJwk: JSON.stringify((await generateInternalKeyPair()).privateJwk) }))!;
        return sign(wire(), { ...other, kid: (key as { kid: string }).kid } as InternalSigningKey);
      }],
      ['alg_not_allowed', async () => `${base64url.encode(JSON.stringify({ alg: 'none' }))}.${base64url.encode(JSON.stringify(wire()))}.`],
      ['alg_not_allowed', async () => sign(wire(), { alg: 'HS256', secret: new TextEncoder().encode('x'.repeat(40)) })],
      ['missing_claims', async () => sign(wire({ 'shaman:parentStepId': undefined }))],
      ['lifetime_too_long', async () => sign(wire({ exp: now() + 600 }))],
    ];
    it.each(cases)('%s', async (reason, token) => {
      const before = await requestCount(tenant.orgId);
      const { status, body } = await callInternal(await token());
      expect(status).toBe(401);
      expect(body.error).toMatchObject({ code: -32050, data: { reason } });
      expect(await requestCount(tenant.orgId)).toBe(before);
    });

    it('replayed', async () => {
      const token = await issue();
      expect((await callInternal(token)).body.result?.['kind']).toBe('task');
      const before = await requestCount(tenant.orgId);
      const { status, body } = await callInternal(token, sendParams('Secret'));
      expect(status).toBe(401);
      expect(body.error).toMatchObject({ code: -32050, data: { reason: 'replayed' } });
      expect(await requestCount(tenant.orgId)).toBe(before);
    });
  });
});
