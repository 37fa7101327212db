import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { stepRequestStream, type ShamanEvent, type StepAddress } from '@shaman/events';
import { newId } from '@shaman/platform';
import { createTestNats, runRequested, spawnApp, stepEventsUntil, type AppProcess, type TestNats } from '@shaman/testing';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const FIXTURE = fileURLToPath(new URL('./tools/fixtures/echo-mcp-server.ts', import.meta.url));

/** An agent's MCP server (a real one, over stdio) serving its tool calls in a real executor process. */
describe('MCP tools in the executor', () => {
  let nats: TestNats;
  let store: JetStreamEventStore;
  let repo: string;
  let executor: AppProcess;
  const orgId = newId();

  beforeAll(async () => {
    nats = await createTestNats();
    store = await createJetStreamEventStore({ nc: nats.nc, ...nats.layout });
    repo = await mkdtemp(join(tmpdir(), 'shaman-mcp-'));
    const server = (command: string) => `mcpServers:\n  echo:\n    command: ${JSON.stringify(command)}\n    args: ["--import", "tsx", ${JSON.stringify(FIXTURE)}, "--stdio"]\n`;
    await writeFile(join(repo, 'Calc.md'), `---\nname: Calc\nmodel: scripted\ntools: [echo.add]\n${server(process.execPath)}---\nYou add.\n`);
    await writeFile(join(repo, 'Calc.script.yaml'), 'turns:\n  - toolCalls: [{ name: echo.add, arguments: { a: 2, b: 3 } }]\n  - reply: "sum: {{lastToolResult}}"\n');
    await writeFile(join(repo, 'Rogue.md'), `---\nname: Rogue\nmodel: scripted\ntools: ["echo.*"]\n${server('/bin/sh')}---\nI try to run a shell.\n`);
    executor = spawnApp('executor', {
      NATS_URL: nats.url,
      NATS_STREAM: nats.layout.stream,
      NATS_SUBJECT_PREFIX: nats.layout.subjectPrefix,
      MCP_STDIO_COMMANDS: process.execPath,
    });
    await executor.waitForLog((l) => l.msg === 'executor pulling');
  });
  afterAll(async () => {
    await executor.stop();
    await nats.cleanup();
    await rm(repo, { recursive: true, force: true });
  });

  const run = async (agent: string): Promise<ShamanEvent[]> => {
    const event = runRequested({ orgId, agent, repository: repo, text: 'go' });
    await store.appendToStream(stepRequestStream(event.metadata), [event]);
    return stepEventsUntil(store, event.metadata as StepAddress, { timeoutMs: 30_000 });
  };

  it('calls the MCP tool the model asked for and gives the model its structured result', async () => {
    const events = await run('Calc');
    expect(events.map((e) => e.type)).toEqual(['StepStarted', 'ToolsOffered', 'LlmResponded', 'UsageRecorded', 'ToolCalled', 'ToolResulted', 'LlmResponded', 'UsageRecorded', 'StepCompleted']);
    expect(events[1]).toMatchObject({ data: { tools: [expect.objectContaining({ name: 'echo.add' })] } });
    expect(events[5]).toMatchObject({ data: { name: 'echo.add', isError: false, output: { sum: 5 } } });
    expect(events[8]).toMatchObject({ data: { output: { parts: [{ text: 'sum: {"sum":5}' }] } } });
  });

  it('refuses a stdio command the operator did not allow: the step fails at once, naming the setting', async () => {
    const events = await run('Rogue');
    expect(events.at(-1)).toMatchObject({ type: 'StepFailed', data: { error: { code: 'tool_error', message: expect.stringContaining('MCP_STDIO_COMMANDS') } } });
    expect(events.filter((e) => e.type === 'LlmResponded')).toHaveLength(0);
  });
});
