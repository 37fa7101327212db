import { describe, expect, it } from 'vitest';
import type { DagNodeData, RunDagEvent, ToolCallRow } from '../api/operations';
import { DagModel, toolNodeId } from './dag-model';

const step = (id: string, patch: Partial<DagNodeData> = {}): DagNodeData => ({
  id, parentStepId: null, depth: 0, agent: 'A', kind: 'AGENT', externalUrl: null, model: 'scripted', status: 'WORKING', outputText: null, error: null, iterations: 0, llmCalls: 0, toolCalls: 0,
  inputTokens: 0, outputTokens: 0, createdAt: '2026-11-01T00:00:00.000Z', startedAt: null, completedAt: null, sequence: 1, ...patch,
});
const event = (kind: RunDagEvent['kind'], sequence: number, nodes: DagNodeData[]): RunDagEvent => ({
  sequence, kind, nodes, edges: [],
  run: { runId: 'r', status: 'WORKING', terminal: false, rootAgent: 'A', stepCount: nodes.length, inputTokens: 0, outputTokens: 0, createdAt: null, completedAt: null },
});
const tool = (toolCallId: string, name: string, completed = true): ToolCallRow => ({ toolCallId, name, iteration: 0, calledAt: '2026-11-01T00:00:01.000Z', completed, isError: completed ? false : null, latencyMs: completed ? 3 : null });
const money = { micros: 1250, usd: '0.001250' };

describe('DagModel', () => {
  it('applies everything queued since the last frame at once, and nothing when nothing changed', () => {
    const model = new DagModel();
    model.push(event('SNAPSHOT', 5, [step('root')]));
    model.push(event('CHANGE', 6, [step('child', { parentStepId: 'root', createdAt: '2026-11-01T00:00:02.000Z' })]));
    model.push(event('CHANGE', 7, [step('root', { status: 'COMPLETED' })]));
    const state = model.flush()!;
    expect(state.sequence).toBe(7);
    expect(state.nodes.map((n) => [n.id, n.status])).toEqual([['root', 'COMPLETED'], ['child', 'WORKING']]);
    expect(state.edges).toEqual([{ from: 'root', to: 'child' }]);
    expect(state.byId.get('child')!.x).toBeGreaterThan(state.byId.get('root')!.x);
    expect(model.flush()).toBeNull();
  });

  it('starts over on a SNAPSHOT (a reconnect) and ignores a CHANGE it has already folded', () => {
    const model = new DagModel();
    model.push(event('SNAPSHOT', 5, [step('a'), step('b')]));
    model.flush();
    model.push(event('CHANGE', 5, [step('c')]));
    expect(model.flush()!.nodes.map((n) => n.id)).toEqual(['a', 'b']);
    model.push(event('SNAPSHOT', 9, [step('a', { status: 'COMPLETED' })]));
    expect(model.flush()!.nodes.map((n) => [n.id, n.status])).toEqual([['a', 'COMPLETED']]);
  });

  it('draws tool calls from the read model under their step, except call_agent (drawn as the step it made), and external agents as their own kind', () => {
    const model = new DagModel();
    model.push(event('SNAPSHOT', 3, [step('s', { toolCalls: 3 }), step('x', { parentStepId: 's', kind: 'EXTERNAL', externalUrl: 'https://partner.example/a2a', model: 'external' })]));
    model.setDetail([{ id: 's', cost: money, toolCalls: [tool('t1', 'lookup'), tool('t2', 'call_agent'), tool('t3', 'request_user_input', false)] }]);
    const state = model.flush()!;
    expect(state.nodes.map((n) => [n.id, n.kind, n.status])).toEqual([
      ['s', 'step', 'WORKING'],
      [toolNodeId('s', 't1'), 'tool', 'COMPLETED'],
      [toolNodeId('s', 't3'), 'tool', 'WORKING'],
      ['x', 'external', 'WORKING'],
    ]);
    expect(state.byId.get('s')!.cost).toEqual(money);
    expect(state.stepCount).toBe(2);
    expect(model.toolCallCounts().get('s')).toBe(3);
  });
});
