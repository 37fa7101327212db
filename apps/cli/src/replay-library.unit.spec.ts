import type { ShamanEvent } from '@shaman/events';
import { describe, expect, it } from 'vitest';
import { buildDag, diffRuns, formatDag, formatTimeline, planFork, type Paint, type RecordedEvent } from './index.js';

const ORG = '00000000-0000-4000-8000-000000000001';
const RUN = '00000000-0000-4000-8000-000000000002';
const PARENT = '00000000-0000-4000-8000-000000000003';
const CHILD = '00000000-0000-4000-8000-000000000004';
const at = '2026-01-01T00:00:00.000Z';
const meta = (n: number, stepId: string) => ({ eventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, orgId: ORG, runId: RUN, stepId, at });
const plain: Paint = { bold: (s) => s, dim: (s) => s, green: (s) => s, red: (s) => s, cyan: (s) => s };
const requested = (n: number, stepId: string, name: string, parentStepId: string | null): ShamanEvent =>
  ({ type: 'RunRequested', data: { agent: { name, repository: '/r', commit: null }, message: { messageId: `m${n}`, role: 'user', parts: [{ kind: 'text', text: 'go' }] }, parentStepId, depth: parentStepId ? 1 : 0, initiator: { kind: 'system', id: 't' } }, metadata: meta(n, stepId) }) as ShamanEvent;
const started = (n: number, stepId: string, name: string): ShamanEvent =>
  ({ type: 'StepStarted', data: { agent: { name, repository: '/r', commit: null }, model: 'scripted', executorId: 'x', attempt: 1 }, metadata: meta(n, stepId) }) as ShamanEvent;
const recording = (): RecordedEvent[] =>
  [requested(1, PARENT, 'Boss', null), started(2, PARENT, 'Boss'), requested(3, CHILD, 'Worker', PARENT), started(4, CHILD, 'Worker')].map((event, i) => ({
    seq: i + 1,
    subject: `shaman.${event.type === 'RunRequested' ? 'req' : 'evt'}.${ORG}.${RUN}.${event.metadata.stepId}`,
    time: new Date(at),
    index: 0,
    raw: event,
    event,
    lifecycle: null,
  }));

describe('replay as a library (apps/cli index)', () => {
  it('prints a recording as a timeline and a DAG with the child under its caller', () => {
    const events = recording();
    expect(formatTimeline(events, plain).join('\n')).toContain('Worker');
    const [root] = buildDag(events);
    expect(root?.row.agent).toBe('Boss');
    expect(root?.children.map((c) => c.row.agent)).toEqual(['Worker']);
    expect(formatDag(RUN, buildDag(events), plain).join('\n')).toMatch(/Boss[\s\S]*Worker/);
  });

  it('compares runs and plans forks from the same recording', () => {
    expect(diffRuns(recording(), recording()).identical).toBe(true);
    const fork = (stepId: string) => planFork(recording(), { cut: { kind: 'step', stepId }, runId: '00000000-0000-4000-8000-0000000000a1', at, overrides: {}, initiator: { kind: 'system', id: 't' } });
    // Cut at the child's request: its caller is copied up to there (still open), and goes on live from it.
    expect(fork(CHILD)).toMatchObject({ ok: true, plan: { steps: [{ agent: 'Boss', originStepId: PARENT, copiedEvents: 1, terminal: false }] } });
    expect(fork('00000000-0000-4000-8000-00000000ffff').ok).toBe(false);
  });
});
