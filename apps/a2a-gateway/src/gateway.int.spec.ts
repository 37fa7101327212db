import { decodeCommit, type JetStreamEventStore } from '@shaman/event-store';
import { RunRequested, stepEventStream, type StepEvent } from '@shaman/events';
import { newId } from '@shaman/platform';
import { createTestTenant, eventually, revokeTestKey, type TestDatabase, type TestNats, type TestTenant } from '@shaman/testing';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayFixture, type GatewayFixture } from './testing/gateway.fixture.js';

/** Stands in for an executor: answers every request by recording StepStarted then StepCompleted, like the real one. */
const respondToRequests = (nats: TestNats, store: JetStreamEventStore) =>
  nats.nc.subscribe(`${nats.layout.subjectPrefix}.req.>`, {
    callback: (_e, msg) => {
      const event = decodeCommit(msg.data).events[0] as unknown as { type?: string; metadata: StepEvent['metadata'] };
      if (event.type === 'RunCancelRequested') {
        const canceled: StepEvent = { type: 'StepCanceled', data: { reason: 'test' }, metadata: { ...event.metadata, eventId: newId() } as StepEvent['metadata'] };
        void store.appendToStream(stepEventStream(event.metadata), [canceled]).catch(() => undefined);
        return;
      }
      const parsed = RunRequested.safeParse(event);
      if (!parsed.success || parsed.data.data.message.parts.some((p) => p.kind === 'text' && p.text.includes('never'))) return;
      const r = parsed.data;
      const meta = (n: number) => ({ ...r.metadata, eventId: newId(), at: new Date(Date.now() + n).toISOString() }) as StepEvent['metadata'];
      const started: StepEvent = { type: 'StepStarted', data: { agent: r.data.agent, model: 'scripted', executorId: 'fake', attempt: 1 }, metadata: meta(0) };
      const text = r.data.message.parts.map((p) => (p.kind === 'text' ? p.text : '')).join('');
      const done: StepEvent = { type: 'StepCompleted', data: { output: { parts: [{ kind: 'text', text: `Echo: ${text}` }] }, usage: { inputTokens: 1, outputTokens: 1 }, iterations: 1 }, metadata: meta(1) };
      void (async () => {
        const a = await store.appendToStream(stepEventStream(r.metadata), [started], { expectedStreamVersion: 0n });
        await new Promise((res) => setTimeout(res, 30));
        await store.appendToStream(stepEventStream(r.metadata), [done], { expectedStreamVersion: a.nextExpectedStreamVersion });
      })().catch(() => undefined); // core subscribers also see duplicate publishes; the fence turns those away

    },
  });

