import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { stepEventStream, stepRequestStream, type RunId, type ShamanEvent, type StepAddress } from '@shaman/events';
import { createLogger, newId } from '@shaman/platform';
import { createTestNats, runRequested, stepEventsUntil, type TestNats } from '@shaman/testing';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExecutorOn, type Executor } from '../../executor.js';
import { createRunDataReader } from './run-data.reader.js';
import { runDataToolSource } from './run-data.tools.js';

const config = { EXECUTOR_ID: 'x1', EXECUTOR_CONCURRENCY: 10, EXECUTOR_ACK_WAIT_MS: 5000, EXECUTOR_MAX_DELIVER: 3, EXECUTOR_MAX_ACK_PENDING: 100, STEP_MAX_ITERATIONS: 6, LLM_MAX_ATTEMPTS: 1 };
const logger = createLogger({ name: 'run-data-test', level: 'silent' });
const agentFile = (name: string, tools: string[]) => `---\nname: ${name}\nmodel: scripted\ntools: ${JSON.stringify(tools)}\n---\nYou are ${name}.\n`;
const turn = (...calls: [string, object][]) => `  - toolCalls: [${calls.map(([name, args]) => `{ name: ${name}, arguments: ${JSON.stringify(args)} }`).join(', ')}]\n`;
const script = (...turns: string[]) => `turns:\n${turns.join('')}  - reply: "done: {{lastToolResult}}"\n`;

type ToolResulted = Extract<ShamanEvent, { type: 'ToolResulted' }>;
type RunDataWritten = Extract<ShamanEvent, { type: 'RunDataWritten' }>;
const resultsOf = (events: ShamanEvent[]) => events.filter((e): e is ToolResulted => e.type === 'ToolResulted').map((e) => e.data);

