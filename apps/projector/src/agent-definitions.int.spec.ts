import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { RepositoryEvent, repositoryStream } from '@shaman/events';
import { createLogger, createPool, withOrg, type Pool } from '@shaman/platform';
import { createTestDatabase, createTestNats, eventually, type TestDatabase, type TestNats } from '@shaman/testing';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProjector, type Projector } from './projector.js';

const sha = (n: number): string => n.toString(16).padStart(40, '0');
const digest = (n: number): string => n.toString(16).padStart(64, '0');

describe('projector: agent definitions from repository events (real nats-server and PostgreSQL)', () => {
  let nats: TestNats;
  let db: TestDatabase;
  let store: JetStreamEventStore;
  let pool: Pool;
  let appPool: Pool;
  let projector: Projector;
  const orgId = randomUUID();
  const otherOrg = randomUUID();
  const repositoryId = randomUUID();
  let at = Date.UTC(2026, 5, 1);
  const meta = (org = orgId) => ({ eventId: randomUUID(), orgId: org, repositoryId, at: new Date((at += 1000)).toISOString() });
  const changed = (agent: string, commit: string, change: 'added' | 'changed', extra: Partial<{ exposed: boolean; description: string }> = {}, org = orgId) =>
    RepositoryEvent.parse({
      type: 'AgentDefinitionChanged',
      data: { repository: 'main', agent, change, commit, file: `${agent}.md`, digest: digest(commit.length + agent.length), exposed: true, description: `${agent} v${commit.slice(-1)}`, tags: ['t'], model: 'scripted', ...extra },
      metadata: meta(org),
    });
  const synced = (commit: string, previousCommit: string | null) =>
    RepositoryEvent.parse({ type: 'RepositorySynced', data: { repository: 'main', branch: 'main', commit, previousCommit, added: [], changed: [], removed: [], kept: [], problems: [] }, metadata: meta() });

  beforeAll(async () => {
    [nats, db] = await Promise.all([createTestNats(), createTestDatabase()]);
    store = await createJetStreamEventStore({ nc: nats.nc, ...nats.layout });
    pool = createPool(db.projectorUrl, { max: 2 });
    appPool = createPool(db.appUrl, { max: 2 });
    projector = createProjector({ pool, nc: nats.nc, layout: nats.layout, logger: createLogger({ name: 't', level: 'silent' }), batchMax: 50, batchWaitMs: 5 });
    await projector.start();
  });
  afterAll(async () => {
    await projector?.stop();
    await pool?.end();
    await appPool?.end();
    await nats?.cleanup();
    await db?.cleanup();
  });

  it('keeps each agent at its latest definition, marks removed ones, keeps the history, and scopes rows by tenant', async () => {
    await store.appendToStream(repositoryStream(orgId, repositoryId), [changed('Assistant', sha(1), 'added'), changed('Writer', sha(1), 'added', { exposed: false }), synced(sha(1), null)]);
    await store.appendToStream(repositoryStream(orgId, repositoryId), [changed('Assistant', sha(2), 'changed', { description: 'better' }), synced(sha(2), sha(1))]);
    const removal = RepositoryEvent.parse({ type: 'AgentRemoved', data: { repository: 'main', agent: 'Writer', commit: sha(3), lastCommit: sha(1) }, metadata: meta() });
    await store.appendToStream(repositoryStream(orgId, repositoryId), [removal, synced(sha(3), sha(2))]);
    await store.appendToStream(repositoryStream(otherOrg, repositoryId), [changed('Spy', sha(9), 'added', {}, otherOrg)]);

    const last = (await store.lastCommit('repo.>'))?.seq ?? 0;
    await projector.waitFor(last);
    const rows = await pool.query<{ org_id: string; name: string; commit: string; description: string; exposed: boolean; removed_at_commit: string | null }>(
      'SELECT org_id, name, commit, description, exposed, removed_at_commit FROM agent_definitions WHERE org_id = $1 ORDER BY name',
      [orgId],
    );
    expect(rows.rows).toEqual([
      { org_id: orgId, name: 'Assistant', commit: sha(2), description: 'better', exposed: true, removed_at_commit: null },
      { org_id: orgId, name: 'Writer', commit: sha(1), description: 'Writer v1', exposed: false, removed_at_commit: sha(3) },
    ]);
    const history = await pool.query<{ name: string; change: string; commit: string }>('SELECT name, change, commit FROM agent_definition_history WHERE org_id = $1 ORDER BY seq, name', [orgId]);
    expect(history.rows).toEqual([
      { name: 'Assistant', change: 'added', commit: sha(1) },
      { name: 'Writer', change: 'added', commit: sha(1) },
      { name: 'Assistant', change: 'changed', commit: sha(2) },
      { name: 'Writer', change: 'removed', commit: sha(3) },
    ]);
    // Under the application role, another organization's agents are invisible.
    const visible = await withOrg(appPool, orgId, async (c) => (await c.query<{ name: string }>('SELECT name FROM agent_definitions ORDER BY name')).rows.map((r) => r.name));
    expect(visible).toEqual(['Assistant', 'Writer']);
  });

  it('applies a re-delivered batch once (rebuild from zero gives the same rows)', async () => {
    const before = await pool.query('SELECT * FROM agent_definitions ORDER BY org_id, name');
    await projector.stop();
    await pool.query('DELETE FROM agent_definitions; DELETE FROM agent_definition_history; DELETE FROM projection_checkpoints');
    projector = createProjector({ pool, nc: nats.nc, layout: nats.layout, logger: createLogger({ name: 't', level: 'silent' }), batchMax: 2, batchWaitMs: 5 });
    await projector.start();
    const last = (await store.lastCommit('repo.>'))?.seq ?? 0;
    await projector.waitFor(last);
    const after = await eventually(async () => {
      const r = await pool.query('SELECT * FROM agent_definitions ORDER BY org_id, name');
      return r.rows.length === before.rows.length ? r : undefined;
    }, { what: 'the rebuilt agent definitions' });
    expect(after.rows).toEqual(before.rows);
  });
});
