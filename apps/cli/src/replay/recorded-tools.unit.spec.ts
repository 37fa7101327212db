import type { StepEvent } from '@shaman/events';
import { describe, expect, it } from 'vitest';
import { createRecordedTools, type SequencedStepEvent } from './recorded-tools.js';

const meta = { eventId: 'e', orgId: 'o', runId: 'r', stepId: 's', at: '2026-01-01T00:00:00Z' } as unknown as StepEvent['metadata'];
const ev = (type: string, data: unknown): StepEvent => ({ type, data, metadata: meta }) as StepEvent;
const spec = (name: string) => ({ name, description: `the ${name} tool`, inputSchema: { type: 'object' } });
const answer = (iteration: number, calls: { id: string; name: string }[]) =>
  ev('LlmResponded', { iteration, provider: 'p', model: 'm', requestHash: '0'.repeat(64), response: { content: null, toolCalls: calls.map((c) => ({ ...c, arguments: {} })), finishReason: 'tool_calls' }, usage: { inputTokens: 1, outputTokens: 1 }, latencyMs: 1 });
const result = (toolCallId: string, name: string, output: unknown, isError = false) => ev('ToolResulted', { toolCallId, name, output, isError, latencyMs: 3 });
const child = '00000000-0000-4000-8000-0000000000c1';

// Commits as recorded: the offer with the answer it applies to, facts with their result.
const recording: SequencedStepEvent[] = [
  { seq: 1, event: ev('StepStarted', {}) },
  { seq: 2, event: ev('ToolsOffered', { tools: [spec('kb.lookup'), spec('run_data_write')] }) },
  { seq: 2, event: answer(0, [{ id: 'c1', name: 'kb.lookup' }, { id: 'c2', name: 'run_data_write' }]) },
  { seq: 3, event: result('c1', 'kb.lookup', { error: 'kb down' }, true) },
  { seq: 4, event: ev('RunDataWritten', { key: 'notes', value: 'v', tags: [], agent: 'Librarian' }) },
  { seq: 4, event: result('c2', 'run_data_write', { key: 'notes', version: 1 }) },
  { seq: 5, event: ev('ToolsOffered', { tools: [spec('call_agent'), spec('wait_for_agent')] }) },
  { seq: 5, event: answer(1, [{ id: 'c3', name: 'call_agent' }]) },
  { seq: 6, event: ev('AgentCalled', { toolCallId: 'c3', childStepId: child, agent: 'Editor', mode: 'blocking' }) },
];

const signal = new AbortController().signal;
const context = { orgId: 'o', runId: 'r', stepId: 's', agent: 'Librarian', depth: 0, repository: '/r' };
const call = (id: string, name: string) => ({ call: { id, name, arguments: {} }, signal, context });
const agent = { name: 'Librarian', repository: '/r', tools: [] };

describe('createRecordedTools: tools answered from a recording', () => {
  it('offers what the recording offered at each model call, and nothing before any offer', async () => {
    let asked = 0;
    const tools = createRecordedTools({ modelCalls: () => asked });
    expect([...(await tools.source.toolsFor(agent, signal)).keys()]).toEqual([]);
    tools.load(recording);
    expect([...(await tools.source.toolsFor(agent, signal)).values()].map(({ name, description, inputSchema }) => ({ name, description, inputSchema }))).toEqual([spec('kb.lookup'), spec('run_data_write')]);
    asked = 2;
    expect([...(await tools.source.toolsFor(agent, signal)).keys()]).toEqual(['call_agent', 'wait_for_agent']);
  });

  it('returns each call its recorded result: an error as a throw, facts with the output, a called agent as the recorded child', async () => {
    let asked = 0;
    const tools = createRecordedTools({ modelCalls: () => asked });
    tools.load(recording);
    const first = await tools.source.toolsFor(agent, signal);
    await expect(first.get('kb.lookup')!.invoke(call('c1', 'kb.lookup'))).rejects.toThrow(/^kb down$/);
    expect(await first.get('run_data_write')!.invoke(call('c2', 'run_data_write'))).toMatchObject({ output: { key: 'notes', version: 1 }, facts: [{ key: 'notes', value: 'v', tags: [] }] });
    await expect(first.get('run_data_write')!.invoke(call('c9', 'run_data_write'))).rejects.toThrow('tool call c9 (run_data_write) has no result in the recording');
    asked = 2;
    const later = await tools.source.toolsFor(agent, signal);
    expect(await later.get('call_agent')!.invoke(call('c3', 'call_agent'))).toMatchObject({ childCall: { childStepId: child, agent: 'Editor', mode: 'blocking' } });
  });
});
