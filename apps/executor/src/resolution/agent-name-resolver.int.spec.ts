import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { RegistryEvent, registryStream, type RegistrySkipped } from '@shaman/events';
import { createPool, type Pool } from '@shaman/platform';
import { createTestDatabase, createTestNats, createTestTenant, eventually, listedAgent, startRegistryServer, type RegistryServer, type TestDatabase, type TestNats, type TestTenant } from '@shaman/testing';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ToolContext } from '../activities/call-tool.activity.js';
import { createAgentNameResolver, type AgentNameResolver } from './agent-name-resolver.js';
import { invalidateOnOrgEvents } from './resolution-invalidation.js';
import { createRegistrySkipRecorder, type RegistrySkipRecorder } from './registry-skips.js';

const COMMIT = 'a'.repeat(40);
let db: TestDatabase;
let nats: TestNats;
let pool: Pool;
let orgA: TestTenant;
let orgB: TestTenant;
let registry: RegistryServer;
let slow: RegistryServer;
let now = 0;
let resolver: AgentNameResolver;
let store: JetStreamEventStore;
let late: RegistryServer;
let slowId = '';
const repoIds: Record<string, string> = {};

const admin = async (sql: string, params: unknown[]): Promise<void> => {
  const client = new pg.Client({ connectionString: db.adminUrl });
  await client.connect();
  try {
    await client.query(sql, params);
  } finally {
    await client.end();
  }
};

const live = (repo: string, names: string[]) => Object.fromEntries(names.map((n) => [n, { file: `${n}.md`, commit: COMMIT, worktree: `/cache/${repo}-key/${COMMIT}`, digest: 'd'.repeat(64) }]));

const addRepo = async (orgId: string, name: string, fields: { agents: string[]; aliases?: Record<string, string>; external?: Record<string, unknown> }): Promise<void> => {
  repoIds[name] = randomUUID();
  await admin('INSERT INTO repositories (id, org_id, name, url, agents, aliases, external_agents, last_commit) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
    repoIds[name], orgId, name, `https://git.example/${name}.git`, JSON.stringify(live(name, fields.agents)), JSON.stringify(fields.aliases ?? {}), JSON.stringify(fields.external ?? {}), COMMIT,
  ]);
};

const addRegistry = async (orgId: string, fields: { name: string; url: string; status: string; auth?: string }): Promise<string> => {
  const id = randomUUID();
  await admin('INSERT INTO agent_registries (id, org_id, name, url, status, auth) VALUES ($1, $2, $3, $4, $5, $6)', [id, orgId, fields.name, fields.url, fields.status, fields.auth ?? null]);
  return id;
};

const skipsOf = async (orgId: string, stepId: string): Promise<RegistrySkipped[]> => {
  const out: RegistrySkipped[] = [];
  for await (const { commit } of store.readFilter(`registry.${orgId}.>`)) {
    for (const raw of commit.events) {
      const event = RegistryEvent.parse(raw);
      if (event.type === 'RegistrySkipped' && event.data.stepId === stepId) out.push(event);
    }
  }
  return out.sort((a, b) => a.data.name.localeCompare(b.data.name));
};

const resolverWith = (onSkipped: RegistrySkipRecorder): AgentNameResolver =>
  createAgentNameResolver({
    pool,
    logger: { warn: () => undefined },
    allowPrivateUrls: true,
    registryTimeoutMs: 300,
    clock: () => now,
    orgSecrets: async (orgId) => new Map(orgId === orgA.orgId ? [['REG_TOKEN', 'reg-secret']] : []),
    onSkipped,
  });

const callerIn = (orgId: string, repo: string | null): ToolContext => ({
  orgId,
  runId: randomUUID(),
  stepId: randomUUID(),
  agent: 'Assistant',
  depth: 0,
  // A caller pinned to an older commit of the repository than the live one: same repository all the same.
  repository: repo === null ? '/nowhere/dir' : `/cache/${repo}-key/${'b'.repeat(40)}`,
  commit: repo === null ? null : 'b'.repeat(40),
});