describe('run data tools (real nats-server)', () => {
  let nats: TestNats;
  let store: JetStreamEventStore;
  let repo: string;
  let executor: Executor;
  const orgId = newId();

  beforeAll(async () => {
    nats = await createTestNats({ ackWaitMs: config.EXECUTOR_ACK_WAIT_MS, maxDeliver: config.EXECUTOR_MAX_DELIVER });
    store = await createJetStreamEventStore({ nc: nats.nc, ...nats.layout });
    repo = await mkdtemp(join(tmpdir(), 'shaman-run-data-'));
    await writeFile(join(repo, 'Writer.md'), agentFile('Writer', ['run_data_*', 'workflow_data_write']));
    await writeFile(join(repo, 'Writer.script.yaml'), script(
      turn(['run_data_write', { key: 'report/summary', value: { text: 'v1' }, tags: ['draft'] }], ['run_data_write', { key: 'notes/a', value: 1, tags: ['note'] }]),
      turn(['workflow_data_write', { key: 'report/summary', value: { text: 'v2' }, tags: ['final', 'report'] }], ['run_data_write', { key: 'has space', value: 1 }]),
      turn(['run_data_read', { key: 'report/summary' }]),
    ));
    await writeFile(join(repo, 'Reader.md'), agentFile('Reader', ['run_data_read', 'run_data_query', 'run_data_list', 'workflow_data_query']));
    await writeFile(join(repo, 'Reader.script.yaml'), script(turn(
      ['run_data_read', { key: 'report/summary' }],
      ['run_data_read', { key: 'report/missing' }],
      ['run_data_query', { glob: 'report/*' }],
      ['run_data_query', { glob: '*/?' }],
      ['workflow_data_query', { prefix: 'notes/' }],
      ['run_data_query', { tag: 'final' }],
      ['run_data_query', { tag: 'draft' }],
      ['run_data_list', {}],
      ['run_data_query', {}],
      ['run_data_query', { tag: '', extra: true }],
    )));
    await writeFile(join(repo, 'Outsider.md'), agentFile('Outsider', []));
    await writeFile(join(repo, 'Outsider.script.yaml'), script(turn(['run_data_write', { key: 'sneaky', value: 1 }])));
    executor = await startExecutorOn({ nc: nats.nc, layout: nats.layout, logger, config, tools: (s) => runDataToolSource({ reader: createRunDataReader(s) }) });
  });
  afterAll(async () => {
    await executor?.stop(1000);
    await nats?.cleanup();
    await rm(repo, { recursive: true, force: true });
  });

  /** Runs an agent to its end, as a new step of `runId` when given (a second root of the same run). */
  const run = async (agent: string, runId?: string): Promise<{ address: StepAddress; events: ShamanEvent[] }> => {
    const event = runRequested({ orgId, agent, repository: repo, text: 'go' });
    if (runId) event.metadata.runId = runId as RunId;
    await store.appendToStream(stepRequestStream(event.metadata), [event]);
    const events = await stepEventsUntil(store, event.metadata);
    expect(events.at(-1)?.type).toBe('StepCompleted');
    return { address: event.metadata, events };
  };

  let writer: { address: StepAddress; events: ShamanEvent[] };

  it('records each write in the same commit as its tool result, attributed to the step and its agent', async () => {
    writer = await run('Writer');
    const writes = writer.events.filter((e): e is RunDataWritten => e.type === 'RunDataWritten');
    expect(writes.map((e) => [e.data.key, e.data.value, e.data.tags, e.data.agent, e.metadata.stepId])).toEqual([
      ['report/summary', { text: 'v1' }, ['draft'], 'Writer', writer.address.stepId],
      ['notes/a', 1, ['note'], 'Writer', writer.address.stepId],
      ['report/summary', { text: 'v2' }, ['final', 'report'], 'Writer', writer.address.stepId],
    ]);
    // One commit per write: the fact, then its tool's result, at the same stream sequence.
    const commits: string[][] = [];
    for await (const stored of store.readFilter(stepEventStream(writer.address))) commits.push(stored.commit.events.map((e) => (e as { type: string }).type));
    expect(commits.filter((types) => types.includes('RunDataWritten'))).toEqual(Array.from({ length: 3 }, () => ['RunDataWritten', 'ToolResulted']));
    const results = resultsOf(writer.events);
    expect(results[0]).toMatchObject({ name: 'run_data_write', isError: false, output: { key: 'report/summary', written: true } });
    expect(results[2]).toMatchObject({ name: 'workflow_data_write', isError: false });
  });

  it('refuses invalid arguments as an isError observation naming the field, and records nothing', () => {
    const bad = resultsOf(writer.events)[3];
    expect(bad).toMatchObject({ toolCallId: 'call_1_1', isError: true, output: { error: expect.stringMatching(/^run_data_write: invalid arguments: key: /) } });
    expect(writer.events.filter((e) => e.type === 'RunDataWritten' && e.data.key === 'has space')).toEqual([]);
  });

  it('lets a step read its own earlier writes, latest version first', () => {
    expect(resultsOf(writer.events)[4]).toMatchObject({ isError: false, output: { found: true, key: 'report/summary', value: { text: 'v2' }, tags: ['final', 'report'], agent: 'Writer' } });
  });

  it('lets another step of the same run read, query and list what was written', async () => {
    const reader = await run('Reader', writer.address.runId);
    expect(reader.address.stepId).not.toBe(writer.address.stepId);
    const outputs = resultsOf(reader.events).map((r) => r.output);
    const v2 = writer.events.filter((e) => e.type === 'RunDataWritten').at(-1);
    const summary = { key: 'report/summary', value: { text: 'v2' }, tags: ['final', 'report'], agent: 'Writer', writtenAt: v2?.metadata.at };
    const notes = { key: 'notes/a', value: 1, tags: ['note'], agent: 'Writer', writtenAt: expect.any(String) };
    expect(outputs.slice(0, 8)).toEqual([
      { found: true, ...summary },
      { found: false, key: 'report/missing' },
      { entries: [summary] },
      { entries: [notes] },
      { entries: [notes] },
      { entries: [summary] },
      { entries: [] }, // the draft tag was on a version that is no longer the latest
      { keys: [{ key: 'notes/a', tags: ['note'], agent: 'Writer', writtenAt: expect.any(String) }, { key: 'report/summary', tags: ['final', 'report'], agent: 'Writer', writtenAt: summary.writtenAt }] },
    ]);
    expect(outputs.slice(8)).toEqual([
      { error: 'run_data_query: invalid arguments: give at least one of prefix, glob, tag' },
      { error: expect.stringMatching(/tag: .*; Unrecognized key: "extra"/) },
    ]);
    expect(reader.events.filter((e) => e.type === 'RunDataWritten')).toEqual([]);
  });

  it('keeps the tools from an agent that does not list them', async () => {
    const outsider = await run('Outsider', writer.address.runId);
    expect(resultsOf(outsider.events)).toMatchObject([{ name: 'run_data_write', isError: true, output: { error: expect.stringContaining('not available') } }]);
    expect(outsider.events.filter((e) => e.type === 'RunDataWritten')).toEqual([]);
  });

  it('offers tools by exact name or family wildcard, each with a JSON Schema of its arguments', async () => {
    const source = runDataToolSource({ reader: { entries: async () => [] } });
    const names = async (tools: string[]) => [...(await source.toolsFor({ name: 'A', repository: repo, tools }, new AbortController().signal)).keys()];
    expect(await names(['run_data_*'])).toEqual(['run_data_write', 'run_data_read', 'run_data_query', 'run_data_list']);
    expect(await names(['workflow_data_read', 'run_data_list', 'data_*'])).toEqual(['run_data_list', 'workflow_data_read']);
    expect(await names(['call_agent'])).toEqual([]);
    const write = (await source.toolsFor({ name: 'A', repository: repo, tools: ['run_data_write'] }, new AbortController().signal)).get('run_data_write');
    expect(write?.inputSchema).toMatchObject({ type: 'object', required: ['key', 'value'], properties: { key: { type: 'string' }, tags: { type: 'array' } } });
  });
});
