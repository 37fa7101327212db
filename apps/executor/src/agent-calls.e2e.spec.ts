import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { ShamanEvent, type StepEvent } from '@shaman/events';
import { generateInternalKeyPair, newId } from '@shaman/platform';
import { createTestDatabase, createTestNats, createTestRedis, createTestTenant, eventually, listedAgent, spawnApp, startRegistryServer, type RegistryServer, TEST_REDIS_URL, type AppProcess, type TestDatabase, type TestNats, type TestRedis, type TestTenant } from '@shaman/testing';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startA2aTestServer, type A2aTestServer } from './tools/external/fixtures/a2a-test-server.js';

const agent = (name: string, extra = '') => `---\nname: ${name}\nmodel: scripted\nexposed: true\n${extra}---\nYou are ${name}.\n`;
const calls = (to: string, message: string, reply: string) =>
  `turns:\n  - toolCalls: [{ name: call_agent, arguments: { agent: ${to}, message: "${message}" } }]\n  - reply: "${reply}"\n`;

const AGENTS: Record<string, string> = {
  // A three-level chain: Planner → Researcher → Writer.
  'Planner.md': agent('Planner', 'allowedAgents: [Researcher]\n'),
  'Planner.script.yaml': calls('Researcher', 'research {{input}}', 'plan: {{lastToolResult}}'),
  'Researcher.md': agent('Researcher', 'allowedAgents: [Writer]\n'),
  'Researcher.script.yaml': calls('Writer', 'write up {{input}}', 'notes: {{lastToolResult}}'),
  'Writer.md': agent('Writer'),
  // A cycle, bounded by the organization's depth limit.
  'Ping.md': agent('Ping', 'allowedAgents: [Pong]\n'),
  'Ping.script.yaml': calls('Pong', 'ping', 'ping done: {{lastToolResult}}'),
  'Pong.md': agent('Pong', 'allowedAgents: [Ping]\n'),
  'Pong.script.yaml': calls('Ping', 'pong', 'pong done: {{lastToolResult}}'),
  // A subtree to cancel: Boss → Middle → Asker, which waits for a person.
  'Boss.md': agent('Boss', 'allowedAgents: [Middle]\n'),
  'Boss.script.yaml': calls('Middle', 'delegate', 'boss done'),
  'Middle.md': agent('Middle', 'allowedAgents: [Asker]\n'),
  'Middle.script.yaml': calls('Asker', 'ask', 'middle done'),
  'Asker.md': agent('Asker', 'tools: [request_user_input]\n'),
  'Asker.script.yaml': 'turns:\n  - toolCalls: [{ name: request_user_input, arguments: { prompt: "Which one?" } }]\n  - reply: "asked"\n',
  // A child that fails: its parent's model observes why, and answers anyway.
  'Caller.md': agent('Caller', 'allowedAgents: [Broken]\n'),
  'Caller.script.yaml': calls('Broken', 'try', 'caller saw: {{lastToolResult}}'),
  'Broken.md': agent('Broken', 'maxIterations: 1\n'),
  'Broken.script.yaml': 'turns:\n  - toolCalls: [{ name: no_such_tool, arguments: {} }]\n',
  // An external A2A agent from agents.json (its URL is written once the test's server listens).
  'Scout.md': agent('Scout', 'allowedAgents: [Partner]\n'),
  'Scout.script.yaml': calls('Partner', 'hello partner', 'scout: {{lastToolResult}}'),
  // A name no repository and no agents.json has: found in the organization's registry.
  'Seeker.md': agent('Seeker', 'allowedAgents: [Listed]\n'),
  'Seeker.script.yaml': calls('Listed', 'found you', 'seeker: {{lastToolResult}}'),
  // Fan-out: two async calls in one turn, then a wait for each.
  'Fan.md': agent('Fan', 'allowedAgents: [Writer]\n'),
  'Fan.script.yaml': [
    'turns:',
    '  - toolCalls: [{ name: call_agent, arguments: { agent: Writer, message: "one", async: true } }, { name: call_agent, arguments: { agent: Writer, message: "two", async: true } }]',
    '  - toolCalls: [{ name: wait_for_agent, arguments: { taskId: "{{toolResult.0.taskId}}" } }, { name: wait_for_agent, arguments: { taskId: "{{toolResult.1.taskId}}" } }]',
    '  - reply: "fan: {{toolResult.2.text}} + {{toolResult.3.text}}"',
    '',
  ].join('\n'),
};

