import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import type { RunCancelRequested, ShamanEvent, StepInputProvided } from '@shaman/events';
import { stepRequestStream, type StepAddress } from '@shaman/events';
import { createLogger, newId } from '@shaman/platform';
import { createTestNats, runRequested, stepEvents, stepEventsUntil, type TestNats } from '@shaman/testing';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staticToolSource, type Tool } from './activities/call-tool.activity.js';
import { startExecutorOn, type Executor } from './executor.js';

const config = { EXECUTOR_CONCURRENCY: 100, EXECUTOR_ACK_WAIT_MS: 5000, EXECUTOR_MAX_DELIVER: 3, EXECUTOR_MAX_ACK_PENDING: 1000, STEP_MAX_ITERATIONS: 4, LLM_MAX_ATTEMPTS: 2 };
const logger = createLogger({ name: 'executor-test', level: 'silent' });

const agentFile = (name: string, extra = '') => `---\nname: ${name}\nmodel: scripted\n${extra}---\nYou are ${name}.\n`;

describe('executor (real nats-server)', () => {
  let nats: TestNats;
  let store: JetStreamEventStore;
  let repo: string;
  const executors: Executor[] = [];
  const orgId = newId();

  beforeAll(async () => {
    nats = await createTestNats({ ackWaitMs: config.EXECUTOR_ACK_WAIT_MS, maxDeliver: config.EXECUTOR_MAX_DELIVER });
    store = await createJetStreamEventStore({ nc: nats.nc, ...nats.layout });
    repo = await mkdtemp(join(tmpdir(), 'shaman-agents-'));
    await writeFile(join(repo, 'Echo.md'), agentFile('Echo'));
    await writeFile(join(repo, 'Scripted.md'), agentFile('Scripted'));
    await writeFile(join(repo, 'Scripted.script.yaml'), 'turns:\n  - reply: "Scripted says {{input}}"\n');
    await writeFile(join(repo, 'Looper.md'), agentFile('Looper', 'tools: [lookup]\n'));
    await writeFile(join(repo, 'Looper.script.yaml'), 'turns:\n  - toolCalls: [{ name: lookup, arguments: { q: "x" } }]\n  - reply: "after tool: {{lastToolResult}}"\n');
    await writeFile(join(repo, 'Calculator.md'), agentFile('Calculator', 'tools: [add]\n'));
    await writeFile(join(repo, 'Calculator.script.yaml'), 'turns:\n  - toolCalls: [{ name: add, arguments: { a: 2, b: 3 } }]\n  - reply: "sum is {{lastToolResult}}"\n');
    await writeFile(join(repo, 'Weather.md'), agentFile('Weather', 'tools: [request_user_input]\n'));
    await writeFile(join(repo, 'Weather.script.yaml'), 'turns:\n  - toolCalls: [{ name: request_user_input, arguments: { prompt: "Which city?" } }]\n  - reply: "Weather for {{lastToolResult}}"\n');
    const add: Tool = {
      name: 'add',
      description: 'Adds two numbers',
      inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } },
      invoke: async ({ call }) => ({ sum: Number(call.arguments['a']) + Number(call.arguments['b']) }),
    };
    const tools = staticToolSource(new Map([['add', add]]));
    for (const id of ['x1', 'x2']) executors.push(await startExecutorOn({ nc: nats.nc, layout: nats.layout, logger, tools, config: { ...config, EXECUTOR_ID: id } }));
  });
  afterAll(async () => {
    await Promise.all(executors.map((e) => e.stop(1000)));
    await nats.cleanup();
  });

  const request = async (agent: string, text: string): Promise<StepAddress> => {
    const event = runRequested({ orgId, agent: agent, repository: repo, text });
    await store.appendToStream(stepRequestStream(event.metadata), [event]);
    return event.metadata;
  };
  const untilTerminal = (a: StepAddress) => stepEventsUntil(store, a);

  it('records StepStarted, LlmResponded and StepCompleted for an echoing agent', async () => {
    const events = await untilTerminal(await request('Echo', 'hello'));
    expect(events.map((e) => e.type)).toEqual(['StepStarted', 'LlmResponded', 'UsageRecorded', 'StepCompleted']);
    expect(events[2]).toMatchObject({ data: { agent: 'Echo', model: 'scripted', costMicros: 0, priceTable: expect.any(String) } });
    const done = events[3] as Extract<ShamanEvent, { type: 'StepCompleted' }>;
    expect(done.data.output.parts).toEqual([{ kind: 'text', text: 'Echo: hello' }]);
    expect(done.data.usage.inputTokens).toBeGreaterThan(0);
  });

  it('answers from the agent repository script', async () => {
    const events = await untilTerminal(await request('Scripted', 'ping'));
    expect(events.at(-1)).toMatchObject({ type: 'StepCompleted', data: { output: { parts: [{ text: 'Scripted says ping' }] } } });
  });

  it('records a tool call and its (failed) result, and the model continues from the observation', async () => {
    const events = await untilTerminal(await request('Looper', 'go'));
    expect(events.map((e) => e.type)).toEqual(['StepStarted', 'LlmResponded', 'UsageRecorded', 'ToolCalled', 'ToolResulted', 'LlmResponded', 'UsageRecorded', 'StepCompleted']);
    expect(events[4]).toMatchObject({ data: { isError: true, name: 'lookup' } });
    expect(events[7]).toMatchObject({ data: { output: { parts: [{ text: expect.stringContaining('not available') }] } } });
  });

  it('runs a tool the agent lists and feeds its result back to the model; agents that do not list it cannot call it', async () => {
    const events = await untilTerminal(await request('Calculator', 'add'));
    // What the model was offered is recorded once, with its first answer (ToolsOffered, issue 7).
    expect(events.map((e) => e.type)).toEqual(['StepStarted', 'ToolsOffered', 'LlmResponded', 'UsageRecorded', 'ToolCalled', 'ToolResulted', 'LlmResponded', 'UsageRecorded', 'StepCompleted']);
    expect(events[5]).toMatchObject({ data: { isError: false, output: { sum: 5 } } });
    expect(events[8]).toMatchObject({ data: { output: { parts: [{ text: 'sum is {"sum":5}' }] } } });
  });

  it('fails a step whose agent does not exist, naming it', async () => {
    const events = await untilTerminal(await request('Nobody', 'hi'));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'StepFailed', data: { error: { code: 'agent_not_found', message: expect.stringContaining('Nobody') } } });
  });

  it('shares work between executors with exactly one claim and one ending per step', async () => {
    const addresses = await Promise.all(Array.from({ length: 40 }, (_, i) => request('Echo', `n${i}`)));
    const all = await Promise.all(addresses.map(untilTerminal));
    for (const events of all) {
      expect(events.filter((e) => e.type === 'StepStarted')).toHaveLength(1);
      expect(events.filter((e) => e.type === 'StepCompleted')).toHaveLength(1);
    }
    const owners = new Set(all.map((events) => (events[0] as Extract<ShamanEvent, { type: 'StepStarted' }>).data.executorId));
    expect(owners.size).toBeGreaterThanOrEqual(1);
  });

  it('parks a step on request_user_input without holding a slot, and continues with the answer', async () => {
    const address = await request('Weather', 'what is the weather?');
    const asked = await stepEventsUntil(store, address, { until: (e) => e.type === 'StepInputRequired' });
    expect(asked.map((e) => e.type)).toEqual(['StepStarted', 'ToolsOffered', 'LlmResponded', 'UsageRecorded', 'ToolCalled', 'StepInputRequired']);
    expect(asked[5]).toMatchObject({ data: { prompt: 'Which city?', toolCallId: (asked[4] as Extract<ShamanEvent, { type: 'ToolCalled' }>).data.toolCallId } });
    await expect.poll(() => executors.reduce((n, e) => n + e.inFlight(), 0)).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect((await stepEvents(store, address)).map((e) => e.type).at(-1)).toBe('StepInputRequired');

    const provided: StepInputProvided = {
      type: 'StepInputProvided',
      data: { message: { messageId: 'answer-1', role: 'user', parts: [{ kind: 'text', text: 'Paris' }] }, providedBy: { kind: 'api_key', id: 'k1' } },
      metadata: { ...address, eventId: newId(), at: new Date().toISOString() } as StepInputProvided['metadata'],
    };
    await store.appendToStream(stepRequestStream(address), [provided]);
    const events = await untilTerminal(address);
    expect(events.slice(6).map((e) => e.type)).toEqual(['StepResumed', 'ToolResulted', 'LlmResponded', 'UsageRecorded', 'StepCompleted']);
    expect(events[7]).toMatchObject({ data: { name: 'request_user_input', output: 'Paris', isError: false } });
    expect(events.at(-1)).toMatchObject({ data: { output: { parts: [{ text: 'Weather for Paris' }] } } });
  });

  it('acks and ignores input for a step that is not waiting for it', async () => {
    const address = await request('Echo', 'no question');
    await untilTerminal(address);
    const provided: StepInputProvided = {
      type: 'StepInputProvided',
      data: { message: { messageId: 'stray', role: 'user', parts: [{ kind: 'text', text: 'hi' }] }, providedBy: { kind: 'api_key', id: 'k1' } },
      metadata: { ...address, eventId: newId(), at: new Date().toISOString() } as StepInputProvided['metadata'],
    };
    await store.appendToStream(stepRequestStream(address), [provided]);
    await new Promise((r) => setTimeout(r, 300));
    expect((await stepEvents(store, address)).map((e) => e.type)).toEqual(['StepStarted', 'LlmResponded', 'UsageRecorded', 'StepCompleted']);
    await expect.poll(() => executors.reduce((n, e) => n + e.inFlight(), 0)).toBe(0);
  });

  it('cancels a step that waits for input: no executor owns it, so the request itself ends it', async () => {
    const address = await request('Weather', 'ask, then cancel');
    await stepEventsUntil(store, address, { until: (e) => e.type === 'StepInputRequired' });
    const cancel: RunCancelRequested = {
      type: 'RunCancelRequested',
      data: { requestedBy: { kind: 'user', id: 'u1' } },
      metadata: { ...address, eventId: newId(), at: new Date().toISOString() } as RunCancelRequested['metadata'],
    };
    await store.appendToStream(stepRequestStream(address), [cancel]);
    const events = await untilTerminal(address);
    expect(events.at(-1)).toMatchObject({ type: 'StepCanceled' });
    expect(events.some((e) => e.type === 'ToolResulted')).toBe(false);
  });
});
