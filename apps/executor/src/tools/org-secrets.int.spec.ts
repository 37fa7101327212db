import { createPool, createSecretBox, generateSecretKey, putOrgSecret, withOrg, type Pool } from '@shaman/platform';
import { createTestDatabase, createTestTenant, type TestDatabase, type TestTenant } from '@shaman/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpMcpServer, type HttpMcpServer } from './fixtures/echo-mcp-server.js';
import { createMcpClientPool, type McpAgent } from './mcp-client-pool.js';
import { createOrgSecrets } from './org-secrets.js';

const signal = new AbortController().signal;

describe('MCP servers with ${SECRET} from the organization secrets (real PostgreSQL under RLS, real MCP over HTTP)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let server: HttpMcpServer;
  let owner: TestTenant;
  let stranger: TestTenant;
  const box = createSecretBox(generateSecretKey());
  let mcp: ReturnType<typeof createMcpClientPool>;
  const agent = (orgId: string): McpAgent => ({
    name: 'Tester',
    repository: 'repo-secrets',
    tools: ['remote.*'],
    orgId,
    mcpServers: { remote: { url: server.url, headers: { authorization: 'Bearer ${API_TOKEN}' } } },
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    [owner, stranger] = await Promise.all([createTestTenant(db.adminUrl, { agentsRepository: '/tmp/o' }), createTestTenant(db.adminUrl, { agentsRepository: '/tmp/s' })]);
    pool = createPool(db.appUrl);
    server = await startHttpMcpServer();
    await withOrg(pool, owner.orgId, (c) => putOrgSecret(c, box, { orgId: owner.orgId, name: 'API_TOKEN', value: 'org-owned-token-1' }));
    mcp = createMcpClientPool({ orgSecrets: createOrgSecrets({ pool, secretBox: box }), allowPrivateUrls: true, connectTimeoutMs: 10_000 });
  });
  afterAll(async () => {
    await mcp?.close();
    await server?.close();
    await pool?.end();
    await db?.cleanup();
  });

  it("sends the owning organization's secret to the MCP server", async () => {
    const tools = await mcp.toolsFor(agent(owner.orgId), signal);
    expect([...tools.keys()]).toContain('remote.echo');
    expect(server.requests.map((r) => r.headers.authorization)).toContain('Bearer org-owned-token-1');
  });

  it("never resolves one organization's secret for another's agent: the reference is missing, and nothing connects", async () => {
    const before = server.requests.length;
    await expect(mcp.toolsFor(agent(stranger.orgId), signal)).rejects.toThrow('headers.authorization references ${API_TOKEN}, which is not set');
    expect(server.requests.length).toBe(before);
  });
});
