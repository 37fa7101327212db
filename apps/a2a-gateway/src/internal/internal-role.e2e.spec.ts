import { newId } from '@shaman/platform';
import { createTestDatabase, createTestNats, createTestTenant, spawnApp, startStack, type TestDatabase, type TestNats, type TestStack, type TestTenant } from '@shaman/testing';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const EXAMPLE_AGENTS = fileURLToPath(new URL('../../../../examples/agents', import.meta.url));

/** The internal role as the gateway process runs it: configured from its environment, on its own listener. */
describe('gateway internal role, as a process', () => {
  let db: TestDatabase;
  let nats: TestNats;
  let tenant: TestTenant;
  let stack: TestStack;

  beforeAll(async () => {
    [db, nats] = await Promise.all([createTestDatabase(), createTestNats()]);
    tenant = await createTestTenant(db.adminUrl, { agentsRepository: EXAMPLE_AGENTS });
    stack = await startStack({ db, nats });
  });
  afterAll(async () => {
    const codes = await stack?.stop();
    await nats?.cleanup();
    await db?.cleanup();
    expect(codes).toEqual([0, 0, 0, 0]);
  });

  it('listens apart from the public role and publishes the stack\'s public key', async () => {
    expect(stack.internalGatewayUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(stack.internalGatewayUrl).not.toBe(stack.gatewayUrl);
    const jwks = (await (await fetch(`${stack.internalGatewayUrl}/.well-known/jwks.json`)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    // The public listener has no JWKS route: the keys are published only where platform tokens are accepted.
    expect((await fetch(`${stack.gatewayUrl}/.well-known/jwks.json`)).status).toBe(404);
  });

  it('refuses an API key on the internal role', async () => {
    const res = await fetch(`${stack.internalGatewayUrl}/a2a/v1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.apiKey}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'message/send', params: { message: { messageId: newId(), role: 'user', parts: [{ kind: 'text', text: 'hi' }] }, metadata: { agent: 'Assistant' } } }),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32050);
  });

  it('will not start an internal listener without verification keys, and says which to set', async () => {
    const app = spawnApp('a2a-gateway', { NATS_URL: nats.url, NATS_STREAM: nats.layout.stream, NATS_SUBJECT_PREFIX: nats.layout.subjectPrefix, DATABASE_URL: db.appUrl, GATEWAY_PORT: '0', GATEWAY_INTERNAL_PORT: '0', SHAMAN_INTERNAL_JWKS: '', SHAMAN_INTERNAL_JWT_SECRET: '' });
    await expect(app.waitForLog((l) => l.msg === 'a2a gateway listening', 20_000)).rejects.toThrow(/GATEWAY_INTERNAL_PORT: the internal role needs verification keys/);
    expect(await app.stop()).not.toBe(0);
  });
});
