import { createAppMetrics, createRunMetrics } from '@shaman/platform';
import { describe, expect, it } from 'vitest';
import { callToolActivity, type Tool } from '../activities/call-tool.activity.js';
import { measureTool } from './activity-metrics.js';

const tool = (name: string, invoke: Tool['invoke']): [string, Tool] => [name, { name, description: name, inputSchema: { type: 'object' }, invoke }];
const context = { orgId: 'o', runId: 'r', stepId: 's', agent: 'A', depth: 0, repository: '/repo' };

describe('tool call metrics', () => {
  it('counts each call by tool and outcome: ok, error (what the model sees), aborted', async () => {
    const metrics = createAppMetrics('executor', { defaultMetrics: false });
    const callTool = measureTool(callToolActivity({ now: () => performance.now() }), createRunMetrics(metrics.registry));
    const tools = new Map([
      tool('echo', async ({ call }) => call.arguments),
      tool('broken', async () => Promise.reject(new Error('down'))),
      tool('slow', ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))))),
    ]);
    const signal = new AbortController().signal;
    await callTool({ call: { id: '1', name: 'echo', arguments: { x: 1 } }, tools, signal, context });
    await callTool({ call: { id: '2', name: 'echo', arguments: {} }, tools, signal, context });
    expect((await callTool({ call: { id: '3', name: 'broken', arguments: {} }, tools, signal, context })).isError).toBe(true);
    const abort = new AbortController();
    const slow = callTool({ call: { id: '4', name: 'slow', arguments: {} }, tools, signal: abort.signal, context });
    abort.abort();
    await expect(slow).rejects.toThrow('aborted');
    const text = await metrics.text();
    expect(text).toMatch(/^shaman_tool_calls_total\{tool="echo",outcome="ok"[^}]*\} 2$/m);
    expect(text).toMatch(/^shaman_tool_calls_total\{tool="broken",outcome="error"[^}]*\} 1$/m);
    expect(text).toMatch(/^shaman_tool_calls_total\{tool="slow",outcome="aborted"[^}]*\} 1$/m);
    expect(text).toMatch(/^shaman_tool_call_duration_seconds_count\{(?=[^}]*tool="echo")[^}]*\} 2$/m);
  });
});