describe('A2A gateway JSON-RPC (real PostgreSQL and nats-server)', () => {
  let db: TestDatabase;
  let nats: TestNats;
  let store: JetStreamEventStore;
  let url: string;
  let tenant: TestTenant;
  let other: TestTenant;

  let gateway: GatewayFixture;
  beforeAll(async () => {
    gateway = await startGatewayFixture();
    ({ db, nats, store, url } = gateway);
    const repo = await mkdtemp(join(tmpdir(), 'shaman-gw-'));
    await writeFile(join(repo, 'Echo.md'), '---\nname: Echo\nmodel: scripted\ndescription: Echoes\n---\nEcho.\n');
    await writeFile(join(repo, 'Secret.md'), '---\nname: Secret\nmodel: scripted\nexposed: false\n---\nHidden.\n');
    tenant = await createTestTenant(db.adminUrl, { agentsRepository: repo });
    other = await createTestTenant(db.adminUrl, { agentsRepository: repo });
    respondToRequests(nats, store);
  });
  afterAll(async () => gateway.close());

  const post = async (body: unknown, key: string | null = tenant.apiKey) => {
    const res = await fetch(`${url}/a2a/v1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- wire JSON, asserted field by field below
    return { status: res.status, body: (await res.json()) as { id: unknown; result?: Record<string, any>; error?: { code: number; message: string; data?: any } } };
  };
  const send = (text: string, extra: Record<string, unknown> = {}, params: Record<string, unknown> = {}) =>
    post({ jsonrpc: '2.0', id: 1, method: 'message/send', params: { message: { kind: 'message', messageId: newId(), role: 'user', parts: [{ kind: 'text', text }], ...extra }, metadata: { agent: 'Echo' }, ...params } });
  const requestCount = async (orgId: string) => {
    let n = 0;
    for await (const _ of store.readFilter(`req.${orgId}.>`)) n++;
    return n;
  };

  it('answers a blocking message/send with the completed task and the agent reply', async () => {
    const { status, body } = await send('hello');
    expect(status).toBe(200);
    expect(body.result).toMatchObject({ kind: 'task', status: { state: 'completed' }, artifacts: [{ parts: [{ kind: 'text', text: 'Echo: hello' }] }] });
    expect(body.result?.['history']).toHaveLength(2);
  });

  it('answers blocking:false at once; tasks/get later shows the task completed (from the log, before any projector)', async () => {
    const { body } = await send('later', {}, { configuration: { blocking: false } });
    expect(body.result).toMatchObject({ status: { state: 'submitted' } });
    const id = body.result?.['id'];
    const done = await eventually(async () => {
      const got = await post({ jsonrpc: '2.0', id: 'g', method: 'tasks/get', params: { id } });
      return got.body.result?.['status'].state === 'completed' ? got.body : undefined;
    });
    expect(done.id).toBe('g');
    expect(done.result?.['contextId']).toBe(body.result?.['contextId']);
  });

  it('addresses an agent with an @Name prefix and strips it from the message', async () => {
    const { body } = await post({ jsonrpc: '2.0', id: 2, method: 'message/send', params: { message: { messageId: newId(), role: 'user', parts: [{ kind: 'text', text: '@Echo ping' }] } } });
    expect(body.result?.['artifacts'][0].parts[0].text).toBe('Echo: ping');
  });

  it('treats a retried send (same messageId) as the same task, recorded once', async () => {
    const message = { kind: 'message', messageId: newId(), role: 'user', parts: [{ kind: 'text', text: 'once' }] };
    const before = await requestCount(tenant.orgId);
    const a = await post({ jsonrpc: '2.0', id: 1, method: 'message/send', params: { message, metadata: { agent: 'Echo' } } });
    const b = await post({ jsonrpc: '2.0', id: 1, method: 'message/send', params: { message, metadata: { agent: 'Echo' } } });
    expect(b.body.result?.['id']).toBe(a.body.result?.['id']);
    expect(await requestCount(tenant.orgId)).toBe(before + 1);
  });

  it('gives a reused messageId with different content a new task, not the old answer', async () => {
    const messageId = newId();
    const first = await post({ jsonrpc: '2.0', id: 1, method: 'message/send', params: { message: { messageId, role: 'user', parts: [{ kind: 'text', text: 'first' }] }, metadata: { agent: 'Echo' } } });
    const second = await post({ jsonrpc: '2.0', id: 2, method: 'message/send', params: { message: { messageId, role: 'user', parts: [{ kind: 'text', text: 'second' }] }, metadata: { agent: 'Echo' } } });
    expect(second.body.result?.['id']).not.toBe(first.body.result?.['id']);
    expect(second.body.result?.['artifacts'][0].parts[0].text).toBe('Echo: second');
  });

  it('makes a blocking retry of a step still running wait for its end, like the original', async () => {
    const params = { message: { messageId: newId(), role: 'user', parts: [{ kind: 'text', text: 'twice' }] }, metadata: { agent: 'Echo' } };
    const [a, b] = await Promise.all([post({ jsonrpc: '2.0', id: 1, method: 'message/send', params }), post({ jsonrpc: '2.0', id: 2, method: 'message/send', params })]);
    expect(a.body.result?.['id']).toBe(b.body.result?.['id']);
    expect([a.body.result?.['status'].state, b.body.result?.['status'].state]).toEqual(['completed', 'completed']);
  });

  it('joins an existing run by contextId, and refuses a contextId it does not own', async () => {
    const first = await send('one');
    const second = await send('two', { contextId: first.body.result?.['contextId'] });
    expect(second.body.result?.['contextId']).toBe(first.body.result?.['contextId']);
    expect(second.body.result?.['id']).not.toBe(first.body.result?.['id']);
    const foreign = await post({ jsonrpc: '2.0', id: 9, method: 'message/send', params: { message: { messageId: newId(), role: 'user', parts: [{ kind: 'text', text: 'x' }], contextId: first.body.result?.['contextId'] }, metadata: { agent: 'Echo' } } }, other.apiKey);
    expect(foreign.body.error).toMatchObject({ code: -32602, data: { reason: 'context_not_found' } });
  });

  it('cancels a working task and refuses to cancel a finished one', async () => {
    const { body } = await send('never finishes', {}, { configuration: { blocking: false } });
    const id = body.result?.['id'];
    const canceled = await post({ jsonrpc: '2.0', id: 3, method: 'tasks/cancel', params: { id } });
    expect(canceled.body.result).toMatchObject({ id, status: { state: 'canceled' } });
    const done = await send('done');
    const again = await post({ jsonrpc: '2.0', id: 4, method: 'tasks/cancel', params: { id: done.body.result?.['id'] } });
    expect(again.body.error?.code).toBe(-32002);
  });

  describe('bad input gets the exact error and records nothing', () => {
    let before: number;
    beforeAll(async () => {
      before = await requestCount(tenant.orgId);
    });
    afterAll(async () => {
      expect(await requestCount(tenant.orgId)).toBe(before);
    });

    it('malformed JSON: -32700, HTTP 200, JSON body, id null', async () => {
      const { status, body } = await post('{"jsonrpc": "2.0", "id": 1, "method": ');
      expect(status).toBe(200);
      expect(body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
    });

    it.each([
      ['wrong version', { jsonrpc: '1.0', id: 5, method: 'tasks/get' }, 5],
      ['no method, no id', { jsonrpc: '2.0' }, null],
      ['params not structured', { jsonrpc: '2.0', id: 6, method: 'tasks/get', params: 'x' }, 6],
      // A JSON array is a batch now (protocol.int.spec.ts); a bare number is no request at all.
      ['not an object', 42, null],
    ])('invalid request (%s): -32600', async (_name, request, id) => {
      const { status, body } = await post(request);
      expect(status).toBe(200);
      expect(body).toMatchObject({ id, error: { code: -32600 } });
    });

    it('unknown method: -32601', async () => {
      expect((await post({ jsonrpc: '2.0', id: 7, method: 'tasks/explode', params: {} })).body.error?.code).toBe(-32601);
    });

    it.each([
      ['empty parts', { message: { messageId: 'm', role: 'user', parts: [] }, metadata: { agent: 'Echo' } }],
      ['missing role', { message: { messageId: 'm', parts: [{ kind: 'text', text: 'x' }] }, metadata: { agent: 'Echo' } }],
      ['missing messageId', { message: { role: 'user', parts: [{ kind: 'text', text: 'x' }] }, metadata: { agent: 'Echo' } }],
      ['bad part kind', { message: { messageId: 'm', role: 'user', parts: [{ kind: 'video', url: 'x' }] }, metadata: { agent: 'Echo' } }],
      ['negative historyLength', { message: { messageId: 'm', role: 'user', parts: [{ kind: 'text', text: 'x' }] }, configuration: { historyLength: -1 }, metadata: { agent: 'Echo' } }],
      ['text of wrong type', { message: { messageId: 'm', role: 'user', parts: [{ kind: 'text', text: 5 }] }, metadata: { agent: 'Echo' } }],
      ['no agent named', { message: { messageId: 'm', role: 'user', parts: [{ kind: 'text', text: 'x' }] } }],
    ])('invalid params (%s): -32602', async (_name, params) => {
      const { body } = await post({ jsonrpc: '2.0', id: 8, method: 'message/send', params });
      expect(body.error?.code).toBe(-32602);
    });

    it('unknown and private agents: -32602 agent_not_found, indistinguishable', async () => {
      for (const agent of ['Nobody', 'Secret']) {
        const { body } = await post({ jsonrpc: '2.0', id: 8, method: 'message/send', params: { message: { messageId: newId(), role: 'user', parts: [{ kind: 'text', text: 'x' }] }, metadata: { agent } } });
        expect(body.error).toMatchObject({ code: -32602, data: { reason: 'agent_not_found', agent } });
      }
    });

    it('unknown task, and another organization\'s task: -32001', async () => {
      expect((await post({ jsonrpc: '2.0', id: 9, method: 'tasks/get', params: { id: newId() } })).body.error?.code).toBe(-32001);
      const mine = await send('mine');
      const theirs = await post({ jsonrpc: '2.0', id: 9, method: 'tasks/get', params: { id: mine.body.result?.['id'] } }, other.apiKey);
      expect(theirs.body.error?.code).toBe(-32001);
      before += 1; // the 'mine' send above is a real request
    });

    it('missing, malformed and revoked keys: HTTP 401', async () => {
      expect((await post({ jsonrpc: '2.0', id: 1, method: 'tasks/get', params: { id: newId() } }, null)).status).toBe(401);
      expect((await post({ jsonrpc: '2.0', id: 1, method: 'tasks/get', params: { id: newId() } }, 'sk_live_nope')).status).toBe(401);
      const doomed = await createTestTenant(db.adminUrl, { agentsRepository: '/nonexistent' });
      await revokeTestKey(db.adminUrl, doomed.keyId);
      const revoked = await post({ jsonrpc: '2.0', id: 1, method: 'message/send', params: {} }, doomed.apiKey);
      expect(revoked.status).toBe(401);
      expect(revoked.body.error?.code).toBe(-32050);
    });
  });

  it('publishes the organization card with exposed agents only', async () => {
    const res = await fetch(`${url}/.well-known/agent-card.json`, { headers: { 'x-api-key': tenant.apiKey } });
    const card = (await res.json()) as { url: string; skills: { id: string }[]; protocolVersion: string };
    expect(card.protocolVersion).toBe('0.3.0');
    expect(card.url).toBe(`${url}/a2a/v1`);
    expect(card.skills.map((s) => s.id)).toEqual(['Echo']);
    const anonymous = (await (await fetch(`${url}/.well-known/agent-card.json`)).json()) as { skills: unknown[] };
    expect(anonymous.skills).toEqual([]);
  });

  it('never shows a task going backwards: a read-model row behind the log is not served', async () => {
    const sent = await send('hello again');
    expect(sent.body.result?.['status']?.state).toBe('completed');
    const id = sent.body.result?.['id'] as string;
    // A projector that is behind: its row says working, at a sequence before the step's completion.
    const admin = new pg.Client({ connectionString: db.adminUrl });
    await admin.connect();
    try {
      await admin.query(
        `INSERT INTO steps (org_id, id, run_id, depth, agent, status, input, created_at, updated_at, last_seq)
         VALUES ($1, $2, $3, 0, 'Echo', 'working', $4, now(), now(), 1)
         ON CONFLICT (id) DO UPDATE SET status = 'working', output = NULL, last_seq = 1`,
        [tenant.orgId, id, sent.body.result?.['contextId'], JSON.stringify({ messageId: 'm', role: 'user', parts: [{ kind: 'text', text: 'hello again' }] })],
      );
    } finally {
      await admin.end();
    }
    const got = await post({ jsonrpc: '2.0', id: 2, method: 'tasks/get', params: { id } });
    expect(got.body.result?.['status']?.state).toBe('completed');
    expect(got.body.result?.['artifacts']?.[0]?.parts?.[0]?.text).toBe('Echo: hello again');
  });
});
