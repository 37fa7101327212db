import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { ShamanEvent, stepRequestStream, type StepAddress } from '@shaman/events';
import { newId } from '@shaman/platform';
import {
  createTestDatabase,
  createTestNats,
  createTestRedis,
  createTestTenant,
  eventually,
  freePort,
  runCli,
  startStack,
  stepEvents,
  TEST_REDIS_URL,
  type TestDatabase,
  type TestNats,
  type TestRedis,
  type TestStack,
  type TestTenant,
} from '@shaman/testing';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startModelProbe, startToolProbe, type ModelProbe, type ToolProbe } from '../kill-probes.fixture.js';

type Task = { id: string; contextId: string; status: { state: string } };
type StepView = { id: string; status: string; attempts: number; retries: number; deadLettered: boolean; error: { code: string; message: string } | null };

const MAX_DELIVER = 3;

/**
 * Issue 7 across real processes (gateway, executor, projector, gql-api): failed attempts are retried with the
 * back-off of their kind and recorded; the last one dead-letters the step; deadlines (BullMQ on Redis) end a
 * step that runs too long, or waits too long for a person, with `timeout`. All of it visible in the events and
 * in GraphQL.
 */
describe('retries, dead letters and deadlines', () => {
  let db: TestDatabase;
  let nats: TestNats;
  let redis: TestRedis;
  let tenant: TestTenant;
  let stack: TestStack;
  let store: JetStreamEventStore;
  let model: ModelProbe;
  let repo: string;
  let toolPort: number;
  let tool: ToolProbe | undefined;

  beforeAll(async () => {
    [db, nats, model] = await Promise.all([createTestDatabase(), createTestNats({ maxDeliver: MAX_DELIVER }), startModelProbe()]);
    redis = createTestRedis();
    store = await createJetStreamEventStore({ nc: nats.nc, ...nats.layout });
    repo = await mkdtemp(join(tmpdir(), 'shaman-durable-'));
    const agent = (name: string, extra = '') => writeFile(join(repo, `${name}.md`), `---\nname: ${name}\nmodel: gpt-4o-mini\n${extra}---\n${name}.\n`);
    // Toolish's MCP server is down until the test starts it on this port.
    toolPort = await freePort();
    const mcp = `tools: [probe.slow]\nmcpServers:\n  probe:\n    url: "http://127.0.0.1:${toolPort}/mcp"\n`;
    await Promise.all([agent('Flaky'), agent('Broken'), agent('Sleepy', 'timeoutSeconds: 1\n'), agent('Toolish', mcp)]);
    await writeFile(join(repo, 'Asker.md'), '---\nname: Asker\nmodel: scripted\ntools: [request_user_input]\ntimeoutSeconds: 2\n---\nAsk.\n');
    await writeFile(join(repo, 'Asker.script.yaml'), 'turns:\n  - toolCalls: [{ name: request_user_input, arguments: { prompt: "Which city?" } }]\n  - reply: "{{lastToolResult}}"\n');
    // Each agent's system prompt is its name: the probe fails, holds or answers by agent.
    model.behave((_turn, seen, system) => (system === 'Broken.' || (system === 'Flaky.' && seen === 1) ? 'fail' : system === 'Sleepy.' ? 'hold' : 'answer'));
    tenant = await createTestTenant(db.adminUrl, { agentsRepository: repo });
    stack = await startStack({
      db,
      nats,
      executorEnv: {
        EXECUTOR_ID: 'e2e-durable',
        EXECUTOR_MAX_DELIVER: String(MAX_DELIVER),
        LLM_MAX_ATTEMPTS: '1',
        OPENAI_API_KEY: 'sk-test-durable',
        OPENAI_BASE_URL: `${model.url}/v1`,
        REDIS_URL: TEST_REDIS_URL,
        BULLMQ_PREFIX: redis.prefix,
        MCP_ALLOW_PRIVATE_URLS: 'true',
      },
    });
  });
  afterAll(async () => {
    const codes = await stack?.stop();
    await model?.close();
    await tool?.close();
    await redis?.cleanup();
    await nats?.cleanup();
    await db?.cleanup();
    await rm(repo, { recursive: true, force: true });
    expect(codes).toEqual([0, 0, 0, 0]);
  });

  const send = async (agent: string): Promise<StepAddress> => {
    const params = { message: { kind: 'message', messageId: newId(), role: 'user', parts: [{ kind: 'text', text: 'go' }] }, metadata: { agent }, configuration: { blocking: false } };
    const res = await fetch(`${stack.gatewayUrl}/a2a/v1`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': tenant.apiKey }, body: JSON.stringify({ jsonrpc: '2.0', id: newId(), method: 'message/send', params }) });
    const task = ((await res.json()) as { result: Task }).result;
    return { orgId: tenant.orgId, runId: task.contextId, stepId: task.id } as StepAddress;
  };
  /** The step as GraphQL shows it, once the read model has it in a terminal status. */
  const ended = (a: StepAddress): Promise<StepView> =>
    eventually(
      async () => {
        const res = await fetch(stack.graphqlUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': tenant.apiKey },
          body: JSON.stringify({ query: 'query($id: ID!) { run(id: $id) { steps { id status attempts retries deadLettered error } } }', variables: { id: a.runId } }),
        });
        const step = ((await res.json()) as { data: { run: { steps: StepView[] } | null } }).data.run?.steps.find((s) => s.id === a.stepId);
        return step && ['COMPLETED', 'FAILED', 'CANCELED'].includes(step.status) ? step : undefined;
      },
      { timeoutMs: 30_000, what: `step ${a.stepId} to end` },
    );
  const types = async (a: StepAddress) => (await stepEvents(store, a)).map((e) => e.type);
  const event = async <T extends ShamanEvent['type']>(a: StepAddress, type: T) => (await stepEvents(store, a)).find((e): e is Extract<ShamanEvent, { type: T }> => e.type === type);

  it('retries a model outage with back-off and completes on the next attempt', async () => {
    const step = await send('Flaky');
    expect(await ended(step)).toMatchObject({ status: 'COMPLETED', attempts: 2, retries: 1, deadLettered: false, error: null });
    expect(await types(step)).toEqual(['StepStarted', 'StepRetryScheduled', 'StepResumed', 'LlmResponded', 'UsageRecorded', 'StepCompleted']);
    const retry = await event(step, 'StepRetryScheduled');
    expect(retry?.data).toMatchObject({ attempt: 1, kind: 'model', error: expect.stringContaining('503') });
    // The model rule: 1 s doubling, with jitter over its upper half.
    expect(retry?.data.delayMs).toBeGreaterThanOrEqual(500);
    expect(retry?.data.delayMs).toBeLessThanOrEqual(1000);
  });

  it('retries a tool server that cannot be reached as a tool failure, and goes on once it is up', async () => {
    const step = await send('Toolish');
    const retry = await eventually(async () => event(step, 'StepRetryScheduled'), { timeoutMs: 20_000, what: 'a tool retry' });
    expect(retry.data).toMatchObject({ attempt: 1, kind: 'tool' });
    expect(retry.data.delayMs).toBeLessThanOrEqual(500); // the tool rule: 0.5 s first
    tool = await startToolProbe({ port: toolPort });
    const view = await ended(step);
    expect(view).toMatchObject({ status: 'COMPLETED', deadLettered: false });
    // Usually one retry; a second when the next attempt came before the server was up.
    const seq = await types(step);
    const retried = Array.from({ length: view.retries }, () => ['StepRetryScheduled', 'StepResumed']).flat();
    expect(seq).toEqual(['StepStarted', ...retried, 'ToolsOffered', 'LlmResponded', 'UsageRecorded', 'ToolCalled', 'ToolResulted', 'LlmResponded', 'UsageRecorded', 'StepCompleted']);
    expect(view.retries).toBeGreaterThanOrEqual(1);
    expect(view.attempts).toBe(view.retries + 1);
    expect(tool.calls).toBe(1);
  });

  it('dead-letters the step after the last attempt the policy allows', async () => {
    const step = await send('Broken');
    const view = await ended(step);
    expect(view).toMatchObject({ status: 'FAILED', attempts: MAX_DELIVER, retries: MAX_DELIVER - 1, deadLettered: true, error: { code: 'model_error' } });
    expect(view.error?.message).toMatch(/^gave up after 3 attempts \(model error\): /);
    expect(await types(step)).toEqual(['StepStarted', 'StepRetryScheduled', 'StepResumed', 'StepRetryScheduled', 'StepResumed', 'StepDeadLettered', 'StepFailed']);
    const retries = (await stepEvents(store, step)).flatMap((e) => (e.type === 'StepRetryScheduled' ? [e.data] : []));
    expect(retries.map((r) => [r.attempt, r.kind])).toEqual([[1, 'model'], [2, 'model']]);
    expect(retries[1]!.delayMs).toBeGreaterThanOrEqual(1000); // doubled
    expect(await event(step, 'StepDeadLettered')).toMatchObject({ data: { attempts: MAX_DELIVER, kind: 'model' } });
    // The new columns come from the events alone: a rebuild of the run's read models gives the same rows.
    const bus = { NATS_URL: nats.url, NATS_STREAM: nats.layout.stream, NATS_SUBJECT_PREFIX: nats.layout.subjectPrefix };
    const verify = await runCli(['replay', step.runId, '--verify', '--org', tenant.slug], { ...bus, DATABASE_ADMIN_URL: db.adminUrl, NO_COLOR: '1' });
    expect(verify).toMatchObject({ code: 0, stdout: expect.stringContaining('identical') });
  });

  it('fails a step that outlives its agent timeoutSeconds with timeout, aborting the model call', async () => {
    const step = await send('Sleepy');
    expect(await ended(step)).toMatchObject({ status: 'FAILED', deadLettered: false, error: { code: 'timeout', message: 'the step deadline of 1000 ms passed' } });
    expect(await types(step)).toEqual(['StepStarted', 'StepFailed']);
    const requests: ShamanEvent[] = [];
    for await (const c of store.readFilter(stepRequestStream(step))) requests.push(...c.commit.events.map((e) => ShamanEvent.parse(e)));
    expect(requests.map((e) => e.type)).toEqual(['RunRequested', 'StepDeadlineExceeded']);
    expect(requests[1]).toMatchObject({ data: { scope: 'step', timeoutMs: 1000 } });
  });

  it('fails a step parked on a question nobody answers once its deadline passes', async () => {
    const step = await send('Asker');
    expect(await ended(step)).toMatchObject({ status: 'FAILED', error: { code: 'timeout' } });
    // Nobody held the parked step: the executor that took the deadline request resumed it to fail it.
    expect(await types(step)).toEqual(['StepStarted', 'ToolsOffered', 'LlmResponded', 'UsageRecorded', 'ToolCalled', 'StepInputRequired', 'StepResumed', 'StepFailed']);
  });
});
