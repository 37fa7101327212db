import { createJetStreamEventStore, decodeCommit, encodeCommit, type JetStreamEventStore } from '@shaman/event-store';
import { ShamanEvent } from '@shaman/events';
import { createLogger, createPool, startHealthServer, withOrg, withTransaction, type Pool } from '@shaman/platform';
import { createTestDatabase, createTestNats, eventually, type TestDatabase, type TestNats } from '@shaman/testing';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PROJECTION } from './checkpoint.js';
import { loadConfig } from './config.js';
import { projectBatch } from './project-batch.js';
import { startProjector } from './start-projector.js';
import { createProjector, type Projector, type ProjectorDeps } from './projector.js';
import { applyEvents } from './read-models/apply-batch.js';
import type { SequencedEvent } from './read-models/fold-steps.js';
import { appendCommit, createClock, newStep, stepEvents, type StepAddress } from './step-events.fixtures.js';

type Json = Record<string, unknown>;
const pgTime = (iso: string) => iso.replace(/Z$/, '+00:00');

describe('projector (real nats-server and PostgreSQL)', () => {
  let nats: TestNats;
  let db: TestDatabase;
  let store: JetStreamEventStore;
  let pool: Pool;
  const logger = createLogger({ name: 'projector-test', level: 'silent' });
  const running: Projector[] = [];
  const orgId = randomUUID();
  const clock = createClock();
  const run = () => ({ orgId, runId: randomUUID() });
  const times: Record<string, string> = {};
  const [a1, b1] = [newStep(run()), newStep(run())];
  const a2 = newStep(a1);
  const c1 = newStep(run());
  let lastSeq = 0;

  const start = async (options: Partial<ProjectorDeps> = {}): Promise<Projector> => {
    const projector = createProjector({ pool, nc: nats.nc, layout: nats.layout, logger, batchMax: 50, batchWaitMs: 5, ...options });
    await projector.start();
    running.push(projector);
    return projector;
  };
  const rows = async (table: 'runs' | 'steps' | 'usage_ledger' | 'run_data'): Promise<Json[]> =>
    (await pool.query<{ r: Json }>(`SELECT to_jsonb(t) AS r FROM ${table} t ORDER BY ${table === 'usage_ledger' || table === 'run_data' ? 'event_id' : 'id'}`)).rows.map((x) => x.r);
  const row = async (table: 'runs' | 'steps', id: string): Promise<Json | undefined> =>
    (await rows(table)).find((r) => r['id'] === id);
  const snapshot = async () => ({ runs: await rows('runs'), steps: await rows('steps'), usage: await rows('usage_ledger'), runData: await rows('run_data') });
  const wipe = async () => pool.query('DELETE FROM steps; DELETE FROM runs; DELETE FROM usage_ledger; DELETE FROM run_data; DELETE FROM projection_checkpoints');
  // Its own clock, so the other fixtures' times (some compared as text) stay as they were.
  const dataClock = createClock(Date.UTC(2026, 1, 1));
  const runData = (step: StepAddress, data: { key: string; value: unknown; tags: string[]; agent: string }) =>
    ShamanEvent.parse({ type: 'RunDataWritten', data, metadata: { ...step, eventId: randomUUID(), at: dataClock() } });

  beforeAll(async () => {
    [nats, db] = await Promise.all([createTestNats(), createTestDatabase()]);
    store = await createJetStreamEventStore({ nc: nats.nc, ...nats.layout });
    pool = createPool(db.projectorUrl, { max: 4, pipeline: true }); // as the projector's own pool: batches pipelined
    const [ea1, ea2, eb1, ec1] = [stepEvents(a1, clock), stepEvents(a2, clock), stepEvents(b1, clock), stepEvents(c1, clock)];
    // Run A: a root that calls a child agent; both complete. Several events per commit, as the executor writes them.
    const a1Requested = ea1.requested('Planner');
    times['a1.created'] = a1Requested.metadata.at;
    await appendCommit(store, a1Requested);
    await appendCommit(store, ea1.started('Planner'));
    await appendCommit(store, ea1.llm(0, { inputTokens: 100, outputTokens: 20 }, { id: 'call-1', name: 'call_agent' }), ea1.usage(0, 'Planner', { inputTokens: 100, outputTokens: 20, costMicros: 450 }), ea1.toolCalled(0, 'call-1', 'call_agent'));
    await appendCommit(store, ea2.requested('Researcher', { parentStepId: a1.stepId, depth: 1 }));
    await appendCommit(store, ea2.started('Researcher'));
    // Run data: the child writes a key first, then the root writes a second version of it with its tool result.
    const draft = runData(a2, { key: 'report/summary', value: { text: 'draft', n: 1 }, tags: ['draft'], agent: 'Researcher' });
    times['draft'] = draft.metadata.at;
    await appendCommit(store, draft);
    await appendCommit(store, ea2.llm(0, { inputTokens: 50, outputTokens: 10 }), ea2.usage(0, 'Researcher', { inputTokens: 50, outputTokens: 10, costMicros: 225 }), ea2.completed('found it', 1));
    const final = runData(a1, { key: 'report/summary', value: { text: 'final', n: 2 }, tags: ['final', 'report'], agent: 'Planner' });
    times['final'] = final.metadata.at;
    await appendCommit(store, final, ea1.toolResulted('call-1', 'call_agent'), ea1.llm(1, { inputTokens: 120, outputTokens: 30 }), ea1.usage(1, 'Planner', { inputTokens: 120, outputTokens: 30, costMicros: 600 }));
    const a1Completed = ea1.completed('plan ready', 2);
    times['a1.completed'] = a1Completed.metadata.at;
    await appendCommit(store, a1Completed);
    // Run B: fails; a late cancel request changes nothing.
    await appendCommit(store, eb1.requested('Planner'));
    await appendCommit(store, eb1.started('Planner'), eb1.llm(0, { inputTokens: 10, outputTokens: 0 }));
    const b1Failed = eb1.failed('provider down');
    times['b1.failed'] = b1Failed.metadata.at;
    await appendCommit(store, b1Failed);
    await appendCommit(store, eb1.cancelRequested());
    // Run C: still working.
    await appendCommit(store, ec1.requested('Writer'));
    lastSeq = await appendCommit(store, ec1.started('Writer'));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop()));
  });
  afterAll(async () => {
    await pool?.end();
    await Promise.all([nats?.cleanup(), db?.cleanup()]);
  });

  it('projects steps with their DAG edge, counters and statuses, and runs derived from their roots', async () => {
    const projector = await start();
    await projector.waitFor(lastSeq);
    expect(projector.position()).toBe(lastSeq);
    expect(projector.ready()).toBe(true);

    expect(await row('steps', a1.stepId)).toMatchObject({
      run_id: a1.runId, parent_step_id: null, depth: 0, agent: 'Planner', model: 'scripted', status: 'completed',
      llm_calls: 2, tool_calls: 1, iterations: 2, input_tokens: 220, output_tokens: 50,
      output: { parts: [{ kind: 'text', text: 'plan ready' }] }, error: null, completed_at: pgTime(times['a1.completed']!),
    });
    expect(await row('steps', a2.stepId)).toMatchObject({
      run_id: a1.runId, parent_step_id: a1.stepId, depth: 1, agent: 'Researcher', status: 'completed', input_tokens: 50, output_tokens: 10,
    });
    expect(await row('runs', a1.runId)).toMatchObject({
      org_id: orgId, status: 'completed', root_agent: 'Planner', step_count: 2, input_tokens: 270, output_tokens: 60,
      created_at: pgTime(times['a1.created']!), completed_at: pgTime(times['a1.completed']!),
    });
    expect(await row('steps', b1.stepId)).toMatchObject({ status: 'failed', error: { code: 'model_error', message: 'provider down' } });
    expect(await row('runs', b1.runId)).toMatchObject({ status: 'failed', step_count: 1, input_tokens: 10, completed_at: pgTime(times['b1.failed']!) });
    expect(await row('runs', c1.runId)).toMatchObject({ status: 'working', root_agent: 'Writer', completed_at: null });
    const checkpoint = await pool.query('SELECT position FROM projection_checkpoints WHERE name = $1', [DEFAULT_PROJECTION]);
    expect(checkpoint.rows).toEqual([{ position: lastSeq }]);
  });

  it('keeps a usage ledger of every priced model call, rolled up per step and run', async () => {
    await (await start()).waitFor(lastSeq);
    expect(await rows('usage_ledger')).toHaveLength(3);
    // Read as the application role: the roll-up views run as their caller, so row-level security applies.
    const app = createPool(db.appUrl, { max: 1 });
    try {
      const asOrg = (org: string, sql: string) => withOrg(app, org, async (c) => (await c.query(sql, [a1.runId])).rows);
      expect(await asOrg(orgId, 'SELECT step_id, calls, input_tokens, cost_micros FROM usage_by_step WHERE run_id = $1 ORDER BY cost_micros')).toEqual([
        { step_id: a2.stepId, calls: 1, input_tokens: 50, cost_micros: 225 },
        { step_id: a1.stepId, calls: 2, input_tokens: 220, cost_micros: 1050 },
      ]);
      expect(await asOrg(orgId, 'SELECT calls, output_tokens, cost_micros FROM usage_by_run WHERE run_id = $1')).toEqual([{ calls: 3, output_tokens: 60, cost_micros: 1275 }]);
      expect(await asOrg(randomUUID(), 'SELECT * FROM usage_by_run WHERE run_id = $1')).toEqual([]);
    } finally {
      await app.end();
    }
  });

  it('keeps every version of run data, attributed, and shows the latest per key under RLS', async () => {
    await (await start()).waitFor(lastSeq);
    const versions = (await rows('run_data')).sort((x, y) => Number(x['version']) - Number(y['version']));
    expect(versions).toMatchObject([
      { org_id: orgId, run_id: a1.runId, step_id: a2.stepId, agent: 'Researcher', key: 'report/summary', value: { text: 'draft', n: 1 }, tags: ['draft'], written_at: pgTime(times['draft']!) },
      { org_id: orgId, run_id: a1.runId, step_id: a1.stepId, agent: 'Planner', key: 'report/summary', value: { text: 'final', n: 2 }, tags: ['final', 'report'], written_at: pgTime(times['final']!) },
    ]);
    expect(Number(versions[0]!['version'])).toBeLessThan(Number(versions[1]!['version']));
    const app = createPool(db.appUrl, { max: 1 });
    try {
      const latest = (org: string) =>
        withOrg(app, org, async (c) => (await c.query('SELECT key, value, tags, agent, step_id, version FROM run_data_latest WHERE run_id = $1', [a1.runId])).rows);
      expect(await latest(orgId)).toEqual([
        { key: 'report/summary', value: { text: 'final', n: 2 }, tags: ['final', 'report'], agent: 'Planner', step_id: a1.stepId, version: versions[1]!['version'] },
      ]);
      expect(await latest(randomUUID())).toEqual([]);
      expect(await withOrg(app, randomUUID(), async (c) => (await c.query('SELECT * FROM run_data')).rows)).toEqual([]);
    } finally {
      await app.end();
    }
  });

  it('rebuilds identical rows from the log whatever the batch size (replay determinism)', async () => {
    await (await start()).waitFor(lastSeq);
    const before = await snapshot();
    expect(before.steps).toHaveLength(4);
    for (const batchMax of [1, 7, 1000]) {
      await Promise.all(running.splice(0).map((p) => p.stop()));
      await wipe();
      const fresh = await start({ batchMax, batchWaitMs: 20 });
      await fresh.waitFor(lastSeq);
      expect(await snapshot()).toEqual(before);
    }
  });

  it('changes nothing when an already applied batch is applied again', async () => {
    await (await start()).waitFor(lastSeq);
    const before = await snapshot();
    const events: SequencedEvent[] = [];
    for await (const stored of store.readFilter('>')) {
      for (const raw of stored.commit.events) events.push({ seq: stored.seq, event: ShamanEvent.parse(raw) });
    }
    const again = await projectBatch(pool, { name: DEFAULT_PROJECTION, lastSeq, events });
    expect(again).toEqual({ applied: false, position: lastSeq, steps: 0 });
    // Even past the checkpoint, each row's last_seq makes re-applied events no-ops.
    expect(await withTransaction(pool, (client) => applyEvents(client, { events }))).toEqual({ steps: 0 });
    expect(await snapshot()).toEqual(before);
  });

  it('skips a malformed commit and an unparseable event, and projects what follows', async () => {
    const projector = await start();
    const d1 = newStep(run());
    const ed1 = stepEvents(d1, clock);
    const subject = store.subjectOf(`evt.${d1.orgId}.${d1.runId}.${d1.stepId}`);
    await store.js.publish(subject, new TextEncoder().encode('{not json'));
    await store.js.publish(subject, encodeCommit([{ type: 'StepStarted', data: { nonsense: true } }]));
    expect(() => decodeCommit(new TextEncoder().encode('{not json'))).toThrow();
    // U+0000 is valid JSON but PostgreSQL refuses it in jsonb: it must not stall the projection.
    await appendCommit(store, ed1.requested('Critic', null, 'nul \u0000 here'));
    const last = await appendCommit(store, ed1.started('Critic'), ed1.llm(0, { inputTokens: 5, outputTokens: 1 }));
    await projector.waitFor(last);
    expect(await row('steps', d1.stepId)).toMatchObject({
      status: 'working', llm_calls: 1, input_tokens: 5, input: { parts: [{ kind: 'text', text: 'nul \uFFFD here' }] },
    });
    expect(await row('runs', d1.runId)).toMatchObject({ status: 'working', step_count: 1 });
    lastSeq = last;
  });

  it('retries a failed transaction from the checkpoint until it succeeds', async () => {
    const projector = await start();
    const admin = new pg.Client({ connectionString: db.adminUrl });
    await admin.connect();
    try {
      await admin.query('REVOKE INSERT ON steps FROM shaman_projector');
      const e1 = newStep(run());
      const ee1 = stepEvents(e1, clock);
      await appendCommit(store, ee1.requested('Editor'));
      const last = await appendCommit(store, ee1.started('Editor'));
      await new Promise((r) => setTimeout(r, 300));
      expect(projector.position()).toBeLessThan(last);
      expect(await row('steps', e1.stepId)).toBeUndefined();
      await admin.query('GRANT INSERT ON steps TO shaman_projector');
      await projector.waitFor(last);
      expect(await eventually(async () => row('steps', e1.stepId))).toMatchObject({ status: 'working', agent: 'Editor' });
    } finally {
      await admin.query('GRANT INSERT ON steps TO shaman_projector');
      await admin.end();
    }
  });

  it('starts from config (as main and the CLI do) and drains on stop', async () => {
    const config = loadConfig({
      DATABASE_URL: db.projectorUrl,
      NATS_URL: nats.url,
      NATS_STREAM: nats.layout.stream,
      NATS_SUBJECT_PREFIX: nats.layout.subjectPrefix,
      LOG_LEVEL: 'silent',
    });
    expect(config).toMatchObject({ PROJECTOR_BATCH_MAX: 500, PROJECTOR_BATCH_WAIT_MS: 5, HEALTH_PORT: 0 });
    const f1 = newStep(run());
    const app = await startProjector(config);
    const last = await appendCommit(store, stepEvents(f1, clock).requested('Scribe'));
    await eventually(async () => row('steps', f1.stepId));
    await app.stop();
    const checkpoint = await pool.query('SELECT position FROM projection_checkpoints WHERE name = $1', [DEFAULT_PROJECTION]);
    expect(checkpoint.rows).toEqual([{ position: last }]);
  });

  it('answers /healthz always and /readyz only when ready', async () => {
    let ready = false;
    const health = await startHealthServer({ port: 0, ready: () => ready });
    try {
      const status = async (path: string) => (await fetch(`http://127.0.0.1:${health.port}${path}`)).status;
      expect([await status('/healthz'), await status('/readyz'), await status('/nope')]).toEqual([200, 503, 404]);
      ready = true;
      expect(await status('/readyz')).toBe(200);
    } finally {
      await health.close();
    }
  });
});
