import { createPool, issueApiKey, type Pool, type Role } from '@shaman/platform';
import { createTestDatabase, createTestTenant, type TestDatabase, type TestTenant } from '@shaman/testing';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGqlServer, type GqlServer } from '../index.js';
import { postGql } from '../testing/http.fixture.js';
import { withAdmin } from '../testing/seed.fixture.js';
import { createOidcVerifier } from './oidc.js';

const ISSUER = 'https://id.shaman.test';
const AUDIENCE = 'shaman-gql';

describe('authentication and roles: API keys by role, OIDC people, audit (real PostgreSQL under RLS)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let server: GqlServer;
  let url: string;
  let tenant: TestTenant;
  let jwks: Server;
  let sign: (claims: Record<string, unknown>, options?: { expiresIn?: string; audience?: string; key?: 'own' | 'stranger' }) => Promise<string>;
  const keys: Partial<Record<Role, string>> = {};

  const gql = (query: string, auth: { apiKey?: string; token?: string; org?: string }, variables: Record<string, unknown> = {}) =>
    postGql(url, { query, variables, headers: { ...(auth.apiKey ? { 'x-api-key': auth.apiKey } : {}), ...(auth.token ? { authorization: `Bearer ${auth.token}` } : {}), ...(auth.org ? { 'x-shaman-org': auth.org } : {}) } });

  beforeAll(async () => {
    db = await createTestDatabase();
    tenant = await createTestTenant(db.adminUrl, { agentsRepository: '/tmp/auth' });
    pool = createPool(db.appUrl);
    const own = await generateKeyPair('ES256');
    const stranger = await generateKeyPair('ES256');
    const publicJwk: JWK = { ...(await exportJWK(own.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] })));
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
    sign = (claims, options = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer(ISSUER)
        .setAudience(options.audience ?? AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '5m')
        .sign(options.key === 'stranger' ? stranger.privateKey : own.privateKey);
    const oidc = createOidcVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUrl, emailClaim: 'email', nameClaim: 'name', algorithms: ['ES256'] });
    server = await createGqlServer({ pool, logger: pino({ level: 'silent' }), maxDepth: 10, oidc });
    url = await server.app.listen({ host: '127.0.0.1', port: 0 });
    await withAdmin(db.adminUrl, async (c) => {
      for (const role of ['ADMIN', 'DEVELOPER', 'VIEWER'] as const) keys[role] = (await issueApiKey(c, { orgId: tenant.orgId, name: role.toLowerCase(), role })).key;
    });
    keys.OWNER = tenant.apiKey;
  });
  afterAll(async () => {
    await server?.close();
    await new Promise((resolve) => jwks?.close(resolve));
    await pool?.end();
    await db?.cleanup();
  });

  it('a VIEWER reads but cannot mutate; each refusal is FORBIDDEN and audited', async () => {
    const read = await gql('{ viewer { role organizationId actor { kind } } apiKeys { totalCount } }', { apiKey: keys.VIEWER });
    expect(read.body.data?.['viewer']).toEqual({ role: 'VIEWER', organizationId: tenant.orgId, actor: { kind: 'API_KEY' } });
    for (const mutation of ['mutation { setSecret(name: "A", value: "b") { replaced } }', 'mutation { createServiceAccount(name: "ci", role: VIEWER) { serviceAccount { id } } }', 'mutation { syncRepository(name: "x") { jobId } }']) {
      const res = await gql(mutation, { apiKey: keys.VIEWER });
      expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const audit = await withAdmin(db.adminUrl, async (c) => (await c.query<{ action: string; outcome: string }>("SELECT action, outcome FROM audit_log WHERE outcome = 'forbidden' ORDER BY at")).rows);
    expect(audit).toEqual(expect.arrayContaining([{ action: 'setSecret', outcome: 'forbidden' }, { action: 'createServiceAccount', outcome: 'forbidden' }, { action: 'syncRepository', outcome: 'forbidden' }]));
  });

  it('a DEVELOPER cannot manage keys; an ADMIN can, but never above its own role', async () => {
    const dev = await gql('mutation { createApiKey(input: { name: "x" }) { secret } }', { apiKey: keys.DEVELOPER });
    expect(dev.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const tooStrong = await gql('mutation { createApiKey(input: { name: "x", role: OWNER }) { secret errors { code field } } }', { apiKey: keys.ADMIN });
    expect(tooStrong.body.data?.['createApiKey']).toEqual({ secret: null, errors: [{ code: 'INVALID', field: 'input.role' }] });
    const made = await gql('mutation { createApiKey(input: { name: "ci-key", role: VIEWER, scopes: ["/agents/Assistant:execute"] }) { secret apiKey { id role scopes status prefix createdBy } errors { code } } }', { apiKey: keys.ADMIN });
    const payload = made.body.data?.['createApiKey'] as { secret: string; apiKey: { id: string; role: string; prefix: string; createdBy: string } };
    expect(payload.secret).toMatch(/^sk_live_/);
    expect(payload.apiKey).toMatchObject({ role: 'VIEWER', status: 'ACTIVE', createdBy: expect.stringMatching(/^api_key:/) });
    expect(payload.secret.startsWith(payload.apiKey.prefix)).toBe(true);
    // The new key works, and the secret is never listed again.
    expect((await gql('{ viewer { role } }', { apiKey: payload.secret })).body.data).toEqual({ viewer: { role: 'VIEWER' } });
    const listed = await gql('{ apiKeys(includeRevoked: true) { totalCount edges { node { id name } } } }', { apiKey: keys.ADMIN });
    expect(JSON.stringify(listed.body)).not.toContain(payload.secret);
    const revoked = await gql(`mutation { revokeApiKey(id: "${payload.apiKey.id}") { apiKey { status } errors { code } } }`, { apiKey: keys.ADMIN });
    expect(revoked.body.data?.['revokeApiKey']).toEqual({ apiKey: { status: 'REVOKED' }, errors: [] });
    expect((await gql('{ viewer { role } }', { apiKey: payload.secret })).status).toBe(401);
  });

  it('service accounts: their keys act with the account role; deleting the account removes its keys', async () => {
    const sa = await gql('mutation { createServiceAccount(name: "deployer", role: DEVELOPER) { serviceAccount { id role } errors { code } } }', { apiKey: keys.ADMIN });
    const account = (sa.body.data?.['createServiceAccount'] as { serviceAccount: { id: string } }).serviceAccount;
    const key = await gql(`mutation { createApiKey(input: { name: "deploy", role: VIEWER, serviceAccountId: "${account.id}" }) { secret apiKey { role serviceAccount { name } } } }`, { apiKey: keys.ADMIN });
    const made = key.body.data?.['createApiKey'] as { secret: string; apiKey: { role: string; serviceAccount: { name: string } } };
    expect(made.apiKey).toEqual({ role: 'DEVELOPER', serviceAccount: { name: 'deployer' } });
    expect((await gql('{ viewer { role actor { kind id } } }', { apiKey: made.secret })).body.data).toEqual({ viewer: { role: 'DEVELOPER', actor: { kind: 'SERVICE_ACCOUNT', id: account.id } } });
    await gql(`mutation { deleteServiceAccount(id: "${account.id}") { deletedId } }`, { apiKey: keys.ADMIN });
    expect((await gql('{ viewer { role } }', { apiKey: made.secret })).status).toBe(401);
  });

  it('people sign in with OIDC: create an organization (OWNER), select it, add a member with a lower role', async () => {
    const alice = await sign({ sub: 'alice', email: 'alice@example.com', name: 'Alice' });
    const bob = await sign({ sub: 'bob', email: 'bob@example.com', name: 'Bob' });
    const lonely = await gql('{ viewer { role user { email } } organizations { role } }', { token: alice });
    expect(lonely.body.data).toEqual({ viewer: { role: null, user: { email: 'alice@example.com' } }, organizations: [] });
    expect((await gql('{ secrets { name } }', { token: alice })).body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const created = await gql('mutation { createOrganization(slug: "acme-people", name: "Acme") { organization { id slug } errors { code } } }', { token: alice });
    const org = (created.body.data?.['createOrganization'] as { organization: { id: string } }).organization;
    expect((await gql('{ viewer { role organization { slug } } }', { token: alice })).body.data).toEqual({ viewer: { role: 'OWNER', organization: { slug: 'acme-people' } } });
    // An API key cannot create organizations: it belongs to one already.
    expect((await gql('mutation { createOrganization(slug: "nope-org", name: "N") { errors { code } } }', { apiKey: keys.OWNER })).body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    await gql('{ viewer { role } }', { token: bob }); // Bob signs in once, so he can be found by e-mail.
    const added = await gql('mutation { addMember(email: "bob@example.com", role: DEVELOPER) { member { role user { name } } errors { code } } }', { token: alice, org: 'acme-people' });
    expect(added.body.data?.['addMember']).toEqual({ member: { role: 'DEVELOPER', user: { name: 'Bob' } }, errors: [] });
    expect((await gql('{ viewer { role } }', { token: bob, org: 'acme-people' })).body.data).toEqual({ viewer: { role: 'DEVELOPER' } });
    expect((await gql('{ viewer { role } }', { token: bob, org: tenant.slug })).status).toBe(403);

    const aliceId = (await gql('{ viewer { user { id } } }', { token: alice, org: org.id })).body.data as { viewer: { user: { id: string } } };
    const demote = await gql(`mutation { updateMemberRole(userId: "${aliceId.viewer.user.id}", role: VIEWER) { errors { code message } } }`, { token: alice, org: org.id });
    expect((demote.body.data?.['updateMemberRole'] as { errors: { message: string }[] }).errors[0]?.message).toMatch(/at least one OWNER/);
  });

  it.each([
    ['an expired token', () => sign({ sub: 'x' }, { expiresIn: '-2m' })],
    ['another audience', () => sign({ sub: 'x' }, { audience: 'someone-else' })],
    ['a key the issuer never published', () => sign({ sub: 'x' }, { key: 'stranger' })],
    ['alg none', async () => `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', iss: ISSUER, aud: AUDIENCE })).toString('base64url')}.`],
  ])('refuses %s with 401', async (_, token) => {
    const res = await gql('{ viewer { role } }', { token: await token() });
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('audits every mutation with its actor and redacted arguments, readable by the organization only', async () => {
    await gql('mutation { setSecret(name: "AUDITED", value: "super-secret-value") { replaced } }', { apiKey: keys.ADMIN });
    const rows = await withAdmin(db.adminUrl, async (c) => (await c.query<{ org_id: string; actor_kind: string; outcome: string; details: unknown }>("SELECT org_id, actor_kind, outcome, details FROM audit_log WHERE action = 'setSecret' AND outcome <> 'forbidden'")).rows);
    expect(rows).toHaveLength(1);
    // No SHAMAN_SECRET_KEY on this server: the mutation is rejected with a typed error, and audited as such.
    expect(rows[0]).toMatchObject({ org_id: tenant.orgId, actor_kind: 'api_key', outcome: 'rejected', details: { arguments: { name: 'AUDITED', value: '[redacted]' } } });
    expect(JSON.stringify(rows)).not.toContain('super-secret-value');
  });

  it('shows the audit log to ADMINs, newest first, filtered and paged; not to a DEVELOPER', async () => {
    expect((await gql('{ auditLog { edges { node { id } } } }', { apiKey: keys.DEVELOPER })).body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const forbidden = await gql('{ auditLog(outcome: FORBIDDEN, first: 2) { edges { cursor node { action outcome actor { kind } at } } pageInfo { hasNextPage endCursor } } }', { apiKey: keys.ADMIN });
    const page = (forbidden.body.data as { auditLog: { edges: { node: { action: string; outcome: string; at: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } }).auditLog;
    expect(page.edges).toHaveLength(2);
    expect(page.edges.every((e) => e.node.outcome === 'FORBIDDEN')).toBe(true);
    expect(page.edges[0]!.node.at >= page.edges[1]!.node.at).toBe(true);
    expect(page.pageInfo.hasNextPage).toBe(true);
    const next = await gql(`{ auditLog(outcome: FORBIDDEN, first: 50, after: "${page.pageInfo.endCursor}") { edges { node { id action } } } }`, { apiKey: keys.ADMIN });
    const rest = (next.body.data as { auditLog: { edges: { node: { action: string } }[] } }).auditLog.edges;
    expect(rest.length).toBeGreaterThan(0);
    const byAction = await gql('{ auditLog(action: "createApiKey") { edges { node { action details } } } }', { apiKey: keys.ADMIN });
    const entries = (byAction.body.data as { auditLog: { edges: { node: { action: string; details: { arguments: unknown } } }[] } }).auditLog.edges;
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((e) => e.node.action === 'createApiKey')).toBe(true);
    expect((await gql('{ auditLog(after: "junk") { edges { node { id } } } }', { apiKey: keys.ADMIN })).body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
