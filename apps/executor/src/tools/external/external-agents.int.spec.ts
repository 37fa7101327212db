import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { ShamanEvent } from '@shaman/events';
import { createPool, createSecretBox, deterministicId, generateSecretKey, newId, putOrgSecret, withOrg, type Pool } from '@shaman/platform';
import { createTestDatabase, createTestNats, createTestTenant, eventually, type TestDatabase, type TestNats, type TestTenant } from '@shaman/testing';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ToolContext } from '../../activities/call-tool.activity.js';
import { createOrgSecrets } from '../org-secrets.js';
import { createExternalAgents, externalCallsOf, type ExternalAgent, type ExternalAgents } from './external-agents.js';
import { startA2aTestServer, type A2aTestServer } from './fixtures/a2a-test-server.js';

const never = new AbortController().signal;

/**
 * External A2A agents called from a step: real SDK servers of both protocol lines on 127.0.0.1, credentials from
 * the organization's secrets in a real PostgreSQL under RLS, the DAG node recorded on a real nats-server.
 */
describe('external agents from agents.json (real a2a-js servers, v0.3 and v1.0)', () => {
  let nats: TestNats;
  let store: JetStreamEventStore;
  let db: TestDatabase;
  let pool: Pool;
  let tenant: TestTenant;
  let repo: string;
  const servers = {} as Record<'0.3' | '1.0', A2aTestServer>;
  let agents: ExternalAgents;
  const box = createSecretBox(generateSecretKey());

  beforeAll(async () => {
    repo = await mkdtemp(join(tmpdir(), 'shaman-external-'));
    [nats, db, servers['0.3'], servers['1.0']] = await Promise.all([
      createTestNats(),
      createTestDatabase(),
      startA2aTestServer({ version: '0.3', bearerToken: 'token-for-v03' }),
      startA2aTestServer({ version: '1.0', bearerToken: 'token-for-v1' }),
    ]);
    store = await createJetStreamEventStore({ nc: nats.nc, ...nats.layout });
    tenant = await createTestTenant(db.adminUrl, { agentsRepository: repo });
    pool = createPool(db.appUrl);
    await withOrg(pool, tenant.orgId, async (c) => {
      await putOrgSecret(c, box, { orgId: tenant.orgId, name: 'V03_TOKEN', value: 'token-for-v03' });
      await putOrgSecret(c, box, { orgId: tenant.orgId, name: 'V1_TOKEN', value: 'token-for-v1' });
      await putOrgSecret(c, box, { orgId: tenant.orgId, name: 'STALE_TOKEN', value: 'revoked-long-ago' });
    });
    const entry = (version: '0.3' | '1.0', secret: string) => ({ url: servers[version].url, protocolVersion: version, auth: { type: 'bearer', token: `\${${secret}}` } });
    const manifest = { agents: { Partner03: entry('0.3', 'V03_TOKEN'), Partner1: entry('1.0', 'V1_TOKEN'), Stale: entry('1.0', 'STALE_TOKEN'), Unset: entry('1.0', 'NOT_SET') } };
    await writeFile(join(repo, 'agents.json'), JSON.stringify(manifest, null, 2));
    agents = createExternalAgents({
      store,
      orgSecrets: createOrgSecrets({ pool, secretBox: box }),
      allowPrivateUrls: true,
      timeoutMs: 15_000,
      clock: () => new Date(),
      executorId: 'x-test',
      poll: { initialMs: 10, maxMs: 100 },
    });
  });
  afterAll(async () => {
    await Promise.all([servers['0.3']?.close(), servers['1.0']?.close()]);
    await pool?.end();
    await db?.cleanup();
    await nats?.cleanup();
    if (repo) await rm(repo, { recursive: true, force: true });
  });

  const caller = (): ToolContext => ({ orgId: tenant.orgId, runId: newId(), stepId: newId(), agent: 'Manager', depth: 2, repository: repo, commit: 'c0ffee'.padEnd(40, '0') });
  const find = async (name: string): Promise<ExternalAgent> => {
    const agent = await agents.find(caller(), name);
    if (!agent) throw new Error(`${name} is not in agents.json`);
    return agent;
  };
  const eventsOfRun = async (from: ToolContext): Promise<ShamanEvent[]> => {
    const out: ShamanEvent[] = [];
    for await (const c of store.readFilter(`*.${from.orgId}.${from.runId}.>`)) out.push(...c.commit.events.map((e) => ShamanEvent.parse(e)));
    return out;
  };
  const nodeOf = (from: ToolContext, callId: string): string => deterministicId(from.stepId, 'call', callId);

  it("finds the caller's agents.json entries by name, and nothing else", async () => {
    expect(await agents.find(caller(), 'Partner1')).toEqual({ url: servers['1.0'].url, description: '', protocolVersion: '1.0', auth: { type: 'bearer', token: '${V1_TOKEN}' } });
    expect(await agents.find(caller(), 'Nobody')).toBeUndefined();
    expect(await agents.find(caller(), 'constructor')).toBeUndefined();
    expect(await agents.find({ ...caller(), repository: join(repo, 'missing') }, 'Partner1')).toBeUndefined();
  });

  it('offers call_agent a bound call for an external name, and nothing for any other', async () => {
    const from = caller();
    const calls = externalCallsOf(agents);
    expect(await calls.find(from, 'Worker')).toBeUndefined();
    const partner = await calls.find(from, 'Partner1');
    expect(await partner?.({ message: 'bound', callId: 'call_9' }, never)).toEqual({ taskId: nodeOf(from, 'call_9'), text: 'echo: bound' });
  });

  describe.each([
    { version: '0.3' as const, name: 'Partner03', send: 'message/send', get: 'tasks/get', cancel: 'tasks/cancel', token: 'token-for-v03' },
    { version: '1.0' as const, name: 'Partner1', send: 'SendMessage', get: 'GetTask', cancel: 'CancelTask', token: 'token-for-v1' },
  ])('v$version', ({ version, name, send, get, cancel, token }) => {
    it("answers, with the organization's secret as the bearer token and the version's own method names", async () => {
      const from = caller();
      const before = servers[version].requests.length;
      const answer = await agents.call(from, { name, agent: await find(name), message: 'hello there', callId: 'call_1' }, never);
      expect(answer).toEqual({ taskId: nodeOf(from, 'call_1'), text: 'echo: hello there' });
      const seen = servers[version].requests.slice(before);
      expect(seen[0]?.method).toBe(send);
      expect(seen.every((r) => r.headers.authorization === `Bearer ${token}`)).toBe(true);
      expect(seen.every((r) => r.headers['a2a-version'] === (version === '1.0' ? '1.0' : undefined))).toBe(true);
      expect(seen.slice(1).every((r) => r.method === get)).toBe(true);
    });

    it('records the call as an external child node of the calling step: requested, started, completed', async () => {
      const from = caller();
      const agent = await find(name);
      await agents.call(from, { name, agent, message: 'record me', callId: 'call_7' }, never);
      const events = await eventsOfRun(from);
      const stepId = nodeOf(from, 'call_7');
      expect(events.map((e) => e.type)).toEqual(['RunRequested', 'StepStarted', 'StepCompleted']);
      expect(events.every((e) => e.metadata.stepId === stepId && e.metadata.runId === from.runId && e.metadata.orgId === from.orgId)).toBe(true);
      expect(events[0]).toMatchObject({
        data: {
          agent: { name, repository: repo, commit: from.commit },
          message: { role: 'user', parts: [{ kind: 'text', text: 'record me' }] },
          parentStepId: from.stepId,
          depth: 3,
          initiator: { kind: 'agent', id: from.stepId },
          external: { url: agent.url, protocolVersion: version },
        },
      });
      expect(events[1]).toMatchObject({ data: { agent: { name }, model: 'external', executorId: 'x-test', attempt: 1 } });
      expect(events[2]).toMatchObject({ data: { output: { parts: [{ kind: 'text', text: 'echo: record me' }] }, usage: { inputTokens: 0, outputTokens: 0 }, iterations: 0 } });
    });

    it('a repeated call with the same call id returns the recorded answer: nothing new on the stream, nothing sent', async () => {
      const from = caller();
      const agent = await find(name);
      const first = await agents.call(from, { name, agent, message: 'once', callId: 'call_2' }, never);
      const events = await eventsOfRun(from);
      const sent = servers[version].requests.length;
      const again = await agents.call(from, { name, agent, message: 'once', callId: 'call_2' }, never);
      expect(again).toEqual(first);
      expect(await eventsOfRun(from)).toEqual(events);
      expect(servers[version].requests.length).toBe(sent);
    });

    it('an abort of the calling step cancels the remote task, and the node ends canceled', async () => {
      const from = caller();
      const controller = new AbortController();
      const before = servers[version].requests.length;
      const pending = agents.call(from, { name, agent: await find(name), message: 'sleep until canceled', callId: 'call_3' }, controller.signal);
      const outcome = pending.then(() => 'answered', (error: unknown) => error);
      // Polling means the remote task exists and its id is known.
      await eventually(async () => (servers[version].requests.slice(before).some((r) => r.method === get) ? true : undefined), { timeoutMs: 10_000, what: `a ${get}` });
      controller.abort(new Error('parent canceled'));
      expect(await outcome).toMatchObject({ message: 'parent canceled' });
      expect(servers[version].requests.slice(before).map((r) => r.method)).toContain(cancel);
      expect(servers[version].canceled).toHaveLength(1);
      expect((await eventsOfRun(from)).map((e) => e.type)).toEqual(['RunRequested', 'StepStarted', 'StepCanceled']);
    });

    it('a remote failure and a remote question are failures the model reads; the node ends failed', async () => {
      const from = caller();
      const agent = await find(name);
      await expect(agents.call(from, { name, agent, message: 'fail please', callId: 'call_4' }, never)).rejects.toThrow(`external agent ${name} failed: out of paint`);
      await expect(agents.call(from, { name, agent, message: 'ask me', callId: 'call_5' }, never)).rejects.toThrow(
        `external agent ${name} asked for input, which a calling agent cannot give: which colour?`,
      );
      const ends = (await eventsOfRun(from)).filter((e) => e.type === 'StepFailed');
      expect(ends.map((e) => e.data)).toEqual([
        { error: { code: 'tool_error', message: `external agent ${name} failed: out of paint` } },
        { error: { code: 'tool_error', message: `external agent ${name} asked for input, which a calling agent cannot give: which colour?` } },
      ]);
    });
  });

  it('a wrong token is refused by the server, and the call rejects saying so', async () => {
    const from = caller();
    await expect(agents.call(from, { name: 'Stale', agent: await find('Stale'), message: 'hi', callId: 'call_1' }, never)).rejects.toThrow(
      'external agent Stale refused the credentials (HTTP 401: invalid bearer token)',
    );
    const events = await eventsOfRun(from);
    expect(events.at(-1)).toMatchObject({ type: 'StepFailed', data: { error: { code: 'tool_error' } } });
    expect(JSON.stringify(events)).not.toContain('revoked-long-ago');
  });

  it('a secret the organization does not have fails the call before anything is sent', async () => {
    const before = servers['1.0'].requests.length;
    await expect(agents.call(caller(), { name: 'Unset', agent: await find('Unset'), message: 'hi', callId: 'call_1' }, never)).rejects.toThrow(
      "external agent Unset: auth.token references ${NOT_SET}, which is not set in the organization's secrets",
    );
    expect(servers['1.0'].requests.length).toBe(before);
  });

  it('refuses a private URL unless EXTERNAL_AGENTS_ALLOW_PRIVATE_URLS allows it', async () => {
    const guarded = createExternalAgents({ store, orgSecrets: createOrgSecrets({ pool, secretBox: box }), allowPrivateUrls: false, timeoutMs: 5000, clock: () => new Date() });
    const from = caller();
    const before = servers['1.0'].requests.length;
    await expect(guarded.call(from, { name: 'Partner1', agent: await find('Partner1'), message: 'hi', callId: 'call_1' }, never)).rejects.toThrow(
      'external agent Partner1: refused host "127.0.0.1": is a loopback address',
    );
    expect(servers['1.0'].requests.length).toBe(before);
    expect((await eventsOfRun(from)).at(-1)).toMatchObject({ type: 'StepFailed', data: { error: { message: expect.stringContaining('loopback') } } });
  });

  it('gives up after the timeout, cancels the remote task and records a timeout', async () => {
    const impatient = createExternalAgents({ store, orgSecrets: createOrgSecrets({ pool, secretBox: box }), allowPrivateUrls: true, timeoutMs: 600, clock: () => new Date(), poll: { initialMs: 10, maxMs: 50 } });
    const from = caller();
    const canceled = servers['0.3'].canceled.length;
    await expect(impatient.call(from, { name: 'Partner03', agent: await find('Partner03'), message: 'sleep long', callId: 'call_1' }, never)).rejects.toThrow(
      'external agent Partner03 did not answer within 600 ms',
    );
    expect(servers['0.3'].canceled.length).toBe(canceled + 1);
    expect((await eventsOfRun(from)).at(-1)).toMatchObject({ type: 'StepFailed', data: { error: { code: 'timeout' } } });
  });
});