type A2ATask = { id: string; contextId: string; status: { state: string }; artifacts?: { parts: { text: string }[] }[] };
type StepView = { id: string; agent: string; kind: string; status: string; parentStepId: string | null; depth: number; startedAt: string | null; completedAt: string | null };

/**
 * Agents calling agents across real processes: two gateways (each with its internal role) and two executors
 * (each with ONE slot, each sending its calls to a different gateway), a projector and the GraphQL API. A
 * three-level chain can only finish if a parent waiting for its child holds no slot.
 */
describe('agents calling agents over HTTP with platform JWTs (real processes)', () => {
  let db: TestDatabase;
  let nats: TestNats;
  let redis: TestRedis;
  let tenant: TestTenant;
  /** Its own organization, with a depth limit of 3 from the start (the gateway remembers limits for a few seconds). */
  let shallow: TestTenant;
  let store: JetStreamEventStore;
  let repo: string;
  let partner: A2aTestServer;
  let registry: RegistryServer;
  const apps: AppProcess[] = [];
  let gateway = '';
  let graphql = '';

  beforeAll(async () => {
    [db, nats] = await Promise.all([createTestDatabase(), createTestNats()]);
    redis = createTestRedis();
    store = await createJetStreamEventStore({ nc: nats.nc, ...nats.layout });
    repo = await mkdtemp(join(tmpdir(), 'shaman-agent-calls-'));
    partner = await startA2aTestServer({ version: '1.0' });
    registry = await startRegistryServer({ agents: [{ ...listedAgent('Listed', partner.url), protocolVersion: '1.0' }] });
    const manifest = { agents: { Partner: { url: partner.url, protocolVersion: '1.0' } } };
    await Promise.all(Object.entries({ ...AGENTS, 'agents.json': JSON.stringify(manifest) }).map(([file, text]) => writeFile(join(repo, file), text)));
    [tenant, shallow] = await Promise.all([createTestTenant(db.adminUrl, { agentsRepository: repo }), createTestTenant(db.adminUrl, { agentsRepository: repo })]);
    const admin = new pg.Client({ connectionString: db.adminUrl });
    await admin.connect();
    await admin.query('UPDATE organizations SET max_call_depth = 3 WHERE id = $1', [shallow.orgId]);
    await admin.query("INSERT INTO agent_registries (id, org_id, name, url) VALUES ($1, $2, 'partners', $3)", [newId(), tenant.orgId, registry.url]);
    await admin.end();
    const keys = await generateInternalKeyPair();
    const bus = { NATS_URL: nats.url, NATS_STREAM: nats.layout.stream, NATS_SUBJECT_PREFIX: nats.layout.subjectPrefix };
    const gatewayEnv = { ...bus, DATABASE_URL: db.appUrl, GATEWAY_PORT: '0', GATEWAY_INTERNAL_PORT: '0', SHAMAN_INTERNAL_JWKS: JSON.stringify(keys.publicJwks), REDIS_URL: TEST_REDIS_URL, BULLMQ_PREFIX: redis.prefix };
    const gateways = [spawnApp('a2a-gateway', gatewayEnv), spawnApp('a2a-gateway', gatewayEnv)];
    apps.push(...gateways, spawnApp('projector', { ...bus, DATABASE_URL: db.projectorUrl }));
    apps.push(spawnApp('gql-api', { ...bus, DATABASE_URL: db.appUrl, GQL_PORT: '0', REDIS_URL: TEST_REDIS_URL, BULLMQ_PREFIX: redis.prefix, REPO_SYNC_WORKER: 'false' }));
    const listening = await Promise.all(gateways.map((g) => g.waitForLog((l) => l.msg === 'a2a gateway listening')));
    gateway = String(listening[0]!['url']);
    const executorEnv = { ...bus, DATABASE_URL: db.appUrl, EXECUTOR_CONCURRENCY: '1', EXTERNAL_AGENTS_ALLOW_PRIVATE_URLS: 'true', SHAMAN_INTERNAL_JWT_PRIVATE_KEY: JSON.stringify(keys.privateJwk) };
    apps.push(
      spawnApp('executor', { ...executorEnv, EXECUTOR_ID: 'exec-a', EXECUTOR_INTERNAL_GATEWAY_URL: String(listening[0]!['internalUrl']) }),
      spawnApp('executor', { ...executorEnv, EXECUTOR_ID: 'exec-b', EXECUTOR_INTERNAL_GATEWAY_URL: String(listening[1]!['internalUrl']) }),
    );
    const [graphqlLog] = await Promise.all([apps[3]!.waitForLog((l) => l.msg === 'gql-api listening'), apps[2]!.waitForLog((l) => l.msg === 'projector started'), ...apps.slice(4).map((e) => e.waitForLog((l) => l.msg === 'executor pulling'))]);
    graphql = `${String(graphqlLog['url'])}/graphql`;
  });

  afterAll(async () => {
    const codes = await Promise.all(apps.map((a) => a.stop()));
    await partner?.close();
    await registry?.close();
    await redis?.cleanup();
    await nats?.cleanup();
    await db?.cleanup();
    await rm(repo, { recursive: true, force: true });
    expect(codes.every((c) => c === 0)).toBe(true);
  });

  const a2a = async <T = A2ATask>(method: string, params: unknown, as = tenant): Promise<{ result?: T; error?: { code: number; message: string } }> => {
    const res = await fetch(`${gateway}/a2a/v1`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': as.apiKey }, body: JSON.stringify({ jsonrpc: '2.0', id: newId(), method, params }) });
    return (await res.json()) as { result?: T; error?: { code: number; message: string } };
  };
  const send = (name: string, text: string, blocking = true, as = tenant) =>
    a2a('message/send', { message: { kind: 'message', messageId: newId(), role: 'user', parts: [{ kind: 'text', text }] }, configuration: { blocking }, metadata: { agent: name } }, as);
  const steps = async (runId: string, as = tenant): Promise<StepView[]> => {
    const res = await fetch(graphql, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${as.apiKey}` },
      body: JSON.stringify({ query: 'query($id: ID!) { run(id: $id) { steps { id agent kind status parentStepId depth startedAt completedAt } } }', variables: { id: runId } }),
    });
    return ((await res.json()) as { data?: { run: { steps: StepView[] } | null } }).data?.run?.steps ?? [];
  };
  const eventsOf = async (runId: string, stepId: string, as = tenant): Promise<StepEvent[]> => {
    const out: StepEvent[] = [];
    for await (const c of store.readFilter(`evt.${as.orgId}.${runId}.${stepId}`)) out.push(...c.commit.events.map((e) => ShamanEvent.parse(e) as StepEvent));
    return out;
  };
  const settled = async (runId: string, count: number, status: string, as = tenant): Promise<StepView[]> => {
    let seen: StepView[] = [];
    try {
      return await eventually(async () => {
        seen = await steps(runId, as);
        return seen.length === count && seen.every((s) => s.status === status) ? seen : undefined;
      }, { timeoutMs: 30_000 });
    } catch {
      throw new Error(`expected ${count} ${status} steps in run ${runId}; saw ${seen.map((s) => `${s.agent}@${s.depth}:${s.status}`).join(', ')}`);
    }
  };

  it('runs a three-level chain as one run: parent edges, depths, nested timings, parents parked without a slot', async () => {
    const { result, error } = await send('Planner', 'the launch');
    expect(error).toBeUndefined();
    expect(result?.status.state).toBe('completed');
    expect(result?.artifacts?.[0]?.parts[0]?.text).toContain('Echo: write up research the launch');
    const dag = await settled(result!.contextId, 3, 'COMPLETED');
    const byAgent = Object.fromEntries(dag.map((s) => [s.agent, s]));
    expect(byAgent['Planner']).toMatchObject({ parentStepId: null, depth: 0 });
    expect(byAgent['Researcher']).toMatchObject({ parentStepId: byAgent['Planner']!.id, depth: 1 });
    expect(byAgent['Writer']).toMatchObject({ parentStepId: byAgent['Researcher']!.id, depth: 2 });
    // Each child ran inside its parent's lifetime.
    for (const [parent, child] of [['Planner', 'Researcher'], ['Researcher', 'Writer']] as const) {
      expect(Date.parse(byAgent[child]!.startedAt!)).toBeGreaterThanOrEqual(Date.parse(byAgent[parent]!.startedAt!));
      expect(Date.parse(byAgent[child]!.completedAt!)).toBeLessThanOrEqual(Date.parse(byAgent[parent]!.completedAt!));
    }
    // The call is recorded before its answer, and the answer is the child's; resumes (StepResumed) aside, that is all.
    const planner = (await eventsOf(result!.contextId, byAgent['Planner']!.id)).map((e) => e.type).filter((t) => t !== 'StepResumed');
    expect(planner).toEqual(['StepStarted', 'ToolsOffered', 'LlmResponded', 'UsageRecorded', 'ToolCalled', 'AgentCalled', 'ToolResulted', 'LlmResponded', 'UsageRecorded', 'StepCompleted']);
  });

  it('spreads a chain over both executors and both internal gateways', async () => {
    const runs = await Promise.all([1, 2, 3, 4].map((n) => send('Planner', `run ${n}`)));
    const executors = new Set<string>();
    for (const { result } of runs) {
      expect(result?.status.state).toBe('completed');
      for (const step of await settled(result!.contextId, 3, 'COMPLETED')) {
        for (const e of await eventsOf(result!.contextId, step.id)) if (e.type === 'StepStarted' || e.type === 'StepResumed') executors.add(e.data.executorId);
      }
    }
    expect([...executors].sort()).toEqual(['exec-a', 'exec-b']);
  });

  it('bounds a cycle by the organization depth limit, naming the chain, and every step still ends', async () => {
    const { result } = await send('Ping', 'go', true, shallow);
    expect(result?.status.state).toBe('completed');
    const dag = await settled(result!.contextId, 4, 'COMPLETED', shallow);
    expect(dag.map((s) => s.depth).sort()).toEqual([0, 1, 2, 3]);
    const deepest = dag.find((s) => s.depth === 3)!;
    const refused = (await eventsOf(result!.contextId, deepest.id, shallow)).find((e) => e.type === 'ToolResulted');
    expect(refused).toMatchObject({ data: { isError: true } });
    const message = JSON.stringify(refused?.data.output);
    expect(message).toContain('call depth limit 3');
    expect(message).toContain('Ping → Pong → Ping → Pong');
  });

  it('cancels the whole subtree when the root is canceled, down to a grandchild waiting for input', async () => {
    const { result } = await send('Boss', 'start', false);
    const asker = await eventually(async () => (await steps(result!.contextId)).find((s) => s.agent === 'Asker' && s.status === 'INPUT_REQUIRED'), { timeoutMs: 30_000, what: 'the grandchild to ask for input' });
    expect(asker.depth).toBe(2);
    const canceled = await a2a('tasks/cancel', { id: result!.id });
    expect(canceled.error).toBeUndefined();
    const dag = await settled(result!.contextId, 3, 'CANCELED');
    expect(dag.map((s) => s.agent).sort()).toEqual(['Asker', 'Boss', 'Middle']);
  });

  it("hands a failed child's reason to the parent's model as an observation", async () => {
    const { result } = await send('Caller', 'go');
    expect(result?.status.state).toBe('completed');
    expect(result?.artifacts?.[0]?.parts[0]?.text).toContain('agent Broken failed: max_iterations');
    const dag = await eventually(async () => {
      const all = await steps(result!.contextId);
      return all.length === 2 && all.every((s) => s.status !== 'WORKING' && s.status !== 'SUBMITTED') ? all : undefined;
    }, { timeoutMs: 30_000, what: 'both steps to end' });
    expect(Object.fromEntries(dag.map((s) => [s.agent, s.status]))).toEqual({ Caller: 'COMPLETED', Broken: 'FAILED' });
  });

  it('calls an external A2A agent (official SDK server) from agents.json and records it as an external node', async () => {
    const { result } = await send('Scout', 'go');
    expect(result?.status.state).toBe('completed');
    expect(result?.artifacts?.[0]?.parts[0]?.text).toContain('echo: hello partner');
    const dag = await settled(result!.contextId, 2, 'COMPLETED');
    const scout = dag.find((s) => s.agent === 'Scout')!;
    expect(dag.find((s) => s.agent === 'Partner')).toMatchObject({ kind: 'EXTERNAL', parentStepId: scout.id, depth: 1 });
    expect(scout.kind).toBe('AGENT');
    expect(partner.requests.some((r) => r.method === 'SendMessage')).toBe(true);
  });

  it('resolves a name through the organization registry and calls the agent it lists', async () => {
    const { result } = await send('Seeker', 'go');
    expect(result?.status.state).toBe('completed');
    expect(result?.artifacts?.[0]?.parts[0]?.text).toContain('echo: found you');
    const dag = await settled(result!.contextId, 2, 'COMPLETED');
    expect(dag.find((s) => s.agent === 'Listed')).toMatchObject({ kind: 'EXTERNAL', depth: 1 });
    expect(registry.requests.some((r) => r.path === '/registry/agents')).toBe(true);
  });

  it('runs async calls in parallel and collects them with wait_for_agent', async () => {
    const { result } = await send('Fan', 'go');
    expect(result?.status.state).toBe('completed');
    expect(result?.artifacts?.[0]?.parts[0]?.text).toBe('fan: Echo: one + Echo: two');
    const dag = await settled(result!.contextId, 3, 'COMPLETED');
    expect(dag.filter((s) => s.agent === 'Writer').map((s) => s.depth)).toEqual([1, 1]);
  });
});
