import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { createTestNats, createTestTenant, eventually, revokeTestKey, type TestTenant } from '@shaman/testing';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, ephemeralConsumers, startLiveServer, until, type LiveServer } from './live-server.fixture.js';
import { append, eventsOf, newRun } from './run-events.fixture.js';
import { RUN_DAG, RUNS_UPDATED, type DagEvent, type Progress } from './subscription-queries.fixture.js';
import { collect } from './ws-client.fixture.js';

describe('gql-api subscriptions endpoint: connection, limits, shutdown (graphql-ws, real NATS and PostgreSQL)', () => {
  let live: LiveServer;
  let store: JetStreamEventStore;
  let url: string;
  let a: TestTenant;
  let clientOf: LiveServer['clientOf'];

  beforeAll(async () => {
    live = await startLiveServer();
    ({ store, url, a, clientOf } = live);
  });
  afterAll(async () => {
    await live?.close();
  });

  const refusal = async (params: Record<string, unknown> | undefined): Promise<unknown> => {
    const sub = collect(live.clientWith(params), { query: RUNS_UPDATED, field: 'runsUpdated' });
    await eventually(async () => (sub.errors.length > 0 ? true : undefined), { what: 'refusal' });
    expect(sub.values).toEqual([]);
    return sub.errors[0];
  };

  it('closes with 4401 without credentials, with an unknown key, and with a revoked one', async () => {
    expect(codeOf(await refusal(undefined))).toBe(4401);
    expect(codeOf(await refusal({ authorization: `Bearer sk_live_${'x'.repeat(40)}` }))).toBe(4401);
    const revoked = await createTestTenant(live.db.adminUrl, { agentsRepository: '/tmp/c' });
    await revokeTestKey(live.db.adminUrl, revoked.keyId);
    expect(codeOf(await refusal({ apiKey: revoked.apiKey }))).toBe(4401);
  });

  it('keeps plain GET /graphql behind the HTTP authentication: only upgrades skip it', async () => {
    const query = encodeURIComponent('{ viewer { organizationId } }');
    const preflight = { 'apollo-require-preflight': 'true' };
    expect((await fetch(`${url}/graphql?query=${query}`, { headers: preflight })).status).toBe(401);
    const ok = await fetch(`${url}/graphql?query=${query}`, { headers: { ...preflight, authorization: `Bearer ${a.apiKey}` } });
    expect(await ok.json()).toEqual({ data: { viewer: { organizationId: a.orgId } } });
    const overHttp = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${a.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'subscription { runsUpdated { runId } }' }),
    });
    const refused = (await overHttp.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(refused.errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringContaining('WebSocket') });
  });

  it('refuses a new subscription on an open connection once its key is revoked', async () => {
    const tenant = await createTestTenant(live.db.adminUrl, { agentsRepository: '/tmp/d' });
    const client = clientOf(tenant);
    const run = newRun(tenant.orgId);
    await append(store, eventsOf(run).requested('Assistant'));
    const before = collect<DagEvent>(client, { query: RUN_DAG, variables: { runId: run.runId }, field: 'runDag' });
    // A snapshot proves the connection was accepted; the next subscribe on it is checked against the revoked key.
    await until(before, (v) => v.length === 1, 'the snapshot');
    await revokeTestKey(live.db.adminUrl, tenant.keyId);
    const after = collect<Progress>(client, { query: RUNS_UPDATED, field: 'runsUpdated' });
    await eventually(async () => (after.errors.length > 0 ? true : undefined), { what: 'refusal' });
    expect(after.errors.map(codeOf)).toEqual(['UNAUTHENTICATED']);
    before.stop();
  });

  it('serves only subscriptions: a query over the socket is refused', async () => {
    const sub = collect(clientOf(a), { query: '{ viewer { organizationId } }', field: 'viewer' });
    await eventually(async () => (sub.errors.length > 0 ? true : undefined), { what: 'refusal' });
    expect(sub.values).toEqual([]);
    expect(JSON.stringify(sub.errors)).toContain('only subscriptions');
  });

  it('applies the allow-list to subscriptions, and lets the upgrade itself through it', async () => {
    const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
    const { url: listedOnly } = await live.startServer({ allowlist: new Map([[sha256(RUN_DAG), RUN_DAG]]) });
    const run = newRun(a.orgId);
    await append(store, eventsOf(run).requested('Assistant'));
    const client = clientOf(a, listedOnly);
    const listed = collect<DagEvent>(client, { query: RUN_DAG, variables: { runId: run.runId }, field: 'runDag' });
    await until(listed, (v) => v.length === 1, 'the snapshot');
    const unlisted = collect<Progress>(client, { query: RUNS_UPDATED, field: 'runsUpdated' });
    await eventually(async () => (unlisted.errors.length > 0 ? true : undefined), { what: 'refusal' });
    expect(unlisted.errors.map(codeOf)).toEqual(['FORBIDDEN']);
    listed.stop();
  });

  it('ends every subscription and deletes its consumer when the server closes', async () => {
    const own = await createTestNats();
    const ownStore = await createJetStreamEventStore({ nc: own.nc, ...own.layout });
    try {
      const { server: closing, url: ownUrl } = await live.startServer({ store: ownStore });
      const run = newRun(a.orgId);
      await append(ownStore, eventsOf(run).requested('Assistant'));
      const client = live.clientWith({ apiKey: a.apiKey }, ownUrl);
      const dag = collect<DagEvent>(client, { query: RUN_DAG, variables: { runId: run.runId }, field: 'runDag' });
      const feed = collect<Progress>(client, { query: RUNS_UPDATED, field: 'runsUpdated' });
      await until(dag, (v) => v.length === 1, 'the snapshot');
      await eventually(async () => ((await ephemeralConsumers(ownStore)).length === 2 ? true : undefined), { what: 'two consumers' });
      await closing.close();
      await eventually(async () => (dag.errors.length + Number(dag.completed) > 0 && feed.errors.length + Number(feed.completed) > 0 ? true : undefined), { what: 'the end' });
      expect(await ephemeralConsumers(ownStore)).toEqual([]);
    } finally {
      await own.cleanup();
    }
  });
});
