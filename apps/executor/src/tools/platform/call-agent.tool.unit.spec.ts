import { describe, expect, it } from 'vitest';
import type { Tool, ToolContext } from '../../activities/call-tool.activity.js';
import { callAgentToolSource, waitTarget } from './call-agent.tool.js';

const context: ToolContext = { orgId: 'o', runId: 'r', stepId: 's', agent: 'Boss', depth: 0, repository: '/r', children: 0 };
const unreachable = { url: 'http://127.0.0.1:9', tokens: { issue: async () => 'never-used' }, timeoutMs: 10 };

const toolsOf = async (allowedAgents: string[], maxFanOut = 2): Promise<ReadonlyMap<string, Tool>> =>
  callAgentToolSource({ gateway: unreachable, maxFanOut }).toolsFor({ name: 'Boss', repository: '/r', tools: [], allowedAgents } as never, new AbortController().signal);

const invoke = (tool: Tool, args: Record<string, unknown>, ctx: Partial<ToolContext> = {}) =>
  tool.invoke({ call: { id: 'c1', name: tool.name, arguments: args }, signal: new AbortController().signal, context: { ...context, ...ctx } });

describe('call_agent: what is refused before anything is sent', () => {
  it('is offered, with wait_for_agent, only to agents that may call others', async () => {
    expect([...(await toolsOf([])).keys()]).toEqual([]);
    expect([...(await toolsOf(['Worker'])).keys()]).toEqual(['call_agent', 'wait_for_agent']);
  });

  it('refuses an agent outside allowedAgents, bad arguments, and a step past its fan-out limit', async () => {
    const call = (await toolsOf(['Worker'])).get('call_agent')!;
    await expect(invoke(call, { agent: 'Stranger', message: 'hi' })).rejects.toThrow('not in allowedAgents (Worker)');
    await expect(invoke(call, { agent: 'Worker' })).rejects.toThrow('call_agent: invalid arguments: message');
    await expect(invoke(call, { agent: 'Worker', message: 'hi', extra: 1 })).rejects.toThrow('invalid arguments');
    await expect(invoke(call, { agent: 'Worker', message: 'hi' }, { children: 2 })).rejects.toThrow('already started 2 agents (the fan-out limit)');
  });

  it('reads the task id a wait names, or says what is wrong with it', () => {
    expect(waitTarget({ taskId: 't1' })).toEqual({ ok: true, taskId: 't1' });
    expect(waitTarget({})).toMatchObject({ ok: false, error: expect.stringContaining('taskId') });
  });
});
