import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { isTerminalStepEvent, stepRequestStream, type ShamanEvent, type StepAddress } from '@shaman/events';
import { newId } from '@shaman/platform';
import { createTestNats, eventually, runRequested, spawnApp, stepEvents, stepEventsUntil, type AppProcess, type TestNats } from '@shaman/testing';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startModelProbe, startToolProbe, type ModelProbe, type ToolProbe } from './kill-probes.fixture.js';

const ACK_WAIT_MS = 1500;
// Generous: a frozen executor's pull request takes some redeliveries meant for the living before it expires.
const MAX_DELIVER = 10;

/**
 * Issue 7, DESIGN §4: SIGKILL a real executor process at each point of a step's loop, and a second executor
 * continues from the last recorded event. The model and the tool live in this process, so they count what
 * every executor asked of them; each kill waits for something observable (the request reaching the probe,
 * the event on the stream), so every point is hit deterministically.
 */
describe('killing executors in the middle of a step', () => {
  let nats: TestNats;
  let store: JetStreamEventStore;
  let model: ModelProbe;
  let tool: ToolProbe;
  let repo: string;
  const running: AppProcess[] = [];
  const orgId = newId();

  beforeAll(async () => {
    [model, tool] = await Promise.all([startModelProbe(), startToolProbe()]);
    repo = await mkdtemp(join(tmpdir(), 'shaman-kill-'));
    const server = `mcpServers:\n  probe:\n    url: ${JSON.stringify(tool.url)}\n`;
    await writeFile(join(repo, 'Worker.md'), `---\nname: Worker\nmodel: gpt-4o-mini\ntools: [probe.slow]\n${server}---\nYou call the tool once.\n`);
  });
  // A stream per test: a killed or frozen executor's pull request outlives it on the server for a while and
  // takes redeliveries meant for the living, which would blur the next test's timing.
  beforeEach(async () => {
    nats = await createTestNats({ ackWaitMs: ACK_WAIT_MS, maxDeliver: MAX_DELIVER });
    store = await createJetStreamEventStore({ nc: nats.nc, ...nats.layout });
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => (p.process.kill('SIGCONT'), p.stop(2000))));
    await nats.cleanup();
  });
  afterAll(async () => {
    await Promise.all([model.close(), tool.close()]);
    await rm(repo, { recursive: true, force: true });
  });

  const executor = async (id: string): Promise<AppProcess> => {
    const p = spawnApp('executor', {
      NATS_URL: nats.url,
      NATS_STREAM: nats.layout.stream,
      NATS_SUBJECT_PREFIX: nats.layout.subjectPrefix,
      EXECUTOR_ID: id,
      EXECUTOR_ACK_WAIT_MS: String(ACK_WAIT_MS),
      EXECUTOR_MAX_DELIVER: String(MAX_DELIVER),
      OPENAI_API_KEY: 'sk-test-kill',
      OPENAI_BASE_URL: `${model.url}/v1`,
      MCP_ALLOW_PRIVATE_URLS: 'true',
    });
    running.push(p);
    await p.waitForLog((l) => l.msg === 'executor pulling');
    return p;
  };
  const request = async (): Promise<StepAddress> => {
    const event = runRequested({ orgId, agent: 'Worker', repository: repo, text: 'work' });
    await store.appendToStream(stepRequestStream(event.metadata), [event]);
    return event.metadata;
  };
  const until = (a: StepAddress, type: ShamanEvent['type']) => stepEventsUntil(store, a, { until: (e) => e.type === type, timeoutMs: 45_000 });
  const reached = (what: string, probe: () => boolean) => eventually(async () => (probe() ? true : undefined), { timeoutMs: 20_000, what });

  /** The final sequence, after checking what must hold whatever the kill point: no event twice, one ending, last. */
  const finalSequence = async (a: StepAddress): Promise<string[]> => {
    const events = await until(a, 'StepCompleted');
    expect(new Set(events.map((e) => e.metadata.eventId)).size).toBe(events.length);
    expect(events.filter(isTerminalStepEvent)).toHaveLength(1);
    expect(events.at(-1)?.type).toBe('StepCompleted');
    return events.map((e) => (e.type === 'StepStarted' || e.type === 'StepResumed' ? `${e.type}:${e.data.executorId}` : e.type));
  };
  const answer = async (a: StepAddress) => (await stepEvents(store, a)).find((e) => e.type === 'StepCompleted');

  it('before the model answers: the unanswered call is asked again, nothing recorded is', async () => {
    model.behave((turn, seen) => (turn === 0 && seen === 1 ? 'hold' : 'answer'));
    tool.behave(() => 'answer');
    const a = await executor('A1');
    const step = await request();
    await reached('the first model request', () => model.turns.length === 1);
    a.process.kill('SIGKILL');
    await executor('B1');
    expect(await finalSequence(step)).toEqual(['StepStarted:A1', 'StepResumed:B1', 'ToolsOffered', 'LlmResponded', 'UsageRecorded', 'ToolCalled', 'ToolResulted', 'LlmResponded', 'UsageRecorded', 'StepCompleted']);
    expect(model.turns).toEqual([0, 0, 1]);
    expect(tool.calls).toBe(1);
  });

  it('between the tool call and its result: the recorded model answer is not asked again, the call is not recorded twice', async () => {
    model.behave(() => 'answer');
    tool.behave((seen) => (seen === 1 ? 'hold' : 'answer'));
    const a = await executor('A2');
    const step = await request();
    await until(step, 'ToolCalled');
    await reached('the tool invocation', () => tool.calls === 1);
    a.process.kill('SIGKILL');
    await executor('B2');
    expect(await finalSequence(step)).toEqual(['StepStarted:A2', 'ToolsOffered', 'LlmResponded', 'UsageRecorded', 'ToolCalled', 'StepResumed:B2', 'ToolResulted', 'LlmResponded', 'UsageRecorded', 'StepCompleted']);
    expect(model.turns).toEqual([0, 1]);
    // A call without a recorded result may have run or not: it runs again, under the same call id (at least once).
    expect(tool.calls).toBe(2);
    expect(await answer(step)).toMatchObject({ data: { output: { parts: [{ text: 'done: tool answer 2' }] } } });
  });

  it('between the tool result and the next model answer: the tool is not invoked again', async () => {
    model.behave((turn, seen) => (turn === 1 && seen === 1 ? 'hold' : 'answer'));
    tool.behave(() => 'answer');
    const a = await executor('A3');
    const step = await request();
    await until(step, 'ToolResulted');
    await reached('the second model request', () => model.turns.includes(1));
    a.process.kill('SIGKILL');
    await executor('B3');
    expect(await finalSequence(step)).toEqual(['StepStarted:A3', 'ToolsOffered', 'LlmResponded', 'UsageRecorded', 'ToolCalled', 'ToolResulted', 'StepResumed:B3', 'LlmResponded', 'UsageRecorded', 'StepCompleted']);
    expect(model.turns).toEqual([0, 1, 1]);
    expect(tool.calls).toBe(1);
    expect(await answer(step)).toMatchObject({ data: { output: { parts: [{ text: 'done: tool answer 1' }] } } });
  });

  it('fences a frozen executor whose tool answers after another executor finished the step', async () => {
    model.behave(() => 'answer');
    tool.behave((seen) => (seen === 1 ? 4000 : 'answer'));
    const a = await executor('A4');
    const step = await request();
    await until(step, 'ToolCalled');
    await reached('the tool invocation', () => tool.calls === 1);
    a.process.kill('SIGSTOP');
    await executor('B4');
    const sequence = await finalSequence(step);
    const finished = await stepEvents(store, step);
    a.process.kill('SIGCONT');
    await a.waitForLog((l) => l.msg === 'fenced: another executor owns this step', 20_000);
    expect(sequence).toEqual(['StepStarted:A4', 'ToolsOffered', 'LlmResponded', 'UsageRecorded', 'ToolCalled', 'StepResumed:B4', 'ToolResulted', 'LlmResponded', 'UsageRecorded', 'StepCompleted']);
    // The woken executor's late tool answer (the first invocation) was refused by the fence: the log is B's.
    expect(await stepEvents(store, step)).toEqual(finished);
    expect(await answer(step)).toMatchObject({ data: { output: { parts: [{ text: 'done: tool answer 2' }] } } });
    expect(tool.calls).toBe(2);
  });
});
