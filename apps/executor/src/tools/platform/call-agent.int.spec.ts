import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { ShamanEvent, stepRequestStream, type StepAddress } from '@shaman/events';
import { createLogger, newId } from '@shaman/platform';
import { createTestNats, runRequested, stepEventsUntil, type TestNats } from '@shaman/testing';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExecutorOn, type Executor } from '../../executor.js';
import { callAgentToolSource } from './call-agent.tool.js';

const config = { EXECUTOR_ID: 'x1', EXECUTOR_CONCURRENCY: 20, EXECUTOR_ACK_WAIT_MS: 5000, EXECUTOR_MAX_DELIVER: 3, EXECUTOR_MAX_ACK_PENDING: 100, STEP_MAX_ITERATIONS: 4, LLM_MAX_ATTEMPTS: 1 };
const logger = createLogger({ name: 'call-agent-test', level: 'silent' });
const agent = (name: string, allowed: string[]) => `---\nname: ${name}\nmodel: scripted\nallowedAgents: ${JSON.stringify(allowed)}\n---\nYou are ${name}.\n`;
const delegate = (to: string, message: string) => `turns:\n  - toolCalls: [{ name: call_agent, arguments: { agent: ${to}, message: "${message}" } }]\n  - reply: "got {{lastToolResult}}"\n`;

type RunRequestedEvent = Extract<ShamanEvent, { type: 'RunRequested' }>;

describe('call_agent within one organization (real nats-server)', () => {
  let nats: TestNats;
  let store: JetStreamEventStore;
  let repo: string;
  let executor: Executor;
  const orgId = newId();

  beforeAll(async () => {
    nats = await createTestNats();
    store = await createJetStreamEventStore({ nc: nats.nc, ...nats.layout });
    repo = await mkdtemp(join(tmpdir(), 'shaman-call-agent-'));
    await writeFile(join(repo, 'Manager.md'), agent('Manager', ['Worker']));
    await writeFile(join(repo, 'Manager.script.yaml'), delegate('Worker', 'build it'));
    await writeFile(join(repo, 'Worker.md'), agent('Worker', []));
    await writeFile(join(repo, 'Rebel.md'), agent('Rebel', ['Worker']));
    await writeFile(join(repo, 'Rebel.script.yaml'), delegate('Manager', 'obey'));
    await writeFile(join(repo, 'Narcissus.md'), agent('Narcissus', ['Narcissus']));
    await writeFile(join(repo, 'Narcissus.script.yaml'), delegate('Narcissus', 'again'));
    executor = await startExecutorOn({ nc: nats.nc, layout: nats.layout, logger, config, tools: (s) => callAgentToolSource({ store: s, nc: nats.nc, maxDepth: 2, timeoutMs: 20_000 }) });
  });
  afterAll(async () => {
    await executor?.stop(1000);
    await nats?.cleanup();
    await rm(repo, { recursive: true, force: true });
  });

  const run = async (name: string, commit: string | null = null): Promise<{ address: StepAddress; events: ShamanEvent[] }> => {
    const requested = runRequested({ orgId, agent: name, repository: repo, text: 'start' });
    const event = { ...requested, data: { ...requested.data, agent: { ...requested.data.agent, commit } } };
    await store.appendToStream(stepRequestStream(event.metadata), [event]);
    return { address: event.metadata, events: await stepEventsUntil(store, event.metadata, { timeoutMs: 20_000 }) };
  };
  const requestsOfRun = async (runId: string): Promise<RunRequestedEvent[]> => {
    const out: RunRequestedEvent[] = [];
    for await (const c of store.readFilter(`req.${orgId}.${runId}.*`)) out.push(...c.commit.events.map((e) => ShamanEvent.parse(e) as RunRequestedEvent));
    return out;
  };

  it('runs the called agent as a child step of the same run and hands its answer back', async () => {
    const { address, events } = await run('Manager');
    expect(events.at(-1)).toMatchObject({ type: 'StepCompleted', data: { output: { parts: [{ text: expect.stringContaining('Echo: build it') }] } } });
    const result = events.find((e) => e.type === 'ToolResulted');
    expect(result).toMatchObject({ data: { name: 'call_agent', isError: false, output: { agent: 'Worker', text: 'Echo: build it' } } });
    const children = (await requestsOfRun(address.runId)).filter((r) => r.data.parentStepId !== null);
    expect(children).toHaveLength(1);
    expect(children[0]).toMatchObject({ data: { agent: { name: 'Worker' }, parentStepId: address.stepId, depth: 1, initiator: { kind: 'agent', id: address.stepId } } });
  });

  it('pins the child to the commit its caller runs at', async () => {
    const commit = 'c0ffee'.padEnd(40, '0');
    const { address } = await run('Manager', commit);
    const children = (await requestsOfRun(address.runId)).filter((r) => r.data.parentStepId !== null);
    expect(children.map((c) => c.data.agent)).toEqual([{ name: 'Worker', repository: repo, commit }]);
  });

  it('refuses an agent that is not in allowedAgents, as an observation the model sees', async () => {
    const { address, events } = await run('Rebel');
    expect(events.find((e) => e.type === 'ToolResulted')).toMatchObject({ data: { isError: true, output: { error: expect.stringContaining('not in allowedAgents') } } });
    expect(events.at(-1)?.type).toBe('StepCompleted');
    expect((await requestsOfRun(address.runId)).filter((r) => r.data.parentStepId !== null)).toHaveLength(0);
  });

  it('bounds a cycle by depth: the deepest call fails with a clear reason and every step still ends', async () => {
    const { address, events } = await run('Narcissus');
    expect(events.at(-1)?.type).toBe('StepCompleted');
    const requests = await requestsOfRun(address.runId);
    expect(requests.map((r) => r.data.depth).sort()).toEqual([0, 1, 2]);
    const deepest = requests.find((r) => r.data.depth === 2)!;
    const deepestEvents = await stepEventsUntil(store, deepest.metadata);
    expect(deepestEvents.find((e) => e.type === 'ToolResulted')).toMatchObject({ data: { isError: true, output: { error: expect.stringContaining('call depth limit 2') } } });
  });
});