beforeAll(async () => {
  [db, nats] = await Promise.all([createTestDatabase(), createTestNats()]);
  pool = createPool(db.appUrl);
  store = await createJetStreamEventStore({ nc: nats.nc, ...nats.layout });
  late = await startRegistryServer({ agents: [listedAgent('Latecomer', 'https://late.example/a2a/l')] });
  [orgA, orgB] = await Promise.all([createTestTenant(db.adminUrl, { agentsRepository: '/tmp/a' }), createTestTenant(db.adminUrl, { agentsRepository: '/tmp/b' })]);
  registry = await startRegistryServer({ agents: [listedAgent('Translator', 'https://partner.example/a2a/t')], maxAge: 60 });
  slow = await startRegistryServer({ agents: [listedAgent('Slowpoke')], delayMs: 5000 });
  await addRepo(orgA.orgId, 'repo-a', {
    agents: ['Assistant', 'Writer'],
    aliases: { helper: 'Writer' },
    external: { Partner: { url: 'https://partner.example/a2a', description: '', protocolVersion: '1.0', auth: { type: 'bearer', token: '${PARTNER_TOKEN}' } } },
  });
  await addRepo(orgA.orgId, 'repo-b', { agents: ['Researcher', 'Shared'] });
  await addRepo(orgA.orgId, 'repo-c', { agents: ['Shared'] });
  await addRepo(orgB.orgId, 'b-main', { agents: ['Assistant'] });
  await addRegistry(orgA.orgId, { name: 'a-partner', url: registry.url, status: 'healthy', auth: 'REG_TOKEN' });
  slowId = await addRegistry(orgA.orgId, { name: 'b-slow', url: slow.url, status: 'unknown' });
  await addRegistry(orgA.orgId, { name: 'c-dead', url: 'http://127.0.0.1:9/registry', status: 'unhealthy' });
});
afterAll(async () => {
  await Promise.all([registry?.close(), slow?.close(), late?.close()]);
  await pool?.end();
  await nats?.cleanup();
  await db?.cleanup();
});
beforeEach(() => {
  now = 1_000_000;
  resolver = createAgentNameResolver({
    pool,
    logger: { warn: () => undefined },
    allowPrivateUrls: true,
    registryTimeoutMs: 300,
    clock: () => now,
    orgSecrets: async (orgId) => new Map(orgId === orgA.orgId ? [['REG_TOKEN', 'reg-secret']] : []),
  });
});

