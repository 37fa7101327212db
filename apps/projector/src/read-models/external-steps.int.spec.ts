import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { ShamanEvent } from '@shaman/events';
import { createLogger, createPool, type Pool } from '@shaman/platform';
import { createTestDatabase, createTestNats, type TestDatabase, type TestNats } from '@shaman/testing';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProjector } from '../projector.js';
import { appendCommit, createClock, newStep, stepEvents } from '../step-events.fixtures.js';

/** An external A2A agent's node (RunRequested with `external`) in the steps read model: kind and URL (migration 0013). */
describe('external steps in the read model (real nats-server and PostgreSQL)', () => {
  let nats: TestNats;
  let db: TestDatabase;
  let store: JetStreamEventStore;
  let pool: Pool;
  const clock = createClock(Date.UTC(2026, 10, 1));
  const root = newStep({ orgId: randomUUID(), runId: randomUUID() });
  const external = newStep(root);
  let lastSeq = 0;

  beforeAll(async () => {
    [nats, db] = await Promise.all([createTestNats(), createTestDatabase()]);
    store = await createJetStreamEventStore({ nc: nats.nc, ...nats.layout });
    pool = createPool(db.projectorUrl, { max: 2 });
    const [r, x] = [stepEvents(root, clock), stepEvents(external, clock)];
    await appendCommit(store, r.requested('Planner'));
    await appendCommit(store, r.started('Planner'));
    const requested = x.requested('Partner', { parentStepId: root.stepId, depth: 1 });
    const withExternal = ShamanEvent.parse({ ...requested, data: { ...requested.data, external: { url: 'https://partner.example/a2a', protocolVersion: '1.0' } } });
    await appendCommit(store, withExternal);
    await appendCommit(store, ShamanEvent.parse({ ...x.started('Partner'), data: { agent: { name: 'Partner', repository: '/agents', commit: 'c0ffee' }, model: 'external', executorId: 'exec-1', attempt: 1 } }));
    lastSeq = await appendCommit(store, x.completed('echo: hi', 0));
    const projector = createProjector({ pool, nc: nats.nc, layout: nats.layout, logger: createLogger({ name: 't', level: 'silent' }), batchMax: 10, batchWaitMs: 5 });
    await projector.start();
    await projector.waitFor(lastSeq);
    await projector.stop();
  });
  afterAll(async () => {
    await pool?.end();
    await db?.cleanup();
    await nats?.cleanup();
  });

  it('marks the external node with its kind and URL, and leaves agent steps as they were', async () => {
    const { rows } = await pool.query<{ id: string; kind: string; external_url: string | null; status: string; model: string; parent_step_id: string | null }>(
      'SELECT id, kind, external_url, status, model, parent_step_id FROM steps WHERE run_id = $1 ORDER BY depth',
      [root.runId],
    );
    expect(rows).toEqual([
      { id: root.stepId, kind: 'agent', external_url: null, status: 'working', model: 'scripted', parent_step_id: null },
      { id: external.stepId, kind: 'external', external_url: 'https://partner.example/a2a', status: 'completed', model: 'external', parent_step_id: root.stepId },
    ]);
  });

  it('refuses a URL on an agent step (the columns agree with each other)', async () => {
    await expect(pool.query(`UPDATE steps SET external_url = 'https://x.example' WHERE id = $1`, [root.stepId])).rejects.toThrow(/steps_external_url_only_external/);
  });
});
