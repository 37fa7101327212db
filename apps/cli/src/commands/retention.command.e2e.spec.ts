import type { JetStreamEventStore } from '@shaman/event-store';
import { runFilter, type OrgId, type RunId } from '@shaman/events';
import { issueApiKey } from '@shaman/platform';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@shaman/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, recordRun } from './fork.stack.fixture.js';
import { createReplayTenant, startReplayStack, type ReplayStack, type ReplayTenant } from './replay.stack.fixture.js';
import { runCli } from './replay.fixture.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const NATS_URL = process.env['TEST_NATS_URL'] ?? 'nats://127.0.0.1:4222';

type Gql = { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string } }[] };

describe('retention: GraphQL policy, shaman retention apply (real stack, two organizations)', () => {
  let db: TestDatabase;
  let stack: ReplayStack;
  let store: JetStreamEventStore;
  let admin: pg.Client;
  let a: ReplayTenant;
  let b: ReplayTenant;
  let keys: { admin: string; viewer: string };
  let repo: string;
  let exportDir: string;
  let env: Record<string, string>;
  const runs = { aOld: '', aNew: '', bOld: '' };
  const cli = (...args: string[]) => runCli(ROOT, args, env);

  const gql = async (apiKey: string, query: string, variables: Record<string, unknown> = {}): Promise<Gql> => {
    const res = await fetch(stack.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` }, body: JSON.stringify({ query, variables }) });
    return (await res.json()) as Gql;
  };
  const SET = `mutation($d: Int, $b: SafeInt) { setRetentionPolicy(maxAgeDays: $d, maxBytes: $b) { policy { maxAgeDays maxBytes purgedRuns } errors { code field } } }`;
  const record = async (tenant: ReplayTenant): Promise<string> => (await recordRun(store, { orgId: tenant.orgId, agent: 'Echo', repository: repo, text: 'keep me?' })).runId;
  const commits = async (tenant: ReplayTenant, runId: string): Promise<number> => {
    let n = 0;
    for await (const _ of store.readFilter(runFilter(tenant.orgId as OrgId, runId as RunId))) n += 1;
    return n;
  };
  const rows = async (table: string, runId: string): Promise<number> =>
    (await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE ${table === 'runs' ? 'id' : 'run_id'} = $1`, [runId])).rows[0]?.n ?? 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    repo = await mkdtemp(join(tmpdir(), 'shaman-retention-'));
    exportDir = await mkdtemp(join(tmpdir(), 'shaman-retention-export-'));
    await writeFile(join(repo, 'Echo.md'), '---\nname: Echo\nmodel: scripted\n---\nYou echo.\n');
    [a, b] = await Promise.all([createReplayTenant(db.adminUrl, { agentsRepository: repo }), createReplayTenant(db.adminUrl, { agentsRepository: repo })]);
    admin = new pg.Client({ connectionString: db.adminUrl });
    await admin.connect();
    keys = {
      admin: (await issueApiKey(admin, { orgId: a.orgId, name: 'admin', role: 'ADMIN' })).key,
      viewer: (await issueApiKey(admin, { orgId: a.orgId, name: 'viewer', role: 'VIEWER' })).key,
    };
    stack = await startReplayStack({ adminUrl: db.adminUrl });
    store = stack.store;
    env = { ...process.env, DATABASE_ADMIN_URL: db.adminUrl, NATS_URL, NATS_STREAM: stack.layout.stream, NATS_SUBJECT_PREFIX: stack.layout.subjectPrefix, NO_COLOR: '1', SHAMAN_API_KEY: '' } as Record<string, string>;
    runs.aOld = await record(a);
    runs.aNew = await record(a);
    runs.bOld = await record(b);
    await eventually(async () => ((await admin.query("SELECT 1 FROM runs WHERE status = 'completed'")).rowCount === 3 ? true : undefined), 'three runs projected');
    // Age is the run's last activity in the read model; 40 days pass for two of the runs.
    await admin.query("UPDATE runs SET updated_at = updated_at - interval '40 days' WHERE id = ANY($1::uuid[])", [[runs.aOld, runs.bOld]]);
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
    await admin?.end();
    await db?.cleanup();
    await rm(repo, { recursive: true, force: true });
    await rm(exportDir, { recursive: true, force: true });
  });

  it('sets the policy through GraphQL: ADMIN may, VIEWER may not, bad limits are refused and change nothing', async () => {
    expect((await gql(keys.viewer, SET, { d: 30 })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await gql(keys.admin, SET, { d: 0 })).data).toEqual({ setRetentionPolicy: { policy: null, errors: [{ code: 'INVALID', field: 'maxAgeDays' }] } });
    expect((await gql(keys.admin, SET, { d: 30, b: -5 })).data).toMatchObject({ setRetentionPolicy: { errors: [{ code: 'INVALID', field: 'maxBytes' }] } });
    expect((await gql(keys.viewer, '{ retentionPolicy { maxAgeDays maxBytes purgedRuns } }')).data).toEqual({ retentionPolicy: { maxAgeDays: null, maxBytes: null, purgedRuns: 0 } });
    expect((await gql(keys.admin, SET, { d: 30 })).data).toEqual({ setRetentionPolicy: { policy: { maxAgeDays: 30, maxBytes: null, purgedRuns: 0 }, errors: [] } });
    expect((await gql(b.apiKey, SET, { d: 30 })).data).toMatchObject({ setRetentionPolicy: { errors: [] } });
    const audited = await admin.query("SELECT outcome FROM audit_log WHERE org_id = $1 AND action = 'setRetentionPolicy' ORDER BY at", [a.orgId]);
    expect(audited.rows.map((r: { outcome: string }) => r.outcome)).toEqual(['forbidden', 'rejected', 'rejected', 'ok']);
  });

  it('dry run lists the runs past the policy and changes nothing; without --export-dir it refuses', async () => {
    expect(await cli('retention', 'apply', '--org', a.slug)).toMatchObject({ code: 2, stderr: expect.stringContaining('--export-dir is required') });
    const dry = await cli('retention', 'apply', '--dry-run', '--json');
    expect(dry.code).toBe(0);
    const report = JSON.parse(dry.stdout) as { organizations: { slug: string; runsPastPolicy: { runId: string; reason: string; exportFile: null }[] }[] };
    const past = Object.fromEntries(report.organizations.map((o) => [o.slug, o.runsPastPolicy.map((r) => [r.runId, r.reason, r.exportFile])]));
    expect(past).toEqual({ [a.slug]: [[runs.aOld, 'max_age', null]], [b.slug]: [[runs.bOld, 'max_age', null]] });
    expect(await commits(a, runs.aOld)).toBeGreaterThan(0);
    expect(await rows('runs', runs.aOld)).toBe(1);
    // With an API key: its own organization only, and deleting runs needs ADMIN.
    const asViewer = await runCli(ROOT, ['retention', 'apply', '--dry-run'], { ...env, SHAMAN_API_KEY: keys.viewer });
    expect(asViewer).toMatchObject({ code: 1, stderr: expect.stringContaining('SHAMAN_API_KEY has the VIEWER role; retention (it deletes runs) needs ADMIN') });
    const asAdmin = await runCli(ROOT, ['retention', 'apply', '--dry-run', '--json'], { ...env, SHAMAN_API_KEY: keys.admin });
    expect(JSON.parse(asAdmin.stdout)).toMatchObject({ organizations: [{ slug: a.slug, runsPastPolicy: [{ runId: runs.aOld }] }] });
  });

  it('applies to one organization: the old run is exported, then gone from the stream and the read models; the rest is untouched', async () => {
    const recorded = (await cli('replay', runs.aOld, '--org', a.slug, '--json')).stdout;
    const ledger = await rows('usage_ledger', runs.aOld);
    expect(ledger).toBeGreaterThan(0);
    const applied = await cli('retention', 'apply', '--org', a.slug, '--export-dir', exportDir);
    expect(applied.code).toBe(0);
    const file = join(exportDir, a.slug, `${runs.aOld}.jsonl`);
    expect(applied.stdout).toContain(`${runs.aOld} older than the limit`);
    expect(applied.stdout).toContain(`exported to ${file}, deleted`);
    // The export is the run's events exactly as `replay --json` prints them.
    expect(await readFile(file, 'utf8')).toBe(recorded);
    expect(recorded).toContain('"type":"StepCompleted"');
    expect(await commits(a, runs.aOld)).toBe(0);
    for (const table of ['runs', 'steps', 'step_llm_calls']) expect(await rows(table, runs.aOld)).toBe(0);
    // Kept: the usage ledger (money spent) and the record of the deletion.
    expect(await rows('usage_ledger', runs.aOld)).toBe(ledger);
    expect((await admin.query('SELECT reason, export_file FROM retention_purges WHERE run_id = $1', [runs.aOld])).rows).toEqual([{ reason: 'max_age', export_file: file }]);
    // Untouched: the organization's newer run and the other organization's old one (it has a policy too).
    expect(await commits(a, runs.aNew)).toBeGreaterThan(0);
    expect(await commits(b, runs.bOld)).toBeGreaterThan(0);
    expect([await rows('runs', runs.aNew), await rows('runs', runs.bOld)]).toEqual([1, 1]);
    expect(await cli('replay', runs.aOld, '--org', a.slug)).toMatchObject({ code: 1, stderr: expect.stringContaining(`no run ${runs.aOld}`) });
    expect((await gql(keys.viewer, '{ retentionPolicy { purgedRuns } }')).data).toEqual({ retentionPolicy: { purgedRuns: 1 } });
    // Applying again finds nothing more to do.
    const again = await cli('retention', 'apply', '--org', a.slug, '--export-dir', exportDir, '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ organizations: [{ slug: a.slug, runsPastPolicy: [] }] });
  }, 60_000);

  it('a byte limit deletes the oldest finished runs until the rest fits; a rebuild keeps the purged runs\' ledger', async () => {
    await gql(keys.admin, SET, { d: null, b: 1 });
    const dry = await cli('retention', 'apply', '--org', a.slug, '--dry-run', '--json');
    expect(JSON.parse(dry.stdout)).toMatchObject({ organizations: [{ slug: a.slug, policy: { maxAgeDays: null, maxBytes: 1 }, runsPastPolicy: [{ runId: runs.aNew, reason: 'max_bytes' }] }] });
    const ledger = await rows('usage_ledger', runs.aOld);
    expect(await cli('projections', 'rebuild')).toMatchObject({ code: 0 });
    expect(await rows('usage_ledger', runs.aOld)).toBe(ledger);
    expect(await rows('runs', runs.aNew)).toBe(1);
  }, 60_000);
});