describe('agent name resolution from the database', () => {
  it('resolves alias, own repository, other repository and agents.json in that order', async () => {
    const caller = callerIn(orgA.orgId, 'repo-a');
    expect(await resolver.resolve(caller, 'helper')).toMatchObject({ kind: 'internal', name: 'Writer', repository: 'repo-a', via: 'helper' });
    expect(await resolver.resolve(caller, 'Assistant')).toMatchObject({ kind: 'internal', repository: 'repo-a' });
    expect(await resolver.resolve(caller, 'Researcher')).toMatchObject({ kind: 'internal', repository: 'repo-b', qualifiedName: 'repo-b/Researcher' });
    expect(await resolver.resolve(caller, 'Shared')).toMatchObject({ kind: 'ambiguous', candidates: ['repo-b/Shared', 'repo-c/Shared'] });
    expect(await resolver.resolve(caller, 'Partner')).toMatchObject({ kind: 'external', source: 'agents.json', protocolVersion: '1.0' });
  });

  it('reaches a healthy registry only when nothing nearer has the name, then holds its listing for max-age', async () => {
    const caller = callerIn(orgA.orgId, 'repo-a');
    const before = registry.requests.length;
    await resolver.resolve(caller, 'Assistant');
    expect(registry.requests.length).toBe(before);
    expect(await resolver.resolve(caller, 'Translator')).toMatchObject({ kind: 'external', source: 'registry:a-partner', url: 'https://partner.example/a2a/t' });
    expect(await resolver.resolve(caller, 'Translator')).toMatchObject({ kind: 'external' });
    expect(registry.requests.length).toBe(before + 1);
    expect(registry.requests.at(-1)?.headers['authorization']).toBe('Bearer reg-secret');
  });

  it('asks again after max-age with If-None-Match, and keeps the listing on 304', async () => {
    const caller = callerIn(orgA.orgId, 'repo-a');
    await resolver.resolve(caller, 'Translator');
    now += 61_000;
    const before = registry.requests.length;
    expect(await resolver.resolve(caller, 'Translator')).toMatchObject({ kind: 'external', source: 'registry:a-partner' });
    expect(registry.requests.length).toBe(before + 1);
    expect(registry.requests.at(-1)?.headers['if-none-match']).toBe('"v1"');
  });

  it('skips a slow registry after its timeout and an unhealthy one without asking, and says so', async () => {
    const started = Date.now();
    const result = await resolver.resolve(callerIn(orgA.orgId, 'repo-a'), 'Slowpoke');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(result.kind).toBe('not_found');
    expect(result.kind === 'not_found' && result.message).toBe(
      'agent "Slowpoke" not found: alias in repo-a/agents.json, repo-a, repositories repo-b and repo-c, agents.json external agents, registries a-partner (healthy), b-slow (skipped: unreachable: no answer within 300 ms), c-dead (skipped: unhealthy)',
    );
    // A registry that just failed is not asked again at once (a dead one must not slow every call down).
    const asked = slow.requests.length;
    const again = Date.now();
    expect((await resolver.resolve(callerIn(orgA.orgId, 'repo-a'), 'Slowpoke')).kind).toBe('not_found');
    expect(Date.now() - again).toBeLessThan(250);
    expect(slow.requests.length).toBe(asked);
  });

  it('sees only the caller organization', async () => {
    const caller = callerIn(orgB.orgId, 'b-main');
    expect(await resolver.resolve(caller, 'Assistant')).toMatchObject({ kind: 'internal', repository: 'b-main' });
    const result = await resolver.resolve(caller, 'Researcher');
    expect(result.kind === 'not_found' && result.message).toBe('agent "Researcher" not found: alias in b-main/agents.json, b-main, agents.json external agents');
  });

  it('records RegistrySkipped for an unhealthy and a timed-out registry, once per registry and step, and still answers in time', async () => {
    resolver = resolverWith(createRegistrySkipRecorder({ append: (stream, events) => store.appendToStream(stream, events), logger: { warn: () => undefined } }));
    const caller = callerIn(orgA.orgId, 'repo-a');
    const started = Date.now();
    expect((await resolver.resolve(caller, 'Slowpoke')).kind).toBe('not_found');
    expect(Date.now() - started).toBeLessThan(3000);
    const skips = await eventually(async () => {
      const found = await skipsOf(orgA.orgId, caller.stepId);
      return found.length === 2 ? found : undefined;
    }, { timeoutMs: 5000 });
    expect(skips.map((e) => e.data)).toEqual([
      { registryId: expect.any(String), name: 'b-slow', reason: 'unreachable: no answer within 300 ms', agent: 'Slowpoke', caller: 'Assistant', runId: caller.runId, stepId: caller.stepId },
      { registryId: expect.any(String), name: 'c-dead', reason: 'unhealthy', agent: 'Slowpoke', caller: 'Assistant', runId: caller.runId, stepId: caller.stepId },
    ]);
    expect(skips.map((e) => e.metadata.orgId)).toEqual([orgA.orgId, orgA.orgId]);
    const [bSlow] = skips;
    expect(await store.lastCommit(registryStream(orgA.orgId, bSlow?.data.registryId ?? ''))).toMatchObject({ commit: { events: [{ type: 'RegistrySkipped' }] } });

    // The same step asking again (another call, another name) adds nothing; another step records its own.
    expect((await resolver.resolve(caller, 'Nobody')).kind).toBe('not_found');
    const next = { ...caller, stepId: randomUUID() };
    expect((await resolver.resolve(next, 'Slowpoke')).kind).toBe('not_found');
    await eventually(async () => ((await skipsOf(orgA.orgId, next.stepId)).length === 2 ? true : undefined), { timeoutMs: 5000 });
    expect(await skipsOf(orgA.orgId, caller.stepId)).toHaveLength(2);
    // A name found nearer never reaches the registries: nothing is skipped, nothing recorded.
    const home = { ...caller, stepId: randomUUID() };
    expect((await resolver.resolve(home, 'Writer')).kind).toBe('internal');
    expect(await skipsOf(orgA.orgId, home.stepId)).toEqual([]);
  });

  it('answers in time when the skip cannot be recorded: the append fails, or never returns', async () => {
    const warnings: unknown[] = [];
    const failing = createRegistrySkipRecorder({ append: () => Promise.reject(new Error('nats down')), logger: { warn: (o: unknown) => void warnings.push(o) } });
    resolver = resolverWith(failing);
    expect((await resolver.resolve(callerIn(orgA.orgId, 'repo-a'), 'Slowpoke')).kind).toBe('not_found');
    await eventually(async () => (warnings.length === 2 ? true : undefined), { timeoutMs: 2000 });

    resolver = resolverWith(createRegistrySkipRecorder({ append: () => new Promise(() => undefined), logger: { warn: () => undefined } }));
    const started = Date.now();
    expect((await resolver.resolve(callerIn(orgA.orgId, 'repo-a'), 'Slowpoke')).kind).toBe('not_found');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('sees a registry added through its RegistryAdded event at once, not after the TTL', async () => {
    const stop = invalidateOnOrgEvents(nats.nc, nats.layout.subjectPrefix, resolver);
    try {
      const caller = callerIn(orgB.orgId, 'b-main');
      expect((await resolver.resolve(caller, 'Latecomer')).kind).toBe('not_found'); // loads and holds the sources
      const id = await addRegistry(orgB.orgId, { name: 'late', url: late.url, status: 'healthy' });
      expect((await resolver.resolve(caller, 'Latecomer')).kind).toBe('not_found'); // held: the clock stands still
      const metadata = { eventId: randomUUID(), orgId: orgB.orgId, registryId: id, at: new Date().toISOString() };
      await store.appendToStream(registryStream(orgB.orgId, id), [RegistryEvent.parse({ type: 'RegistryAdded', data: { name: 'late', url: late.url, authSecret: null }, metadata })]);
      await eventually(async () => ((await resolver.resolve(caller, 'Latecomer')).kind === 'external' ? true : undefined), { timeoutMs: 5000 });
      expect(await resolver.resolve(caller, 'Latecomer')).toMatchObject({ kind: 'external', source: 'registry:late', url: 'https://late.example/a2a/l' });
    } finally {
      stop();
    }
  });

  it('invalidates on registry changes (and forgets that registry), never on skips', async () => {
    const calls: [string, string | undefined][] = [];
    const stop = invalidateOnOrgEvents(nats.nc, nats.layout.subjectPrefix, { invalidate: (orgId, registryId) => void calls.push([orgId, registryId]) });
    try {
      const registryId = randomUUID();
      const metadata = () => ({ eventId: randomUUID(), orgId: orgA.orgId, registryId, at: new Date().toISOString() });
      const skip = { type: 'RegistrySkipped', data: { registryId, name: 'x', reason: 'unhealthy', agent: 'A', caller: 'B', runId: randomUUID(), stepId: randomUUID() }, metadata: metadata() };
      await store.appendToStream(registryStream(orgA.orgId, registryId), [RegistryEvent.parse(skip)]);
      const changed = { type: 'RegistryHealthChanged', data: { name: 'x', status: 'healthy', previousStatus: 'unhealthy', error: null }, metadata: metadata() };
      await store.appendToStream(registryStream(orgA.orgId, registryId), [RegistryEvent.parse(changed)]);
      // One connection delivers in order: by the time the change arrived, the skip had been seen and ignored.
      await eventually(async () => (calls.length > 0 ? true : undefined), { timeoutMs: 5000 });
      expect(calls).toEqual([[orgA.orgId, registryId]]);
    } finally {
      stop();
    }
  });

  it('holds the sources until a repository event of the organization invalidates them', async () => {
    const stop = invalidateOnOrgEvents(nats.nc, nats.layout.subjectPrefix, resolver);
    try {
      const caller = callerIn(orgA.orgId, 'repo-a');
      await admin('UPDATE repositories SET agents = $2 WHERE id = $1', [repoIds['repo-b'], JSON.stringify(live('repo-b', ['Researcher', 'Shared', 'Newcomer']))]);
      expect(await resolver.resolve(caller, 'Newcomer')).toMatchObject({ kind: 'internal', repository: 'repo-b' }); // first load
      await admin('UPDATE repositories SET agents = $2 WHERE id = $1', [repoIds['repo-b'], JSON.stringify(live('repo-b', ['Researcher', 'Shared']))]);
      expect(await resolver.resolve(caller, 'Newcomer')).toMatchObject({ kind: 'internal' }); // held
      nats.nc.publish(`${nats.layout.subjectPrefix}.repo.${orgA.orgId}.${repoIds['repo-b'] ?? ''}`, '{}');
      await eventually(async () => ((await resolver.resolve(caller, 'Newcomer')).kind === 'not_found' ? true : undefined), { timeoutMs: 5000 });
    } finally {
      stop();
    }
  });

  it('asks a registry that failed again at once when its health changes, instead of holding the failure', async () => {
    const stop = invalidateOnOrgEvents(nats.nc, nats.layout.subjectPrefix, resolver);
    try {
      const caller = callerIn(orgA.orgId, 'repo-a');
      expect((await resolver.resolve(caller, 'Slowpoke')).kind).toBe('not_found'); // b-slow times out: held as failed
      slow.state.delayMs = 0;
      expect((await resolver.resolve(caller, 'Slowpoke')).kind).toBe('not_found'); // still held, not asked
      const metadata = { eventId: randomUUID(), orgId: orgA.orgId, registryId: slowId, at: new Date().toISOString() };
      const changed = { type: 'RegistryHealthChanged', data: { name: 'b-slow', status: 'healthy', previousStatus: 'unknown', error: null }, metadata };
      await store.appendToStream(registryStream(orgA.orgId, slowId), [RegistryEvent.parse(changed)]);
      await eventually(async () => ((await resolver.resolve(caller, 'Slowpoke')).kind === 'external' ? true : undefined), { timeoutMs: 5000 });
    } finally {
      stop();
    }
  });
});
