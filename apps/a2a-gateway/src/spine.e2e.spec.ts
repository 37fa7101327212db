import { newId } from '@shaman/platform';
import { createTestDatabase, createTestNats, createTestTenant, eventually, runCli, startStack, type TestStack, type TestDatabase, type TestNats, type TestTenant } from '@shaman/testing';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const EXAMPLE_AGENTS = fileURLToPath(new URL('../../../examples/agents', import.meta.url));

/**
 * The spine through four real processes: A2A message/send → gateway → JetStream → executor → JetStream →
 * projector → PostgreSQL → GraphQL, with the apps started exactly as `main.ts` starts them in production.
 */
describe('spine: A2A in, GraphQL out, across real processes', () => {
  let db: TestDatabase;
  let nats: TestNats;
  let tenant: TestTenant;
  let other: TestTenant;
  let stack: TestStack;
  let gateway = '';
  let graphql = '';

  beforeAll(async () => {
    [db, nats] = await Promise.all([createTestDatabase(), createTestNats()]);
    [tenant, other] = await Promise.all([
      createTestTenant(db.adminUrl, { agentsRepository: EXAMPLE_AGENTS }),
      createTestTenant(db.adminUrl, { agentsRepository: EXAMPLE_AGENTS }),
    ]);
    stack = await startStack({ db, nats, executorEnv: { EXECUTOR_ID: 'e2e-executor' } });
    gateway = stack.gatewayUrl;
    graphql = stack.graphqlUrl;
  });

  afterAll(async () => {
    const codes = await stack.stop();
    await nats?.cleanup();
    await db?.cleanup();
    expect(codes).toEqual([0, 0, 0, 0]); // every app drains and exits cleanly on SIGTERM
  });

  const a2a = async (method: string, params: unknown, key = tenant.apiKey) => {
    const res = await fetch(`${gateway}/a2a/v1`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify({ jsonrpc: '2.0', id: newId(), method, params }) });
    return (await res.json()) as { result?: { id: string; contextId: string; status: { state: string }; artifacts?: { parts: { text: string }[] }[] }; error?: { code: number } };
  };
  const send = (agent: string, text: string, blocking = true) =>
    a2a('message/send', { message: { kind: 'message', messageId: newId(), role: 'user', parts: [{ kind: 'text', text }] }, configuration: { blocking }, metadata: { agent } });
  const gql = async (query: string, variables: Record<string, unknown>, key = tenant.apiKey) => {
    const res = await fetch(graphql, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query, variables }) });
    return (await res.json()) as { data?: { run: null | { status: string; steps: { agent: string; status: string; outputText: string | null; parentStepId: string | null; depth: number }[] } }; errors?: unknown[] };
  };
  const RUN = 'query($id: ID!) { run(id: $id) { status steps { agent status outputText parentStepId depth } } }';

  it('runs a blocking message/send to completion, and GraphQL shows the run with its step and the reply', async () => {
    const { result } = await send('Assistant', 'hello e2e');
    expect(result?.status.state).toBe('completed');
    expect(result?.artifacts?.[0]?.parts[0]?.text).toBe('Echo: hello e2e');
    const run = await eventually(async () => {
      const { data } = await gql(RUN, { id: result!.contextId });
      return data?.run?.status === 'COMPLETED' ? data.run : undefined;
    }, { what: 'the run to be projected' });
    expect(run.steps).toEqual([{ agent: 'Assistant', status: 'COMPLETED', outputText: 'Echo: hello e2e', parentStepId: null, depth: 0 }]);
  });

  it('answers blocking:false at once; tasks/get later shows completed, and so does GraphQL', async () => {
    const { result } = await send('Researcher', 'JetStream', false);
    expect(result?.status.state).toBe('submitted');
    const task = await eventually(async () => {
      const got = await a2a('tasks/get', { id: result!.id });
      return got.result?.status.state === 'completed' ? got.result : undefined;
    }, { what: 'tasks/get to show completed' });
    expect(task.artifacts?.[0]?.parts[0]?.text).toBe('Researched: JetStream');
    // tasks/get reads the run's events; the read model GraphQL serves follows them by the projection lag.
    const run = await eventually(async () => {
      const { data } = await gql(RUN, { id: result!.contextId });
      return data?.run?.status === 'COMPLETED' ? data.run : undefined;
    }, { what: 'the run to be projected' });
    expect(run.steps[0]?.outputText).toBe('Researched: JetStream');
  });

  it('serves an organization and a scoped key created with the shaman CLI', async () => {
    const env = { DATABASE_ADMIN_URL: db.adminUrl };
    const slug = `cli-${newId().slice(0, 8)}`;
    const org = await runCli(['org', 'create', slug, '--agents', EXAMPLE_AGENTS, '--json'], env);
    expect(org.code).toBe(0);
    expect(JSON.parse(org.stdout)).toMatchObject({ slug, created: true });
    const key = await runCli(['key', 'create', slug, '--scope', '/agents/Researcher:execute', '--env', 'test', '--json'], env);
    expect(key.code).toBe(0);
    const { key: apiKey } = JSON.parse(key.stdout) as { key: string };
    expect(apiKey).toMatch(/^sk_test_/);
    const allowed = await a2a('message/send', { message: { messageId: newId(), role: 'user', parts: [{ kind: 'text', text: 'scopes' }] }, metadata: { agent: 'Researcher' } }, apiKey);
    expect(allowed.result?.status.state).toBe('completed');
    const denied = await a2a('message/send', { message: { messageId: newId(), role: 'user', parts: [{ kind: 'text', text: 'x' }] }, metadata: { agent: 'Assistant' } }, apiKey);
    expect(denied.error?.code).toBe(-32051);
    const unknown = await runCli(['key', 'create', 'no-such-org'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no organization with slug no-such-org');
  });

  it("never shows one organization another's run", async () => {
    const { result } = await send('Assistant', 'private');
    await eventually(async () => ((await gql(RUN, { id: result!.contextId })).data?.run ? true : undefined));
    const { data, errors } = await gql(RUN, { id: result!.contextId }, other.apiKey);
    expect(errors).toBeUndefined();
    expect(data?.run).toBeNull();
    expect((await a2a('tasks/get', { id: result!.id }, other.apiKey)).error?.code).toBe(-32001);
  });
});
