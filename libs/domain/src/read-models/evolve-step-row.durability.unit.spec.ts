import { ShamanEvent } from '@shaman/events';
import { describe, expect, it } from 'vitest';
import { evolveStepRow } from './evolve-step-row.js';
import type { StepRow } from './rows.js';

const ids = { orgId: '00000000-0000-4000-8000-000000000001', runId: '00000000-0000-4000-8000-000000000002', stepId: '00000000-0000-4000-8000-000000000003' };
const meta = (n: number) => ({ ...ids, eventId: `00000000-0000-4000-8000-0000000002${String(n).padStart(2, '0')}`, at: `2026-01-01T00:00:${String(n).padStart(2, '0')}.000Z` });
const agent = { name: 'Writer', repository: '/repo', commit: null };
const message = { messageId: 'm1', role: 'user', parts: [{ kind: 'text', text: 'go' }] };
const ev = {
  requested: (n: number) => ShamanEvent.parse({ type: 'RunRequested', data: { agent, message, parentStepId: null, depth: 0, initiator: { kind: 'system', id: 's' } }, metadata: meta(n) }),
  started: (n: number) => ShamanEvent.parse({ type: 'StepStarted', data: { agent, model: 'm', executorId: 'a', attempt: 1 }, metadata: meta(n) }),
  retried: (n: number, attempt: number) => ShamanEvent.parse({ type: 'StepRetryScheduled', data: { attempt, kind: 'model', delayMs: 800, error: '503' }, metadata: meta(n) }),
  resumed: (n: number, attempt: number) => ShamanEvent.parse({ type: 'StepResumed', data: { executorId: 'b', attempt }, metadata: meta(n) }),
  deadLettered: (n: number, attempts: number) => ShamanEvent.parse({ type: 'StepDeadLettered', data: { attempts, kind: 'model', error: '503' }, metadata: meta(n) }),
  failed: (n: number) => ShamanEvent.parse({ type: 'StepFailed', data: { error: { code: 'model_error', message: 'gave up' } }, metadata: meta(n) }),
  deadline: (n: number) => ShamanEvent.parse({ type: 'StepDeadlineExceeded', data: { scope: 'step', timeoutMs: 1000, deadline: meta(n).at }, metadata: meta(n) }),
};
const fold = (...events: ShamanEvent[]): StepRow | null => events.reduce<StepRow | null>((row, e, i) => evolveStepRow(row, e, i + 1), null);

describe('step rows count attempts, retries and the dead letter (issue 7)', () => {
  it('starts with none, and counts the claim as the first attempt', () => {
    expect(fold(ev.requested(1))).toMatchObject({ attempts: 0, retries: 0, deadLettered: false });
    expect(fold(ev.requested(1), ev.started(2))).toMatchObject({ attempts: 1, retries: 0 });
  });

  it('counts each retry and takes the highest attempt any event names', () => {
    const row = fold(ev.requested(1), ev.started(2), ev.retried(3, 1), ev.resumed(4, 2), ev.retried(5, 2), ev.resumed(6, 3));
    expect(row).toMatchObject({ status: 'working', attempts: 3, retries: 2, deadLettered: false, lastSeq: 6 });
  });

  it('marks the dead letter, and the failure that comes with it ends the row', () => {
    const row = fold(ev.requested(1), ev.started(2), ev.retried(3, 1), ev.resumed(4, 2), ev.deadLettered(5, 2), ev.failed(5));
    expect(row).toMatchObject({ status: 'failed', attempts: 2, retries: 1, deadLettered: true, error: { code: 'model_error' } });
  });

  it('a deadline request changes nothing by itself: the failure the executor records does', () => {
    const before = fold(ev.requested(1), ev.started(2));
    expect(evolveStepRow(before, ev.deadline(3), 3)).toBe(before);
  });
});
