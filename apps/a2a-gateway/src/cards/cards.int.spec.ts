import { createTestTenant, type TestTenant } from '@shaman/testing';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayFixture, type GatewayFixture } from '../testing/gateway.fixture.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- wire JSON, asserted field by field
type Wire = any;

describe('agent cards (real PostgreSQL)', () => {
  let gateway: GatewayFixture;
  let tenant: TestTenant;

  beforeAll(async () => {
    gateway = await startGatewayFixture();
    const repo = await mkdtemp(join(tmpdir(), 'shaman-gw-cards-'));
    await writeFile(
      join(repo, 'Travel.md'),
      '---\nname: Travel\nmodel: scripted\ndescription: Plans trips\ntags: [travel]\nagentcard:\n  skills:\n    - id: book\n      name: Book a trip\n      tags: [booking]\n      examples: ["Book Paris in May"]\n---\nPlan.\n',
    );
    await writeFile(join(repo, 'Secret.md'), '---\nname: Secret\nmodel: scripted\nexposed: false\n---\nHidden.\n');
    tenant = await createTestTenant(gateway.db.adminUrl, { agentsRepository: repo });
  });
  afterAll(async () => gateway.close());

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${gateway.url}${path}`, { headers });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as Wire };
  };
  const keyed = () => ({ 'x-api-key': tenant.apiKey });

  it('publishes the v0.3 organization card: url, preferredTransport, both interfaces, declared capabilities only', async () => {
    const { body, headers } = await get('/.well-known/agent-card.json', keyed());
    expect(body).toMatchObject({
      protocolVersion: '0.3.0',
      url: `${gateway.url}/a2a/v1`,
      preferredTransport: 'JSONRPC',
      additionalInterfaces: [
        { url: `${gateway.url}/a2a/v1`, transport: 'JSONRPC' },
        { url: `${gateway.url}/a2a/rest`, transport: 'HTTP+JSON' },
      ],
      supportsAuthenticatedExtendedCard: true,
      securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' }, bearer: { type: 'http', scheme: 'bearer' } },
    });
    expect(body.skills).toEqual([{ id: 'Travel.book', name: 'Book a trip', description: 'Plans trips', tags: ['Travel', 'booking'], examples: ['Book Paris in May'] }]);
    expect(typeof body.capabilities.streaming).toBe('boolean');
    expect(headers.get('cache-control')).toBe('private, max-age=60');
  });

  it('publishes the v1.0 card when asked with A2A-Version 1.0', async () => {
    const { body } = await get('/.well-known/agent-card.json', { ...keyed(), 'a2a-version': '1.0' });
    expect(body.url).toBeUndefined();
    expect(body.protocolVersion).toBeUndefined();
    expect(body.supportedInterfaces).toEqual([
      { url: `${gateway.url}/a2a/v1`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
      { url: `${gateway.url}/a2a/rest`, protocolBinding: 'HTTP+JSON', protocolVersion: '1.0' },
      { url: `${gateway.url}/a2a/v1`, protocolBinding: 'JSONRPC', protocolVersion: '0.3' },
      { url: `${gateway.url}/a2a/rest`, protocolBinding: 'HTTP+JSON', protocolVersion: '0.3' },
    ]);
    expect(body.capabilities.extendedAgentCard).toBe(true);
    expect(body.securitySchemes.apiKey).toEqual({ apiKeySecurityScheme: { location: 'header', name: 'x-api-key', description: expect.any(String) } });
    expect((await get('/.well-known/agent-card.json', { 'a2a-version': '7.0' })).status).toBe(400);
  });

  it('sends an ETag and answers a matching If-None-Match with 304', async () => {
    const first = await get('/.well-known/agent-card.json');
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^".+"$/);
    expect(first.headers.get('cache-control')).toBe('public, max-age=60');
    expect((await get('/.well-known/agent-card.json', { 'if-none-match': etag! })).status).toBe(304);
    expect((await get('/.well-known/agent-card.json', { 'if-none-match': '"other"' })).status).toBe(200);
    // Another body (the tenant's card) has another tag.
    expect((await get('/.well-known/agent-card.json', { ...keyed(), 'if-none-match': etag! })).status).toBe(200);
  });

  it('publishes one card per exposed agent, at both paths, with its skills and own endpoint', async () => {
    for (const path of ['/a2a/v1/agents/Travel', '/a2a/v1/agents/Travel/.well-known/agent-card.json']) {
      const { status, body, headers } = await get(path, keyed());
      expect(status).toBe(200);
      expect(body).toMatchObject({ name: 'Travel', description: 'Plans trips', url: `${gateway.url}/a2a/v1/agents/Travel`, skills: [{ id: 'Travel.book' }] });
      expect(headers.get('etag')).toBeTruthy();
    }
    expect((await get('/a2a/v1/agents/Travel', { ...keyed(), 'a2a-version': '1.0' })).body.supportedInterfaces[0]).toEqual({ url: `${gateway.url}/a2a/v1/agents/Travel`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' });
  });

  it('never shows a private agent: absent from the card, and its own card is 404 like an unknown one', async () => {
    const { body } = await get('/.well-known/agent-card.json', keyed());
    expect(JSON.stringify(body)).not.toContain('Secret');
    expect((await get('/a2a/v1/agents/Secret', keyed())).status).toBe(404);
    expect((await get('/a2a/v1/agents/Nobody', keyed())).status).toBe(404);
    expect((await get('/a2a/v1/agents/Travel')).status).toBe(401);
  });
});
