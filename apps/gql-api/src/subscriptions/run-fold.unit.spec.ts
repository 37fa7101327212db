import type { ShamanEvent } from '@shaman/events';
import { describe, expect, it } from 'vitest';
import { childOf, eventsOf, newRun } from './run-events.fixture.js';
import { foldCommit, progressChanged, summarizeRun, type RunRows } from './run-fold.js';

const orgId = '00000000-0000-4000-8000-00000000000a';
const fold = (commits: ShamanEvent[][]): RunRows =>
  commits.reduce<RunRows>((rows, events, i) => foldCommit(rows, { seq: i + 1, events }).rows, new Map());

describe('run fold', () => {
  const root = newRun(orgId);
  const child = childOf(root);
  const r = eventsOf(root);
  const c = eventsOf(child);

  it('reports only the rows a commit changed, and nothing for a commit that changes none', () => {
    const rows = fold([[r.requested('Assistant')], [r.started('Assistant')]]);
    const added = foldCommit(rows, { seq: 3, events: [c.requested('Researcher', root)] });
    expect(added.changed.map((s) => s.id)).toEqual([child.stepId]);
    expect(rows.has(child.stepId)).toBe(false);
    const again = foldCommit(added.rows, { seq: 4, events: [r.requested('Assistant')] });
    expect(again.changed).toEqual([]);
  });

  it('summarizes like the runs read model: status from the roots, sums over every step, root agent first', () => {
    const rows = fold([[r.requested('Assistant')], [r.started('Assistant')], [c.requested('Researcher', root)], [c.started('Researcher'), c.llm(0, 7)], [r.llm(0, 5)]]);
    expect(summarizeRun(root.runId, rows, 5)).toMatchObject({
      runId: root.runId, sequence: 5, status: 'working', terminal: false, rootAgent: 'Assistant', stepCount: 2, inputTokens: 12, outputTokens: 12, completedAt: null,
    });
    const done = fold([[r.requested('Assistant')], [r.started('Assistant')], [c.requested('Researcher', root)], [r.completed('ok')]]);
    const summary = summarizeRun(root.runId, done, 4);
    // A child still submitted does not keep the run open: only roots decide.
    expect(summary).toMatchObject({ status: 'completed', terminal: true, stepCount: 2 });
    expect(summary.completedAt).toBe(done.get(root.stepId)?.completedAt);
  });

  it('is an empty, submitted run before any step', () => {
    expect(summarizeRun(root.runId, new Map(), 0)).toMatchObject({ status: 'submitted', terminal: false, rootAgent: null, stepCount: 0, createdAt: null });
  });

  it('counts a change of status, steps or tokens, but not of sequence or updatedAt alone', () => {
    const before = summarizeRun(root.runId, fold([[r.requested('Assistant')], [r.started('Assistant')]]), 2);
    expect(progressChanged(null, before)).toBe(true);
    expect(progressChanged(before, { ...before, sequence: 9, updatedAt: '2030-01-01T00:00:00.000Z' })).toBe(false);
    expect(progressChanged(before, { ...before, status: 'completed' })).toBe(true);
    expect(progressChanged(before, { ...before, stepCount: 2 })).toBe(true);
    expect(progressChanged(before, { ...before, outputTokens: 1 })).toBe(true);
  });
});
