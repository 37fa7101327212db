import { createRepositoryCache, syncRepository, type RepositoryCache } from '@shaman/agents';
import { type JetStreamEventStore } from '@shaman/event-store';
import { RunRequested } from '@shaman/events';
import { listRepositories, newId, recordRepositorySync, upsertRepository, withOrg, type Pool } from '@shaman/platform';
import { agentFile, createTestOrigin, createTestTenant, eventually, type TestDatabase, type TestOrigin } from '@shaman/testing';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayFixture, type GatewayFixture } from './testing/gateway.fixture.js';

describe('agents from synced git repositories (real git, PostgreSQL and nats-server)', () => {
  let db: TestDatabase;
  let store: JetStreamEventStore;
  let pool: Pool;
  let url: string;
  let origin: TestOrigin;
  let other: TestOrigin;
  let cacheDir: string;
  let cache: RepositoryCache;

  let gateway: GatewayFixture;
  beforeAll(async () => {
    let originA: TestOrigin;
    let originB: TestOrigin;
    [gateway, originA, originB] = await Promise.all([startGatewayFixture(), createTestOrigin(), createTestOrigin()]);
    [origin, other] = [originA, originB];
    ({ db, store, pool, url } = gateway);
    cacheDir = await mkdtemp(join(tmpdir(), 'shaman-gw-repos-'));
    cache = createRepositoryCache({ dir: cacheDir });
  });
  afterAll(async () => {
    await gateway.close();
    await Promise.all([origin.cleanup(), other.cleanup(), rm(cacheDir, { recursive: true, force: true })]);
  });

  /** Syncs a repository of the organization the way `shaman repo sync` does, through the app role under RLS. */
  const sync = async (orgId: string, name: string, from: TestOrigin) => {
    const repo = await withOrg(pool, orgId, async (c) => (await listRepositories(c, orgId)).find((r) => r.name === name) ?? upsertRepository(c, { orgId, name, url: `file://${from.dir}` }));
    const result = await syncRepository({ name, url: repo.url, branch: repo.branch, agents: repo.agents }, cache);
    await withOrg(pool, orgId, (c) => recordRepositorySync(c, { id: repo.id, commit: result.commit, agents: result.agents, aliases: result.aliases, errors: result.errors, at: new Date() }));
    return result;
  };
  // The directory is never read once a repository is synced; a path that does not exist proves it.
  const tenant = () => createTestTenant(db.adminUrl, { agentsRepository: '/nonexistent/agents' });

  const send = async (apiKey: string, agent: string, contextId?: string) => {
    const res = await fetch(`${url}/a2a/v1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'message/send', params: { message: { messageId: newId(), role: 'user', parts: [{ kind: 'text', text: 'hi' }], ...(contextId ? { contextId } : {}) }, metadata: { agent }, configuration: { blocking: false } } }),
    });
    return (await res.json()) as { result?: { id: string; contextId: string }; error?: { code: number; data?: { reason?: string } } };
  };
  /** The RunRequested the gateway recorded for a task. */
  const recorded = async (orgId: string, taskId: string): Promise<RunRequested> => {
    for await (const c of store.readFilter(`req.${orgId}.*.${taskId}`)) return RunRequested.parse(c.commit.events[0]);
    throw new Error(`no request recorded for ${taskId}`);
  };

  it('message/send records RunRequested pinned to the synced commit and its worktree; aliases resolve', async () => {
    const sha = await origin.commit({ 'Assistant.md': agentFile('Assistant'), 'agents.json': '{ "aliases": { "helper": "Assistant" } }' });
    const t = await tenant();
    const { worktree } = await sync(t.orgId, 'agents', origin);
    const direct = await send(t.apiKey, 'Assistant');
    expect((await recorded(t.orgId, direct.result!.id)).data.agent).toEqual({ name: 'Assistant', repository: worktree, commit: sha });
    expect(existsSync(join(worktree, 'Assistant.md'))).toBe(true);
    const alias = await send(t.apiKey, 'helper');
    expect((await recorded(t.orgId, alias.result!.id)).data.agent).toEqual({ name: 'Assistant', repository: worktree, commit: sha });
  });

  it('pins each agent to the commit it was last good at: an invalid new definition keeps the old one', async () => {
    const good = await origin.commit({ 'Writer.md': agentFile('Writer') });
    const t = await tenant();
    await sync(t.orgId, 'agents', origin);
    const bad = await origin.commit({ 'Writer.md': '---\nname: Writer\nmodel: scripted\ntemperature: hot\n---\nx\n', 'Critic.md': agentFile('Critic') });
    const second = await sync(t.orgId, 'agents', origin);
    expect(second.errors.map((e) => e.message)).toEqual([expect.stringMatching(/^Writer\.md:4: temperature: /)]);
    const writer = await send(t.apiKey, 'Writer');
    expect((await recorded(t.orgId, writer.result!.id)).data.agent.commit).toBe(good);
    const critic = await send(t.apiKey, 'Critic');
    expect((await recorded(t.orgId, critic.result!.id)).data.agent).toEqual({ name: 'Critic', repository: second.worktree, commit: bad });
  });

  it('with two repositories, an ambiguous name needs <repo>/<Agent>; a unique one resolves bare', async () => {
    await other.commit({ 'Assistant.md': agentFile('Assistant'), 'Solo.md': agentFile('Solo') });
    const t = await tenant();
    const first = await sync(t.orgId, 'main', origin);
    const second = await sync(t.orgId, 'extra', other);
    expect((await send(t.apiKey, 'Assistant')).error).toMatchObject({ code: -32602, data: { reason: 'agent_not_found' } });
    const qualified = await send(t.apiKey, 'extra/Assistant');
    expect((await recorded(t.orgId, qualified.result!.id)).data.agent).toEqual({ name: 'Assistant', repository: second.worktree, commit: second.commit });
    const main = await send(t.apiKey, 'main/Assistant');
    expect((await recorded(t.orgId, main.result!.id)).data.agent.commit).toBe(first.commit);
    const solo = await send(t.apiKey, 'Solo');
    expect((await recorded(t.orgId, solo.result!.id)).data.agent.repository).toBe(second.worktree);
  });

  it('publishes the synced agents on the organization card', async () => {
    const t = await tenant();
    await sync(t.orgId, 'extra', other);
    const card = (await (await fetch(`${url}/.well-known/agent-card.json`, { headers: { 'x-api-key': t.apiKey } })).json()) as { skills: { id: string }[] };
    expect(card.skills.map((s) => s.id).sort()).toEqual(['Assistant', 'Solo']);
  });

  it('pins a root that joins an existing run to the commit that run started at, not the branch head', async () => {
    const t = await tenant();
    const pinOrigin = await createTestOrigin();
    try {
      const first = await pinOrigin.commit({ 'Lead.md': agentFile('Lead'), 'Helper.md': agentFile('Helper', 'Version one.') });
      await sync(t.orgId, 'pinned', pinOrigin);
      const lead = await send(t.apiKey, 'Lead');
      const runId = lead.result?.contextId as string;
      await pinOrigin.commit({ 'Helper.md': agentFile('Helper', 'Version two.') });
      const second = await sync(t.orgId, 'pinned', pinOrigin);
      expect(second.commit).not.toBe(first);
      // First a new run of Helper takes the head, once the gateway's tenant cache (5 s) has seen the sync…
      await eventually(async () => {
        const alone = await send(t.apiKey, 'Helper');
        return (await recorded(t.orgId, alone.result?.id as string)).data.agent.commit === second.commit ? true : undefined;
      }, { timeoutMs: 15_000, what: 'a new run of Helper at the new commit' });
      // …while Helper joining the old run is read at the commit that run started at.
      const joined = await send(t.apiKey, 'Helper', runId);
      expect((await recorded(t.orgId, joined.result?.id as string)).data.agent).toMatchObject({ name: 'Helper', commit: first });
    } finally {
      await pinOrigin.cleanup();
    }
  });
});
