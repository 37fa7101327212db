import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createJetStreamEventStore } from '@shaman/event-store';
import { RepositoryEvent, repositoryStream } from '@shaman/events';
import { ensureJetStream } from '@shaman/nats-infra';
import { generateSecretKey, REPOSITORY_SYNC_QUEUE, runMigrations, withDatabase } from '@shaman/platform';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { simpleGit } from 'simple-git';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The CLI may not depend on the shared test fixtures (lint boundaries), so this suite has its own small ones.
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const PG_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const NATS_URL = process.env['TEST_NATS_URL'] ?? 'nats://127.0.0.1:4222';

/** This suite's BullMQ keys only (never FLUSHALL: the developer's Redis is shared). */
const deleteKeys = async (redis: Redis, prefix: string): Promise<void> => {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
};

type TestDatabase = { adminUrl: string; cleanup(): Promise<void> };
const createTestDatabase = async (): Promise<TestDatabase> => {
  const name = `shaman_test_${randomBytes(5).toString('hex')}`;
  const adminUrl = withDatabase(PG_URL, name);
  await runMigrations({ adminUrl, dir: join(ROOT, 'migrations') });
  return {
    adminUrl,
    cleanup: async () => {
      const client = new pg.Client({ connectionString: withDatabase(PG_URL, 'postgres') });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`).finally(() => client.end());
    },
  };
};

type TestOrigin = { dir: string; commit(files: Record<string, string>): Promise<string>; cleanup(): Promise<void> };
const createTestOrigin = async (): Promise<TestOrigin> => {
  const dir = await mkdtemp(join(tmpdir(), 'shaman-cli-origin-'));
  const git = simpleGit(dir);
  await git.raw(['init', '--quiet', '--initial-branch=main']);
  await git.addConfig('user.name', 'Shaman Test').addConfig('user.email', 'test@shaman.invalid').addConfig('commit.gpgsign', 'false');
  return {
    dir,
    commit: async (files) => {
      for (const [path, text] of Object.entries(files)) {
        await mkdir(join(dir, path, '..'), { recursive: true });
        await writeFile(join(dir, path), text);
      }
      await git.add(Object.keys(files)).commit('agents');
      return (await git.revparse(['HEAD'])).trim();
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
};
const agentFile = (name: string): string => `---\nname: ${name}\nmodel: scripted\n---\nYou are ${name}.\n`;

const runCli = (args: readonly string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'apps/cli/src/main.ts', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });

describe('shaman repo add | sync | list (CLI process, real PostgreSQL and git)', () => {
  let db: TestDatabase;
  let origin: TestOrigin;
  let cacheDir: string;
  let env: Record<string, string>;
  let redis: Redis;
  let queue: Queue;
  let nc: NatsConnection;
  // This suite's own stream, so its repository events never reach the developer's.
  const layout = { stream: `SHAMAN_CLI_TEST_${randomBytes(4).toString('hex')}`, subjectPrefix: `cli-test-${randomBytes(4).toString('hex')}`, replicas: 1 };
  const prefix = `bull-test-${randomBytes(5).toString('hex')}`;
  const slug = `repo-${Date.now().toString(36)}`;
  const token = 'ghp_CliSecretToken987';
  const cli = (...args: string[]) => runCli(args, env);

  beforeAll(async () => {
    [db, origin] = await Promise.all([createTestDatabase(), createTestOrigin()]);
    cacheDir = await mkdtemp(join(tmpdir(), 'shaman-cli-cache-'));
    nc = await connect({ servers: NATS_URL });
    await ensureJetStream(await jetstreamManager(nc), layout);
    env = {
      DATABASE_ADMIN_URL: db.adminUrl, SHAMAN_REPO_CACHE: cacheDir, SHAMAN_SECRET_KEY: generateSecretKey(), GIT_TOKEN: token, NO_COLOR: '1', REDIS_URL, BULLMQ_PREFIX: prefix,
      NATS_URL, NATS_STREAM: layout.stream, NATS_SUBJECT_PREFIX: layout.subjectPrefix, PARTNER_TOKEN: 'partner-secret-value-123',
    };
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    queue = new Queue(REPOSITORY_SYNC_QUEUE, { connection: redis, prefix });
    expect((await cli('org', 'create', slug, '--agents', origin.dir)).code).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await queue?.close();
    if (nc) {
      await (await jetstreamManager(nc)).streams.delete(layout.stream).catch(() => undefined);
      await nc.drain();
    }
    if (redis) await deleteKeys(redis, prefix).finally(() => redis.quit());
    await origin.cleanup();
    await rm(cacheDir, { recursive: true, force: true });
    await db.cleanup();
  });

  it('adds a repository, syncs it (commit, agents, errors with file:line) and lists it', async () => {
    const sha = await origin.commit({ 'Assistant.md': agentFile('Assistant'), 'agents.json': '{ "aliases": { "helper": "Assistant" } }' });
    expect((await cli('repo', 'add', slug, 'main-agents', `file://${origin.dir}`)).code).toBe(0);
    const first = await cli('repo', 'sync', slug, 'main-agents', '--json');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ commit: sha, added: ['Assistant'], aliases: { helper: 'Assistant' }, errors: [] });

    await origin.commit({ 'Writer.md': '---\nname: Writer\nmodel: scripted\ntemperature: hot\n---\nWrite.\n' });
    const second = await cli('repo', 'sync', slug, 'main-agents');
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/Writer\.md:4: temperature: /);

    const list = JSON.parse((await cli('repo', 'list', slug, '--json')).stdout) as { id: string; name: string; agents: string[]; errors: { file: string; line: number }[] }[];
    expect(list).toEqual([expect.objectContaining({ name: 'main-agents', token: false, agents: ['Assistant'], errors: [expect.objectContaining({ file: 'Writer.md', line: 4, field: 'temperature' })] })]);

    // Both syncs were recorded as repository events on the configured stream.
    const orgs = new pg.Client({ connectionString: db.adminUrl });
    await orgs.connect();
    const ids = (await orgs.query<{ org_id: string; id: string }>("SELECT org_id, id FROM repositories WHERE name = 'main-agents'")).rows[0];
    await orgs.end();
    const store = await createJetStreamEventStore({ nc, stream: layout.stream, subjectPrefix: layout.subjectPrefix });
    const events: RepositoryEvent[] = [];
    for await (const { commit } of store.readFilter(repositoryStream(ids?.org_id ?? '', ids?.id ?? ''))) events.push(...commit.events.map((e) => RepositoryEvent.parse(e)));
    expect(events.map((e) => e.type)).toEqual(['AgentDefinitionChanged', 'RepositorySynced', 'RepositorySynced']);
    const last = events[2];
    expect(last?.type === 'RepositorySynced' && last.data.problems).toEqual([expect.objectContaining({ file: 'Writer.md', line: 4, field: 'temperature' })]);
  });

  it('manages organization secrets (value never printed) and checks agents.json references to them at sync', async () => {
    await origin.commit({
      'agents.json': JSON.stringify({ aliases: { helper: 'Assistant' }, agents: { Partner: { url: 'https://partner.example/a2a/v1', auth: { type: 'bearer', token: '${PARTNER_TOKEN}' } } } }, null, 2),
    });
    expect((await cli('repo', 'add', slug, 'with-partner', `file://${origin.dir}`)).code).toBe(0);
    const missing = await cli('repo', 'sync', slug, 'with-partner');
    expect(missing.code).toBe(0);
    expect(missing.stdout).toMatch(/agents\.json:\d+: agents\.Partner\.auth\.token: references \$\{PARTNER_TOKEN\}, which is not set/);

    const set = await cli('secret', 'set', slug, 'PARTNER_TOKEN', '--value-env', 'PARTNER_TOKEN');
    expect(set.code).toBe(0);
    expect(`${set.stdout}${set.stderr}`).not.toContain('partner-secret-value-123');
    const listed = await cli('secret', 'list', slug, '--json');
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ name: 'PARTNER_TOKEN' })]);
    expect(listed.stdout).not.toContain('partner-secret-value-123');

    const synced = JSON.parse((await cli('repo', 'sync', slug, 'with-partner', '--json')).stdout) as { errors: unknown[]; externalAgents: Record<string, unknown> };
    expect(synced.errors).not.toContainEqual(expect.objectContaining({ file: 'agents.json' }));
    expect(synced.externalAgents).toEqual({ Partner: expect.objectContaining({ url: 'https://partner.example/a2a/v1', auth: { type: 'bearer', token: '${PARTNER_TOKEN}' } }) });

    expect((await cli('secret', 'set', slug, '1BAD', '--value-env', 'PARTNER_TOKEN')).code).toBe(2);
    expect((await cli('secret', 'remove', slug, 'PARTNER_TOKEN')).code).toBe(0);
    expect((await cli('secret', 'remove', slug, 'PARTNER_TOKEN')).code).toBe(1);
  }, 90_000); // eight CLI processes, each starting tsx: more than the tier's 30 s on a loaded 2-core machine

  it('refuses a literal credential in agents.json, naming the file, line and field', async () => {
    await origin.commit({ 'agents.json': '{\n  "agents": {\n    "Leaky": {\n      "url": "https://x.example/a2a",\n      "auth": { "type": "bearer", "token": "ghp_literal" }\n    }\n  }\n}\n' });
    expect((await cli('repo', 'add', slug, 'leaky', `file://${origin.dir}`)).code).toBe(0);
    const sync = await cli('repo', 'sync', slug, 'leaky', '--json');
    const result = JSON.parse(sync.stdout) as { errors: { file: string; line: number; field: string }[] };
    expect(result.errors).toContainEqual(expect.objectContaining({ file: 'agents.json', line: 5, field: 'agents.Leaky.auth.token' }));
    expect(sync.stdout).not.toContain('ghp_literal');
  });

  it('stores a token only encrypted, and never prints it when the sync fails', async () => {
    const url = 'https://127.0.0.1:1/acme/agents.git';
    expect((await cli('repo', 'add', slug, 'private', url, '--token-env', 'GIT_TOKEN')).code).toBe(0);
    const admin = new pg.Client({ connectionString: db.adminUrl });
    await admin.connect();
    const stored = (await admin.query<{ token_ciphertext: string }>("SELECT token_ciphertext FROM repositories WHERE name = 'private'")).rows[0];
    await admin.end();
    expect(stored?.token_ciphertext).toMatch(/^v1:/);
    expect(stored?.token_ciphertext).not.toContain(token);
    const sync = await cli('repo', 'sync', slug, 'private');
    expect(sync.code).toBe(1);
    expect(sync.stderr).toContain('cannot fetch https://127.0.0.1:1/acme/agents.git');
    expect(`${sync.stdout}${sync.stderr}`).not.toContain(token);
    const listed = await cli('repo', 'list', slug, '--json');
    expect(listed.stdout).not.toContain(token);
  });

  it('refuses a token without SHAMAN_SECRET_KEY, and reserved repository names', async () => {
    const noKey = await runCli(['repo', 'add', slug, 'other', 'https://example.invalid/x.git', '--token-env', 'GIT_TOKEN'], { ...env, SHAMAN_SECRET_KEY: '' });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('needs SHAMAN_SECRET_KEY');
    const reserved = await cli('repo', 'add', slug, 'admin', `file://${origin.dir}`);
    expect(reserved.code).toBe(2);
    expect(reserved.stderr).toContain('is reserved');
  });

  it('schedules the periodic sync and prints a webhook secret on add; remove deletes both', async () => {
    const added = await cli('repo', 'add', slug, 'hooked', `file://${origin.dir}`, '--json');
    expect(added.code).toBe(0);
    const repo = JSON.parse(added.stdout) as { id: string; syncIntervalSeconds: number; webhook: { path: string; secret: string } | null };
    expect(repo.webhook).toEqual({ path: `/webhooks/repositories/${repo.id}`, secret: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const admin = new pg.Client({ connectionString: db.adminUrl });
    await admin.connect();
    const stored = (await admin.query<{ webhook_secret_ciphertext: string }>('SELECT webhook_secret_ciphertext FROM repositories WHERE id = $1', [repo.id])).rows[0];
    await admin.end();
    expect(stored?.webhook_secret_ciphertext).toMatch(/^v1:/);
    expect(stored?.webhook_secret_ciphertext).not.toContain(repo.webhook?.secret);
    expect(await queue.getJobScheduler(`repo:${repo.id}`)).toMatchObject({ every: repo.syncIntervalSeconds * 1000 });

    const removed = await cli('repo', 'remove', slug, 'hooked');
    expect(removed.code).toBe(0);
    expect(await queue.getJobScheduler(`repo:${repo.id}`)).toBeUndefined();
    expect((await cli('repo', 'remove', slug, 'hooked')).code).toBe(1);
  });

  it('adds no webhook without SHAMAN_SECRET_KEY, and says so', async () => {
    const added = await runCli(['repo', 'add', slug, 'no-hook', `file://${origin.dir}`], { ...env, SHAMAN_SECRET_KEY: '' });
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('no push webhook');
  });
});
